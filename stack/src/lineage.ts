/**
 * Read models are derived from one Kafka log. When the log is new (a fresh clone, a wiped
 * .eventlens) but PostgreSQL still holds read models and checkpoints from an older log, the
 * projections would skip the new log's first offsets as "already applied". The database therefore
 * records which cluster it was built from; on a mismatch the stack clears the projections' schemas
 * of a database it provisions itself, and refuses to touch one given by DATABASE_URL.
 */
import pg from 'pg';
import { readFile } from 'node:fs/promises';
import { StackError } from './errors';

const SYSTEM_SCHEMAS = ['public', 'information_schema'];

export async function readClusterId(metaPropertiesFile: string): Promise<string> {
  const text = await readFile(metaPropertiesFile, 'utf8');
  const match = /^cluster\.id=(.+)$/m.exec(text);
  if (!match) throw new StackError('KAFKA_FAILED', `${metaPropertiesFile} has no cluster.id`);
  return match[1]!.trim();
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
    await client.query(
      'create table if not exists public.eventlens_stack (key text primary key, value text not null)',
    );
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
