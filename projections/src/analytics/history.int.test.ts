/**
 * Both EventTracked versions live in one topic (golden test, real Kafka, registry and PostgreSQL):
 * the committed fixture of every historical version (`contracts/fixtures/EventTracked/v<n>.json`) is
 * written with that version's schema, the analytics projection reads each record by its writer's
 * schema id, and the rows are the committed expected ones (`history.golden.json`). A v1 record and
 * its v2 twin (same facts, another event id) give identical rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AVRO_HISTORY,
  createCodec,
  EVENT_SCHEMAS,
  type Codec,
  type EventTracked,
} from '@eventlens/contracts';
import { readFixture } from '@eventlens/contracts/history';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ident } from '../db';
import { expectedReadModels, readModels } from '../testing/expected';
import { caughtUp, createTestEnv, startInProcess, type InProcess, type TestEnv } from '../testing/fixture';
import { registerForTests } from '@eventlens/stack/schemas';

const versions = AVRO_HISTORY.EventTracked.map((_, i) => i + 1);
/** The columns of `events` that hold fields added after v1. */
const V2_COLUMNS = new Set(
  AVRO_HISTORY.EventTracked[1]!.fields.slice(AVRO_HISTORY.EventTracked[0]!.fields.length).map((f) => f.name),
);
const fixtures = versions.map((version) => readFixture('EventTracked', version) as EventTracked[]);
const golden = JSON.parse(readFileSync(path.join(import.meta.dirname, 'history.golden.json'), 'utf8')) as {
  events: Record<string, unknown>[];
};

describe('EventTracked v1 and v2 records in one topic', () => {
  let env: TestEnv;
  let workers: InProcess;
  /** One codec per version, each writing with that version's schema. */
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
    const { source } = env.topology.projections.analytics;
    await env.producer.send({
      topic: source,
      acks: -1,
      messages: fixtures.flatMap((events, i) =>
        events.map((event) => ({
          key: `${event.project_id}:${event.session_id ?? ''}`,
          value: writers[i]!.encode('EventTracked', event),
        })),
      ),
    });
    workers = await startInProcess(env);
  });
  afterAll(async () => {
    await workers?.stop();
    await env?.cleanup();
  });

  it('are written with one schema id per version', () => {
    const ids = writers.map((w) => w.schemaId('EventTracked'));
    expect(new Set(ids).size).toBe(versions.length);
    expect(ids.at(-1)).toBe(env.codec.schemaId('EventTracked'));
  });

  it("decode with today's reader: every field of the version as written, the fields it lacks null", async () => {
    for (const [i, events] of fixtures.entries()) {
      for (const event of events) {
        const decoded = await env.codec.decode(writers[i]!.encode('EventTracked', event));
        expect(decoded).toEqual({ type: 'EventTracked', value: EVENT_SCHEMAS.EventTracked.parse(event) });
      }
    }
  });

  it('project to the golden rows, a v1 record and its v2 twin alike, and the aggregates match the log', async () => {
    const { schema, source } = env.topology.projections.analytics;
    await caughtUp(env, schema, source);
    const s = ident(schema);
    const ms = (column: string) => `(extract(epoch from ${column}) * 1000)::float8 as ${column}`;
    const { rows } = await env.pool.query<Record<string, unknown>>(
      `select event_id::text, project_id::text, event_name, session_id, user_id, anonymous_id, ${ms('ts')},
              ${ms('received_at')}, url, referrer, metadata, context,
              page_title, utm_source, utm_medium, utm_campaign, utm_term, utm_content, screen_width,
              screen_height, language, time_zone, ${ms('client_sent_at')}, browser, browser_version, os,
              os_version, device_type, country
         from ${s}.events order by event_id`,
    );
    expect(rows).toEqual(golden.events);

    // The first two v2 records are twins of the first two v1 records (same facts, event id …2aNN
    // for …1aNN): the same row in every v1 column; the v2 columns are null for the v1 record.
    const byId = new Map(rows.map((r) => [r.event_id as string, r]));
    for (const n of ['01', '02']) {
      const [v1, v2] = [fixtures[0]![Number(n) - 1]!, fixtures[1]![Number(n) - 1]!];
      expect(v2.event_id).toBe(v1.event_id.replace(/1a\d\d$/, `2a${n}`));
      const v1Row = byId.get(v1.event_id)!;
      const v1Columns = Object.keys(v1Row).filter((c) => !V2_COLUMNS.has(c));
      const pick = (row: Record<string, unknown>) => Object.fromEntries(v1Columns.map((c) => [c, row[c]]));
      expect({ ...pick(byId.get(v2.event_id)!), event_id: v1.event_id }).toEqual(pick(v1Row));
      for (const column of V2_COLUMNS) expect(v1Row[column]).toBeNull();
    }

    const all = fixtures.flat();
    const expected = expectedReadModels(all);
    const actual = await readModels(env.pool, schema);
    expect(actual.sessions).toEqual(expected.sessions);
    expect(actual.volume).toEqual(expected.volume);
    expect(actual.names).toEqual(expected.names);
    expect(actual.bots).toEqual(expected.bots);
  });
});
