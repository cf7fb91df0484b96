/**
 * A worker against the stack's real broker when the group coordinator does not answer its first
 * join in time (a fresh broker still loading `__consumer_offsets` on a loaded machine): kafkajs
 * gives up with KafkaJSGroupCoordinatorNotFound, a crash it does not restart, and `start()` has
 * resolved all the same. The worker's network drops every FindCoordinator request until then.
 */
import { Kafka, logLevel } from 'kafkajs';
import { eventually } from '@eventlens/stack/eventually';
import { API_KEYS, requestDropper } from '@eventlens/stack/kafka-faults';
import { kafkaLogCreator, recordingLogger, type RecordedLine } from '@eventlens/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  caughtUp,
  count,
  createTestEnv,
  makeEvent,
  produceEvents,
  startInProcess,
  type InProcess,
  type TestEnv,
} from '../testing/fixture';
import { ident } from '../db';

describe('a worker whose first group join finds no coordinator (real Kafka and PostgreSQL)', () => {
  let env: TestEnv;
  let workers: InProcess | undefined;

  beforeAll(async () => {
    env = await createTestEnv({ eventPartitions: 2 });
  });
  afterAll(async () => {
    await workers?.stop();
    await env?.cleanup();
  });

  it('starts its consumer again once the coordinator answers, and projects every event once', async () => {
    const { schema, source } = env.topology.projections.analytics;
    const events = Array.from({ length: 20 }, () => makeEvent());
    await produceEvents(env, events);

    const dropper = requestDropper();
    const lines: RecordedLine[] = [];
    const logger = recordingLogger(lines);
    const kafka = new Kafka({
      clientId: `test-${env.id}-stall`,
      brokers: env.config.kafkaBrokers,
      requestTimeout: 1000,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(logger),
      socketFactory: dropper.socketFactory,
    });
    dropper.drop(API_KEYS.FindCoordinator);
    workers = await startInProcess(env, ['analytics'], { kafka, logger });

    // The join's coordinator lookup timed out and kafkajs left the consumer stopped…
    const crash = await eventually(
      'the consumer crash kafkajs does not restart',
      () => lines.find((l) => l.message === 'consumer crashed'),
      { timeoutMs: 60_000 },
    );
    expect(crash.fields).toMatchObject({ restartedBy: 'EventLens' });
    expect(await count(env.pool, `select count(*) as n from ${ident(schema)}.events`)).toBe(0);
    // …and the coordinator answers again.
    dropper.pass();

    await caughtUp(env, schema, source, 60_000);
    expect(await count(env.pool, `select count(*) as n from ${ident(schema)}.events`)).toBe(events.length);
    expect(lines.map((l) => l.message)).toContain('consumer started again after a crash');
  });
});
