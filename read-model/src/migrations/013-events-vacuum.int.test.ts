/**
 * analytics 010 (file 013) against the stack's PostgreSQL, in a schema of this file's own
 * (`rm13_<id>_…`), migrated from the DDL of the releases before the version table: `events` carries
 * its own insert threshold for autovacuum, with no scale factor; `sessions` keeps the server's.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_VACUUM_INSERT_THRESHOLD } from './013-events-vacuum';
import { oldAnalyticsSchema, type OldSchema } from './test-support';

const id = randomBytes(4).toString('hex');
const schema = `rm13_${id}_analytics`;
let old: OldSchema;

beforeAll(async () => {
  old = await oldAnalyticsSchema(schema);
  await old.migrate();
});

afterAll(async () => {
  await old?.drop();
});

/** The storage parameters of `schema`.`table`, as PostgreSQL keeps them (`name=value`). */
async function options(table: string): Promise<string[]> {
  const { rows } = await old.owner.query<{ reloptions: string[] | null }>(
    `select c.reloptions from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname = $2`,
    [schema, table],
  );
  expect(rows).toHaveLength(1);
  return rows[0]!.reloptions ?? [];
}

describe('autovacuum on events', () => {
  it('visits the table after a fixed number of inserted rows, whatever its size', async () => {
    expect((await options('events')).sort()).toEqual([
      `autovacuum_vacuum_insert_scale_factor=0`,
      `autovacuum_vacuum_insert_threshold=${EVENTS_VACUUM_INSERT_THRESHOLD}`,
    ]);
  });

  it('leaves the visits with the server’s settings', async () => {
    expect(await options('sessions')).toEqual([]);
  });
});
