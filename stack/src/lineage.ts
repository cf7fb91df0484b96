/**
 * Read models are derived from one Kafka log. When the log is new (a fresh clone, a wiped
 * .eventlens) but PostgreSQL still holds read models and checkpoints from an older log, the
 * projections would skip the new log's first offsets as "already applied". The database therefore
 * records which cluster it was built from; on a mismatch the stack clears the projections' schemas
 * of a database it provisions itself, and refuses to touch one given by DATABASE_URL.
 *
 * A database also records which checkout's stack uses it (`claimDatabase`): a second clone on the
 * same machine, with only its ports moved, would otherwise find the first one's database under the
 * same default name, see another log, and clear it under the running stack. That clone takes a
 * database of its own instead (postgres.ts `provisionPostgres`).
 */
import pg from 'pg';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { StackError } from './errors';

const SYSTEM_SCHEMAS = ['public', 'information_schema'];

export async function readClusterId(metaPropertiesFile: string): Promise<string> {
  const text = await readFile(metaPropertiesFile, 'utf8');
  const match = /^cluster\.id=(.+)$/m.exec(text);
  if (!match) throw new StackError('KAFKA_FAILED', `${metaPropertiesFile} has no cluster.id`);
  return match[1]!.trim();
}

const CREATE_MARKERS =
  'create table if not exists public.eventlens_stack (key text primary key, value text not null)';

/**
 * Records that the stack whose data directory is `dataDir` (absolute) uses the database, before
 * anything is started on it. Refused (DATABASE_IN_USE, naming the other checkout and the fix) when
 * the database is recorded for another data directory that still exists: that checkout's stack
 * (running or not) keeps its log there and its read models here. A recorded directory that is
 * gone (a deleted clone, a wiped .eventlens) gives the database up.
 */
export async function claimDatabase(options: { databaseUrl: string; dataDir: string }): Promise<void> {
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    await client.query(CREATE_MARKERS);
    await client.query('begin');
    // Two stacks starting at once: the second waits here and then reads the first's claim.
    await client.query('lock table public.eventlens_stack in exclusive mode');
    const { rows } = await client.query<{ value: string }>(
      "select value from public.eventlens_stack where key = 'data_dir'",
    );
    const recorded = rows[0]?.value;
    if (recorded !== undefined && recorded !== options.dataDir && existsSync(recorded)) {
      const database = decodeURIComponent(new URL(options.databaseUrl).pathname.slice(1));
      throw new StackError(
        'DATABASE_IN_USE',
        `the database ${database} belongs to the EventLens stack of another checkout (its data: ${recorded}): set DATABASE_URL to a database of this checkout's own (e.g. ${database}_2 on the same server), or run \`npm run stack:reset\` in that checkout first`,
      );
    }
    await client.query(
      "insert into public.eventlens_stack (key, value) values ('data_dir', $1) on conflict (key) do update set value = excluded.value",
      [options.dataDir],
    );
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

/** Returns the schemas it dropped (empty when the database already belonged to this log). */
export async function alignWithLog(options: {
  databaseUrl: string;
  clusterId: string;
  ownedByStack: boolean;
}): Promise<string[]> {
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    await client.query(CREATE_MARKERS);
    const marker = await client.query<{ value: string }>(
      "select value from public.eventlens_stack where key = 'kafka_cluster_id'",
    );
    const recorded = marker.rows[0]?.value;
    if (recorded === options.clusterId) return [];
    const { rows } = await client.query<{ nspname: string }>(
      `select nspname from pg_namespace where nspname <> all($1) and nspname not like 'pg\\_%' order by nspname`,
      [SYSTEM_SCHEMAS],
    );
    const schemas = rows.map((r) => r.nspname);
    if (schemas.length > 0) {
      if (!options.ownedByStack) {
        throw new StackError(
          'DATABASE_PROVISION_FAILED',
          `the database in DATABASE_URL holds read models of another Kafka log (schemas ${schemas.join(', ')}): point DATABASE_URL at an empty database, or drop those schemas`,
        );
      }
      for (const schema of schemas)
        await client.query(`drop schema "${schema.replaceAll('"', '""')}" cascade`);
    }
    await client.query(
      "insert into public.eventlens_stack (key, value) values ('kafka_cluster_id', $1) on conflict (key) do update set value = excluded.value",
      [options.clusterId],
    );
    return schemas;
  } finally {
    await client.end();
  }
}
