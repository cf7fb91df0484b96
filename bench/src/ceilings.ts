/**
 * Ceilings measured in the same run as the figures they bound: what kafkajs alone can append to
 * this broker, and what COPY alone can load into this PostgreSQL. On a shared 2-core machine an
 * absolute number means little; a ratio to a ceiling measured a minute earlier means more.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Codec, EventTracked } from '@eventlens/contracts';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
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

/** COPY straight into a table shaped like the explorer's, indexes included. */
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
    const projectId = randomUUID();
    const lines = function* () {
      for (let i = 0; i < options.rows; i++) {
        const e = sampleEvent(projectId, i);
        yield (
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
    };
    const started = performance.now();
    await pipeline(Readable.from(lines()), client.query(copyFrom(`copy ${table} from stdin`)));
    const seconds = (performance.now() - started) / 1000;
    return { rowsPerSecond: options.rows / seconds };
  } finally {
    await client.query(`drop table if exists ${table}`);
    await client.end();
  }
}
