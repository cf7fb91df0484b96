/**
 * Ceilings measured in the same run as the figures they bound: what kafkajs alone can append to
 * this broker, and what COPY alone can load into this PostgreSQL. On a shared 2-core machine an
 * absolute number means little; a ratio to a ceiling measured a minute earlier means more.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Codec, EventTracked } from '@eventlens/contracts';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { migrate } from '@eventlens/projections';
import { TABLES } from '@eventlens/read-model';
import { createTopicsServed } from '@eventlens/stack/topics';

export function sampleEvent(projectId: string, i: number, now = Date.now()): EventTracked {
  return {
    event_id: randomUUID(),
    project_id: projectId,
    event_name: i % 5 === 0 ? 'page_view' : 'button_click',
    session_id: `s-${i % 997}`,
    user_id: i % 3 === 0 ? `u-${i % 101}` : null,
    anonymous_id: `a-${i % 997}`,
    timestamp: now - (i % 60_000),
    received_at: now,
    url: `https://example.com/page/${i % 50}`,
    referrer: null,
    metadata_json: JSON.stringify({ plan: 'pro', position: i % 10 }),
    context: { language: 'en-GB', screen: '1280x720' },
  };
}

/** kafkajs straight to the broker: pre-encoded records, idempotent producer, acks=all, batches of 5,000. */
export async function kafkaCeiling(options: {
  brokers: string;
  codec: Codec;
  topic: string;
  events: number;
}): Promise<{ eventsPerSecond: number }> {
  const kafka = new Kafka({
    clientId: 'bench-ceiling',
    brokers: [options.brokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsServed(admin, [{ topic: options.topic, numPartitions: 4 }]);
  await admin.disconnect();
  const projectId = randomUUID();
  const messages = Array.from({ length: options.events }, (_, i) => {
    const event = sampleEvent(projectId, i);
    return { key: `${projectId}:${event.session_id}`, value: options.codec.encode('EventTracked', event) };
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const started = performance.now();
  for (let i = 0; i < messages.length; i += 5000) {
    await producer.send({
      topic: options.topic,
      acks: -1,
      compression: CompressionTypes.None,
      messages: messages.slice(i, i + 5000),
    });
  }
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  return { eventsPerSecond: options.events / seconds };
}

/**
 * The columns the COPY ceilings fill, in order: the first 12 of `events` (read-model migration 001),
 * the ones an EventTracked of `sampleEvent` gives values to; the real table's later columns stay null.
 */
export const COPY_COLUMNS = [
  'project_id',
  'event_id',
  'event_name',
  'session_id',
  'user_id',
  'anonymous_id',
  'ts',
  'received_at',
  'url',
  'referrer',
  'metadata',
  'context',
] as const;

/** One event as a line of COPY's text format: COPY_COLUMNS' values, tab-separated, `\N` for null. */
export function copyLine(e: EventTracked): string {
  return (
    [
      e.project_id,
      e.event_id,
      e.event_name,
      e.session_id,
      e.user_id ?? '\\N',
      e.anonymous_id,
      new Date(e.timestamp).toISOString(),
      new Date(e.received_at).toISOString(),
      e.url,
      '\\N',
      e.metadata_json,
      JSON.stringify(e.context),
    ].join('\t') + '\n'
  );
}

/**
 * COPYs `rows` sample events (`sampleEvent`, one new project) into `table` over `client`, in one
 * COPY; resolves with rows/s over the COPY alone (the lines are generated as it streams).
 */
async function timeCopy(client: pg.Client, table: string, rows: number): Promise<number> {
  const projectId = randomUUID();
  const lines = function* () {
    for (let i = 0; i < rows; i++) yield copyLine(sampleEvent(projectId, i));
  };
  const started = performance.now();
  await pipeline(
    Readable.from(lines()),
    client.query(copyFrom(`copy ${table} (${COPY_COLUMNS.join(', ')}) from stdin`)),
  );
  return rows / ((performance.now() - started) / 1000);
}

/**
 * COPY straight into a table of COPY_COLUMNS with the events' key and one index, the explorer's
 * keyset: the ceiling the projection's aim is set against. Resolves with rows/s.
 */
export async function copyCeiling(options: {
  databaseUrl: string;
  rows: number;
}): Promise<{ rowsPerSecond: number }> {
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  const table = `bench_copy_${randomUUID().replaceAll('-', '')}`;
  try {
    await client.query(`create table ${table} (
      project_id uuid not null, event_id uuid not null, event_name text not null, session_id text,
      user_id text, anonymous_id text, ts timestamptz not null, received_at timestamptz not null,
      url text, referrer text, metadata jsonb not null, context jsonb not null, primary key (project_id, event_id))`);
    await client.query(`create index on ${table} (project_id, ts desc, event_id desc)`);
    return { rowsPerSecond: await timeCopy(client, table, options.rows) };
  } finally {
    await client.query(`drop table if exists ${table}`);
    await client.end();
  }
}

/**
 * The same COPY (same rows, same lines) into a table `like` the analytics read model's `events`
 * `including all`: its columns, key, every index (partial and covering ones included) and extended
 * statistics. The gap between this and `copyCeiling` is what the read model's own indexes cost
 * PostgreSQL, which the projection pays on every row it writes.
 *
 * The shape is read from the database at run time, from a schema of its own migrated with the read
 * models' migrations (as the projection process migrates its schemas at start-up): it follows the
 * migrations, with no hand-written index list to drift and no reliance on the dev stack's `analytics`
 * schema being current. `readerRole` is the role the migration grants read access to (the query
 * side's). Resolves with rows/s; the schema, and the table in it, are dropped afterwards.
 */
export async function copyEveryIndexCeiling(options: {
  databaseUrl: string;
  readerRole: string;
  rows: number;
}): Promise<{ rowsPerSecond: number }> {
  const schema = `bench_copy_${randomBytes(4).toString('hex')}_analytics`;
  const owner = new pg.Pool({ connectionString: options.databaseUrl, max: 1 });
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    await migrate(owner, { kind: 'analytics', schema, readerRole: options.readerRole });
    const table = `${schema}.events_copy`;
    await client.query(`create table ${table} (like ${schema}.${TABLES.analytics.events} including all)`);
    return { rowsPerSecond: await timeCopy(client, table, options.rows) };
  } finally {
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
    await owner.end();
  }
}
