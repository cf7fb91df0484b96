/**
 * admin 004 (file 008) against the stack's PostgreSQL, in a schema of this file's own
 * (`rm8_<id>_admin`): a schema migrated up to admin 003 (as the release before left it, with a
 * project in it) gets `public_links`, readable by the reader role and not writable by it; a token's
 * hash names one link only; a link's password may be absent; a second run applies nothing.
 */
import { randomBytes } from 'node:crypto';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import { stackForTests } from '@eventlens/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident, MIGRATIONS_TABLE } from '../catalog';
import { migrateReadModel } from '../migrate';

const id = randomBytes(4).toString('hex');
const schema = `rm8_${id}_admin`;
const s = ident(schema);
const project = '8a1f6f5e-8a55-4e4b-9a4c-0d6f2a6c1b08';
let owner: pg.Pool;
let reader: pg.Pool;
let db: Knex;
let readerRole: string;

beforeAll(async () => {
  const dev = await stackForTests();
  owner = new pg.Pool({ connectionString: dev.databaseUrl, max: 2 });
  reader = new pg.Pool({ connectionString: dev.readerDatabaseUrl, max: 1 });
  db = knex({ client: 'pg', connection: dev.databaseUrl, pool: { min: 0, max: 2 } });
  readerRole = decodeURIComponent(new URL(dev.readerDatabaseUrl).username);
  // A schema as the release before this migration left it: everything up to 003, a project in it.
  await migrateReadModel(db, { kind: 'admin', schema, readerRole });
  await owner.query(
    `drop table ${s}.public_links; delete from ${s}.${MIGRATIONS_TABLE} where name = '004_public_links'`,
  );
  await owner.query(`insert into ${s}.projects (project_id, name, created_at) values ($1, 'shared', now())`, [
    project,
  ]);
});

afterAll(async () => {
  await owner?.query(`drop schema if exists ${s} cascade`);
  await db?.destroy();
  await reader?.end();
  await owner?.end();
});

describe('admin 004: public links', () => {
  it('is applied to a schema at admin 003 (and only once), keeping what it holds', async () => {
    expect(await migrateReadModel(db, { kind: 'admin', schema, readerRole })).toEqual({
      applied: ['004_public_links'],
    });
    expect(await migrateReadModel(db, { kind: 'admin', schema, readerRole })).toEqual({ applied: [] });
    const { rows } = await owner.query(`select name from ${s}.projects`);
    expect(rows).toEqual([{ name: 'shared' }]);
  });

  it('holds a link per token hash, a password or none, read by the reader role, written by the owner only', async () => {
    const insert = (linkId: string, hash: string, password: string | null) =>
      owner.query(
        `insert into ${s}.public_links (link_id, project_id, token_hash, token_prefix, password_hash, created_at)
         values ($1, $2, $3, 'els_abcdef', $4, '2026-03-01T00:00:00Z')`,
        [linkId, project, hash, password],
      );
    await insert('5b1e1f0e-2f7f-4c58-9d9c-0a8d2b6f1e01', 'a'.repeat(64), null);
    await insert(
      '5b1e1f0e-2f7f-4c58-9d9c-0a8d2b6f1e02',
      'b'.repeat(64),
      'scrypt$32768$8$1$c2FsdA==$aGFzaA==',
    );
    await expect(insert('5b1e1f0e-2f7f-4c58-9d9c-0a8d2b6f1e03', 'a'.repeat(64), null)).rejects.toMatchObject({
      code: '23505',
    });

    const { rows } = await reader.query(
      `select link_id, password_hash is not null as has_password, revoked_at
         from ${s}.public_links where project_id = $1 order by created_at desc, link_id desc`,
      [project],
    );
    expect(rows).toEqual([
      { link_id: '5b1e1f0e-2f7f-4c58-9d9c-0a8d2b6f1e02', has_password: true, revoked_at: null },
      { link_id: '5b1e1f0e-2f7f-4c58-9d9c-0a8d2b6f1e01', has_password: false, revoked_at: null },
    ]);
    await expect(reader.query(`update ${s}.public_links set revoked_at = now()`)).rejects.toMatchObject({
      code: '42501',
    });
  });
});
