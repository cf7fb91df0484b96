/**
 * The external consumer against the running stack's Kafka and registry: a private topic holds
 * EventTracked records written as v1 and as v2 (by EventLens's codec, as the ingestion API of each
 * release writes them); the consumer program, pinned to the v1 reader schema, reads every record in
 * v1's shape, and pinned to v2 reads every record in v2's shape (a v1 record's new fields null).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AVRO_HISTORY, createCodec, EVENT_SCHEMAS } from '@eventlens/contracts';
import { createTopicsServed } from '@eventlens/stack/topics';

const home = process.env.EVENTLENS_HOME ?? path.resolve(import.meta.dirname, '../../.eventlens');
const { registryUrl, kafkaBrokers } = JSON.parse(readFileSync(path.join(home, 'dev.json'), 'utf8'));

const id = randomUUID().slice(0, 8);
/** Below the test's own deadline (vitest.config.mjs: 120 s), so a hang fails with the program's stderr. */
const CONSUMER_DEADLINE_MS = 100_000;
const topic = `test.${id}.events`;
// The set-up waits longer than the clients' defaults (1 s to connect, 10 s a registry request):
// `npm test` runs every package at once on two cores, and this file's hooks once failed there.
const kafka = new Kafka({
  clientId: `test-${id}`,
  brokers: kafkaBrokers.split(','),
  logLevel: logLevel.NOTHING,
  connectionTimeout: 10_000,
});
const admin = kafka.admin();
const producer = kafka.producer();

const [v1Schema, v2Schema] = AVRO_HISTORY.EventTracked;
const v1Fields = v1Schema.fields.map((f) => f.name);
const v2Fields = v2Schema.fields.map((f) => f.name);

const base = (n) => ({
  event_id: randomUUID(),
  project_id: '6d1f0a3e-2b7c-4e55-8f6a-1c2d3e4f5a60',
  event_name: `event_${n}`,
  session_id: `s-${n}`,
  user_id: null,
  anonymous_id: 'a-1',
  timestamp: 1_767_261_600_000 + n,
  received_at: 1_767_261_600_100 + n,
  url: 'https://shop.example/',
  referrer: null,
  metadata_json: '{}',
  context: { screen: '1440x900' },
});
const written = {
  v1: [base(1), base(2), base(3)],
  v2: [
    {
      ...base(4),
      page_title: 'Home',
      screen_width: 1440,
      screen_height: 900,
      browser: 'Firefox',
      country: 'DE',
    },
    { ...base(5), time_zone: 'Europe/Berlin', client_sent_at: 1_767_261_600_000, device_type: 'mobile' },
  ],
};
/** Every record as EventLens's own reader (today's latest) reads it. */
const full = (event) => EVENT_SCHEMAS.EventTracked.parse(event);
const pick = (event, fields) => Object.fromEntries(fields.map((f) => [f, event[f]]));

beforeAll(async () => {
  await admin.connect();
  await createTopicsServed(admin, [{ topic, numPartitions: 2 }], { timeoutMs: 45_000 });
  await producer.connect();
  const writers = await Promise.all(
    [v1Schema, v2Schema].map(async (schema) => {
      const codec = createCodec({ registryUrl, schemas: { EventTracked: schema }, requestTimeoutMs: 30_000 });
      await codec.register();
      return codec;
    }),
  );
  await producer.send({
    topic,
    acks: -1,
    messages: [
      ...written.v1.map((e) => ({ key: e.session_id, value: writers[0].encode('EventTracked', e) })),
      ...written.v2.map((e) => ({ key: e.session_id, value: writers[1].encode('EventTracked', e) })),
    ],
  });
});

afterAll(async () => {
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.deleteGroups([`test-${id}-v1`, `test-${id}-v2`, `test-${id}-latest`]).catch(() => undefined);
  await admin.disconnect();
});

/**
 * Runs the program as a user would, until it has printed `max` events; returns them by event id.
 * Past CONSUMER_DEADLINE_MS the program is killed and the test fails with what it wrote on stderr
 * (kafkajs's warnings): a CI run once saw it still running at the test's deadline, with no output to
 * tell why; SIGKILL because its SIGTERM handler waits for the consumer to leave its group.
 */
async function runConsumer(args, max) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      path.join(import.meta.dirname, 'consumer.mjs'),
      '--brokers',
      kafkaBrokers,
      '--registry',
      registryUrl,
      '--topic',
      topic,
      '--max',
      String(max),
      ...args,
    ],
    { timeout: CONSUMER_DEADLINE_MS, killSignal: 'SIGKILL' },
  ).catch((error) => {
    throw new Error(`the consumer did not print ${max} events: ${error.message}\nstderr: ${error.stderr}`, {
      cause: error,
    });
  });
  const lines = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  return new Map(lines.map((line) => [line.event.event_id, line]));
}

describe('a consumer outside EventLens', () => {
  const count = written.v1.length + written.v2.length;

  it('pinned to the v1 reader schema, reads the v2 records too, in v1’s shape', async () => {
    const read = await runConsumer(['--group', `test-${id}-v1`, '--reader-version', '1'], count);
    expect(read.size).toBe(count);
    for (const event of [...written.v1, ...written.v2]) {
      const line = read.get(event.event_id);
      expect(Object.keys(line.event).sort()).toEqual([...v1Fields].sort());
      expect(line.event).toEqual(pick(full(event), v1Fields));
    }
    // The v2 records really were written with another schema than the v1 ones.
    const ids = (events) => new Set(events.map((e) => read.get(e.event_id).schema_id));
    expect([...ids(written.v1)]).toHaveLength(1);
    expect([...ids(written.v2)]).toHaveLength(1);
    expect([...ids(written.v1)][0]).not.toBe([...ids(written.v2)][0]);
  });

  it('pinned to the v2 reader schema, reads the v1 records too, their new fields null', async () => {
    const read = await runConsumer(['--group', `test-${id}-v2`, '--reader-version', '2'], count);
    expect(read.size).toBe(count);
    for (const event of [...written.v1, ...written.v2]) {
      const line = read.get(event.event_id);
      expect(Object.keys(line.event).sort()).toEqual([...v2Fields].sort());
      expect(line.event).toEqual(full(event));
    }
    expect(read.get(written.v1[0].event_id).event).toMatchObject({ page_title: null, country: null });
    expect(read.get(written.v2[0].event_id).event).toMatchObject({ page_title: 'Home', country: 'DE' });
  });

  it('unpinned, reads each record in its writer’s own schema', async () => {
    const read = await runConsumer(['--group', `test-${id}-latest`], count);
    expect(Object.keys(read.get(written.v1[0].event_id).event).sort()).toEqual([...v1Fields].sort());
    expect(Object.keys(read.get(written.v2[0].event_id).event).sort()).toEqual([...v2Fields].sort());
  });
});
