/**
 * Given EventTracked records written with v1 and with v2 of the contract (and client retries of
 * some), when the analytics workers apply them, then ops.schema_versions_seen counts the records
 * of each writer schema id, once also when a batch's transaction fails and is applied again; and the ops status refresher keeps the registry's subjects, levels and
 * versions in ops, readable by the query side's role (real Kafka, registry and PostgreSQL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@eventlens/stack/eventually';
import pg from 'pg';
import {
  AVRO_HISTORY,
  createCodec,
  describeSubjects,
  EVENT_TYPES,
  subjectOf,
  type Codec,
  type EventType,
} from '@eventlens/contracts';
import { ident } from '../db';
import {
  caughtUp,
  createTestEnv,
  makeEvent,
  startInProcess,
  type InProcess,
  type TestEnv,
} from '../testing/fixture';
import { registerForTests } from '@eventlens/stack/schemas';
import { storeCatalog } from './contracts';

describe('contract versions in ops (real Kafka, registry, PostgreSQL)', () => {
  let env: TestEnv;
  let workers: InProcess;
  /** One codec per EventTracked version, each writing with that version's schema. */
  let writers: Codec[];

  beforeAll(async () => {
    env = await createTestEnv();
    writers = await Promise.all(
      AVRO_HISTORY.EventTracked.map(async (schema) => {
        const codec = createCodec({ registryUrl: env.config.registryUrl, schemas: { EventTracked: schema } });
        await registerForTests(codec);
        return codec;
      }),
    );
    workers = await startInProcess(env, ['analytics', 'ops']);
  });
  afterAll(async () => {
    await workers?.stop();
    await env?.cleanup();
  });

  const ops = () => ident(env.topology.ops.schema);

  it('counts the records each projection took per writer schema id, duplicates included', async () => {
    const { schema, source } = env.topology.projections.analytics;
    // Given 30 records written with v1 and 45 with v2, 5 of the v2 ones appended twice (client retries)
    const v1 = Array.from({ length: 30 }, (_, i) => makeEvent({ session_id: `s${i % 4}` }));
    const v2 = Array.from({ length: 45 }, (_, i) => makeEvent({ session_id: `s${i % 5}` }));
    const messages = [
      ...v1.map((event) => ({ event, writer: writers[0]! })),
      ...[...v2, ...v2.slice(0, 5)].map((event) => ({ event, writer: writers[1]! })),
    ].map(({ event, writer }) => ({
      key: `${event.project_id}:${event.session_id ?? ''}`,
      value: writer.encode('EventTracked', event),
    }));
    // When the analytics workers apply them
    await env.producer.send({ topic: source, acks: -1, messages });
    await caughtUp(env, schema, source);
    // Then each writer schema id has its records, and nothing else was counted under analytics
    const { rows } = await env.pool.query<{ schema_id: number; records: string }>(
      `select schema_id, records from ${ops()}.schema_versions_seen where projection = 'analytics'
        order by schema_id`,
    );
    const [id1, id2] = writers.map((w) => w.schemaId('EventTracked')!);
    expect(id1).not.toBe(id2);
    expect(new Map(rows.map((r) => [r.schema_id, Number(r.records)]))).toEqual(
      new Map([
        [id1, 30],
        [id2, 50],
      ]),
    );
  });

  it('a batch whose transaction fails after counting counts once when applied again', async () => {
    const { schema, source } = env.topology.projections.analytics;
    const seen = async () => {
      const { rows } = await env.pool.query<{ schema_id: number; records: string }>(
        `select schema_id, records from ${ops()}.schema_versions_seen where projection = 'analytics'`,
      );
      return new Map(rows.map((r) => [r.schema_id, Number(r.records)]));
    };
    const before = await seen();
    // Given the next checkpoint update fails once (SQLSTATE 40001, transient), after the batch's
    // rows and counts were written in its transaction
    const s = ident(schema);
    await env.pool.query(`
      create sequence ${s}.fail_once;
      create function ${s}.fail_once() returns trigger language plpgsql as $$
      begin
        if nextval('${schema.replaceAll("'", "''")}.fail_once') = 1 then
          raise exception 'injected failure' using errcode = '40001';
        end if;
        return new;
      end $$;
      create trigger fail_once before update on ${s}.checkpoints
        for each row execute function ${s}.fail_once();`);
    // When 20 more v1 records arrive
    const events = Array.from({ length: 20 }, () => makeEvent());
    await env.producer.send({
      topic: source,
      acks: -1,
      messages: events.map((event) => ({
        key: `${event.project_id}:`,
        value: writers[0]!.encode('EventTracked', event),
      })),
    });
    await caughtUp(env, schema, source);
    // Then the failure happened, and v1 grew by exactly 20
    const fired = await env.pool.query<{ last_value: string }>(`select last_value from ${s}.fail_once`);
    expect(Number(fired.rows[0]!.last_value)).toBeGreaterThan(1);
    const id1 = writers[0]!.schemaId('EventTracked')!;
    const after = await seen();
    expect(after.get(id1)).toBe(before.get(id1)! + 20);
    expect([...after.entries()].filter(([id]) => id !== id1)).toEqual(
      [...before.entries()].filter(([id]) => id !== id1),
    );
  });

  it('the status refresher stores what the registry holds: subjects, levels, versions and their ids', async () => {
    const expected = await describeSubjects({
      registryUrl: env.config.registryUrl,
      records: EVENT_TYPES,
      subjectFor: (record) => subjectOf(record as EventType),
    });
    const reader = new pg.Client({ connectionString: env.readerUrl });
    await reader.connect();
    try {
      // Read as the query side's role, which must be allowed to.
      const read = async () => {
        const subjects = await reader.query<{
          record: string;
          subject: string;
          compatibility: string | null;
        }>(`select record, subject, compatibility from ${ops()}.contract_subjects order by record`);
        const versions = await reader.query<{ subject: string; version: number; schema_id: number }>(
          `select subject, version, schema_id from ${ops()}.contract_versions order by subject, version`,
        );
        return subjects.rows.map((s) => ({
          record: s.record,
          subject: s.subject,
          level: s.compatibility,
          versions: versions.rows
            .filter((v) => v.subject === s.subject)
            .map((v) => ({ version: v.version, id: v.schema_id })),
        }));
      };
      const sorted = [...expected].sort((a, b) => (a.record < b.record ? -1 : 1));
      await eventually(
        'every subject stored in ops',
        async () => (await read()).length === EVENT_TYPES.length,
        { timeoutMs: 30_000 },
      );
      expect(await read()).toEqual(sorted);
      const tracked = sorted.find((s) => s.record === 'EventTracked')!;
      expect(tracked.level).toBe('FULL_TRANSITIVE');
      expect(tracked.versions.length).toBeGreaterThanOrEqual(2);
      for (const writer of writers) {
        expect(tracked.versions.map((v) => v.id)).toContain(writer.schemaId('EventTracked'));
      }

      // A newer catalog replaces the old one whole.
      await storeCatalog(env.pool, env.topology.ops.schema, [
        {
          record: 'EventTracked',
          subject: 'x.EventTracked',
          level: 'FULL',
          versions: [{ version: 1, id: 7 }],
        },
      ]);
      expect(await read()).toEqual([
        {
          record: 'EventTracked',
          subject: 'x.EventTracked',
          level: 'FULL',
          versions: [{ version: 1, id: 7 }],
        },
      ]);
    } finally {
      await reader.end();
    }
  });
});
