import type { EventTracked } from '@eventlens/contracts';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@eventlens/stack/eventually';
import { ident } from '../db';
import { replayDlq } from '../ops/replay';
import { expectedReadModels, readModels } from '../testing/expected';
import {
  caughtUp,
  count,
  createTestEnv,
  makeEvent,
  startInProcess,
  type InProcess,
  type TestEnv,
} from '../testing/fixture';
import { HEADER, headerStrings } from './headers';

describe('a bad record never stops a partition (real Kafka, registry, PostgreSQL)', () => {
  let env: TestEnv;
  let workers: InProcess;

  beforeAll(async () => {
    env = await createTestEnv();
    workers = await startInProcess(env);
  });
  afterAll(async () => {
    await workers?.stop();
    await env?.cleanup();
  });

  const project = randomUUID();
  const good: EventTracked[] = [];
  const goodRun = () =>
    Array.from({ length: 20 }, (_, i) => {
      const event = makeEvent({
        project_id: project,
        session_id: 'sess-1',
        event_name: i % 3 === 0 ? 'page_view' : 'click',
        url: `https://a.dev/p${i % 4}?q=${i}`,
        anonymous_id: 'anon-1',
        timestamp: Date.UTC(2026, 2, 1, 12, 0, good.length),
      });
      good.push(event);
      return { key: `${project}:sess-1`, value: env.codec.encode('EventTracked', event) };
    });
  // JSON that JavaScript parses (1e200000 is Infinity to it) and PostgreSQL's jsonb refuses: numeric
  // holds at most 131,072 digits before the point (SQLSTATE 22003). The contract never lets such a
  // number in; a record that got past it is the case PostgreSQL's own refusal is the net for.
  const overflowing = '{"n":1e200000}';

  const poison: { label: string; value: Buffer; code: string; projectId: string | null }[] = [];
  let baseOffset = 0;

  it('routes garbage, an unknown schema id, an invalid event and a row PostgreSQL refuses to the DLQ, and projects the rest', async () => {
    const { source, schema } = env.topology.projections.analytics;
    const messages = [
      ...goodRun(),
      {
        label: 'garbage',
        value: Buffer.from('definitely not avro'),
        code: 'NOT_WIRE_FORMAT',
        projectId: null,
      },
      ...goodRun(),
      {
        label: 'unknown schema id',
        value: Buffer.from([0, 0x7f, 0xff, 0xff, 0x00, 1, 2, 3]),
        code: 'UNKNOWN_SCHEMA_ID',
        projectId: null,
      },
      ...goodRun(),
      {
        label: 'invalid event',
        value: env.codec.encode('EventTracked', makeEvent({ project_id: project, event_id: 'not-a-uuid' })),
        code: 'INVALID_EVENT',
        projectId: project,
      },
      ...goodRun(),
      {
        label: 'refused by PostgreSQL',
        value: env.codec.encode(
          'EventTracked',
          makeEvent({ project_id: project, session_id: 'sess-2', metadata_json: overflowing }),
        ),
        code: 'DB_22003',
        projectId: project,
      },
      ...goodRun(),
    ];
    const [meta] = await env.producer.send({
      topic: source,
      acks: -1,
      messages: messages.map((m) => ({ key: `${project}:sess-1`, value: m.value, partition: 0 })),
    });
    baseOffset = Number(meta!.baseOffset);
    messages.forEach((m, index) => {
      if ('label' in m)
        poison.push({ ...m, code: m.code, value: m.value, label: `${m.label}@${baseOffset + index}` });
    });

    // The partition kept flowing: every good record around the poison is projected, exactly.
    await caughtUp(env, schema, source);
    const expected = expectedReadModels(good);
    const actual = await readModels(env.pool, schema, [project]);
    expect(actual.events).toEqual(expected.events);
    expect(actual.sessions).toEqual(expected.sessions);
    expect(actual.volume).toEqual(expected.volume);
    expect(actual.pages).toEqual(expected.pages);

    // After retry.1..3 the four poison records are in the DLQ and indexed in ops.dlq_records.
    const ops = ident(env.topology.ops.schema);
    await eventually(
      'the four poison records indexed in ops.dlq_records',
      async () =>
        (await count(
          env.pool,
          `select count(*) as n from ${ops}.dlq_records where projection = 'analytics'`,
        )) === 4,
      { timeoutMs: 30_000 },
    );
    const { rows } = await env.pool.query(
      `select error_code, error_message, original_topic, original_partition, original_offset::int, attempts,
              value_base64, project_id::text, generation, replayed_at
         from ${ops}.dlq_records where projection = 'analytics' order by original_offset`,
    );
    expect(rows).toEqual(
      poison.map((p) => ({
        error_code: p.code,
        error_message: expect.any(String),
        original_topic: source,
        original_partition: 0,
        original_offset: Number(p.label.split('@')[1]),
        attempts: 4,
        value_base64: p.value.toString('base64'),
        project_id: p.projectId,
        generation: 0,
        replayed_at: null,
      })),
    );
    expect(rows.find((r) => r.error_code === 'INVALID_EVENT')?.error_message).toMatch(
      /event_id is not a uuid/,
    );

    // Counted once per hop: 3 retry topics, then the DLQ.
    const counts = await env.pool.query(
      `select stage, count::int from ${ops}.failure_counts where projection = 'analytics' order by stage`,
    );
    expect(counts.rows).toEqual([
      { stage: 'dlq', count: 4 },
      { stage: 'retry', count: 12 },
    ]);
  });

  it('puts the error and the original coordinates in the DLQ records headers', async () => {
    const { dlq, source } = env.topology.projections.analytics;
    const consumer = env.kafka.consumer({ groupId: `test-${env.id}-dlq-reader` });
    const seen: Record<string, string>[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [dlq], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(headerStrings(message.headers));
      },
    });
    try {
      await eventually('four records read from the DLQ topic', () => seen.length >= 4, { timeoutMs: 30_000 });
    } finally {
      await consumer.disconnect();
    }
    expect(
      seen.map((h) => [
        h[HEADER.errorCode],
        h[HEADER.originalTopic],
        h[HEADER.originalOffset],
        h[HEADER.attempt],
      ]),
    ).toEqual(poison.map((p) => [p.code, source, p.label.split('@')[1], '4']));
    expect(
      seen.every((h) => h[HEADER.projection] === 'analytics' && h[HEADER.originalPartition] === '0'),
    ).toBe(true);
  });

  it('dlq:replay re-applies a record whose cause was fixed, and sends a still-bad one back to the DLQ', async () => {
    const ops = ident(env.topology.ops.schema);
    const admin = env.topology.projections.admin;
    const keyId = randomUUID();
    // A revocation that arrives before its key: KEY_NOT_FOUND on every attempt, so it ends in the DLQ.
    await env.producer.send({
      topic: admin.source,
      acks: -1,
      messages: [
        {
          key: project,
          value: env.codec.encode('ApiKeyRevoked', {
            key_id: keyId,
            project_id: project,
            revoked_at: Date.UTC(2026, 2, 2),
          }),
        },
      ],
    });
    await eventually(
      'the early revocation in the DLQ',
      async () =>
        (await count(env.pool, `select count(*) as n from ${ops}.dlq_records where projection = 'admin'`)) ===
        1,
      { timeoutMs: 30_000 },
    );
    expect(
      (await env.pool.query(`select error_code from ${ops}.dlq_records where projection = 'admin'`)).rows,
    ).toEqual([{ error_code: 'KEY_NOT_FOUND' }]);

    // The key's issue is appended later (the cause is fixed); replaying the DLQ applies the revocation.
    await env.producer.send({
      topic: admin.source,
      acks: -1,
      messages: [
        {
          key: project,
          value: env.codec.encode('ApiKeyIssued', {
            key_id: keyId,
            project_id: project,
            kind: 'read',
            name: 'ci',
            key_hash: 'ab'.repeat(32),
            key_prefix: 'elr_ab',
            issued_at: Date.UTC(2026, 2, 1),
          }),
        },
      ],
    });
    await caughtUp(env, admin.schema, admin.source);
    const replay = (projection: 'admin' | 'analytics') =>
      replayDlq({
        pool: env.pool,
        producer: env.producer,
        opsSchema: env.topology.ops.schema,
        projection,
        retryTopic: env.topology.projections[projection].retry[0]!,
        logger: env.logger,
      });
    expect(await replay('admin')).toEqual({ replayed: 1 });
    await eventually(
      'the replayed revocation applied',
      async () =>
        (await count(
          env.pool,
          `select count(*) as n from ${ident(admin.schema)}.api_keys where key_id = $1 and revoked_at is not null`,
          [keyId],
        )) === 1,
      { timeoutMs: 30_000 },
    );
    expect(
      await count(
        env.pool,
        `select count(*) as n from ${ops}.dlq_records where projection = 'admin' and replayed_at is null`,
      ),
    ).toBe(0);

    // The analytics poison is still poison: replayed, it walks the retries to the DLQ again as generation 1.
    expect(await replay('analytics')).toEqual({ replayed: 4 });
    expect(await replay('analytics')).toEqual({ replayed: 0 });
    await eventually(
      'the replayed poison back in the DLQ as generation 1',
      async () =>
        (await count(
          env.pool,
          `select count(*) as n from ${ops}.dlq_records where projection = 'analytics' and generation = 1`,
        )) === 4,
      { timeoutMs: 30_000 },
    );
    expect(
      await count(
        env.pool,
        `select count(*) as n from ${ops}.dlq_records where projection = 'analytics' and replayed_at is not null`,
      ),
    ).toBe(4);
    // …and the read models did not change.
    expect(
      await count(
        env.pool,
        `select count(*) as n from ${ident(env.topology.projections.analytics.schema)}.events where project_id = $1`,
        [project],
      ),
    ).toBe(good.length);
  });

  it('a replay takes the records the DLQ held when it began, not those that failed again while it ran', async () => {
    const ops = ident(env.topology.ops.schema);
    const generation = async (n: number, replayed: boolean) =>
      count(
        env.pool,
        `select count(*) as n from ${ops}.dlq_records
          where projection = 'analytics' and generation = $1 and (replayed_at is not null) = $2`,
        [n, replayed],
      );
    expect(await generation(1, false)).toBe(4);
    // The first send returns only once its records have failed again and are back in the DLQ, as a
    // long replay's first chunks are while its later ones are still being sent.
    let first = true;
    const producer: typeof env.producer = {
      ...env.producer,
      sendBatch: async (batch) => {
        const sent = await env.producer.sendBatch(batch);
        if (first) {
          first = false;
          await eventually(
            'the replayed records back in the DLQ as generation 2',
            async () => (await generation(2, false)) === 4,
            {
              timeoutMs: 30_000,
            },
          );
        }
        return sent;
      },
    };
    const replayed = await replayDlq({
      pool: env.pool,
      producer,
      opsSchema: env.topology.ops.schema,
      projection: 'analytics',
      retryTopic: env.topology.projections.analytics.retry[0]!,
      logger: env.logger,
    });
    expect(replayed).toEqual({ replayed: 4 });
    expect([await generation(1, true), await generation(2, false)]).toEqual([4, 4]);
  });
});
