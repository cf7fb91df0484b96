/**
 * The migration lists: names in order, unique, `NNN_what`, numbered without gaps; knex's migration
 * source gives them in that order; `down` refuses; every statement reaches PostgreSQL as written
 * (knex would take a `?` for a placeholder).
 */
import knex, { type Knex } from 'knex';
import { describe, expect, test } from 'vitest';
import { READ_MODEL_KINDS } from './catalog';
import { IrreversibleMigrationError, migrationSource, migratorConfig } from './migrate';
import { escapeForKnex, MIGRATIONS } from './migrations';

describe.each(READ_MODEL_KINDS)('the %s migrations', (kind) => {
  const list = MIGRATIONS[kind];

  test('start with 001_initial and are numbered 001, 002, … in order', () => {
    expect(list[0]?.name).toBe('001_initial');
    list.forEach((m, i) => {
      expect(m.name).toMatch(/^\d{3}_[a-z0-9_]+$/);
      expect(Number(m.name.slice(0, 3))).toBe(i + 1);
    });
    expect(new Set(list.map((m) => m.name)).size).toBe(list.length);
  });

  test('are what the migration source lists, bound to the schema asked for', async () => {
    const source = migrationSource(kind, 'p_' + kind);
    const listed = await source.getMigrations([]);
    expect(listed.map((m) => source.getMigrationName(m))).toEqual(list.map((m) => m.name));

    const statements: string[] = [];
    const fake = { raw: async (sql: string) => void statements.push(sql) } as unknown as Knex;
    await (await source.getMigration(listed[0]!)).up(fake);
    const sql = statements.join('\n');
    expect(sql).toContain(`create schema if not exists "p_${kind}"`);
    // Every qualified name is in the schema it was bound to: none is hard-coded.
    const schemas = new Set([...sql.matchAll(/(\S+)\.[a-z_]+ \(/g)].map((m) => m[1]));
    expect([...schemas]).toEqual([`"p_${kind}"`]);
  });

  test('cannot be undone', async () => {
    const source = migrationSource(kind, kind);
    const [first] = await source.getMigrations([]);
    const { down } = await source.getMigration(first!);
    await expect(down!(undefined as unknown as Knex)).rejects.toThrow(IrreversibleMigrationError);
  });

  test('keep the version table inside the schema migrated', () => {
    expect(migratorConfig(kind, 'x_rebuild')).toMatchObject({
      schemaName: 'x_rebuild',
      tableName: 'schema_migrations',
    });
  });
});

test('SQL with a literal ? reaches PostgreSQL as written', () => {
  const pg = knex({ client: 'pg' });
  const sql = `select '{"bot": "x"}'::jsonb ? 'bot', '{}'::jsonb ?| array['a'], 1`;
  // toNative(): the text knex hands the driver.
  expect(pg.raw(escapeForKnex(sql)).toSQL().toNative().sql).toBe(sql);
  expect(pg.raw(sql).toSQL().toNative().sql).toContain('jsonb $1'); // what the escape prevents
});
