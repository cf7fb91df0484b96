/**
 * The events insert is a COPY into `events`, and when an event id is already stored a COPY into a
 * per-connection staging table and an insert that skips it (apply.ts): what COPY's text format must
 * escape arrives unchanged, an event stored by an earlier batch (committed, or being committed
 * concurrently) is neither stored nor counted again, and two applies in one transaction (the
 * savepoint halving of runtime/apply.ts) each insert their own rows only. Real PostgreSQL, one schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { stackForTests } from '@eventlens/stack';
import { silentLogger } from '@eventlens/service-kit';
import { createPool, ident, transaction, type Pool } from '../db';
import { migrate } from '../schema/migrate';
import { makeEvent } from '../testing/fixture';
import { applyEvents } from './apply';
import { toEventRow, type EventRow } from './rows';

const rowOf = (overrides: Parameters<typeof makeEvent>[0]): EventRow => {
  const outcome = toEventRow(makeEvent(overrides));
  if (outcome.kind !== 'ok') throw new Error(`not a valid event: ${JSON.stringify(outcome)}`);
  return outcome.value;
};

describe('applyEvents: COPY into events, else through staging with on conflict do nothing (real PostgreSQL)', () => {
  let pool: Pool;
  const schema = `t_${randomBytes(4).toString('hex')}_analytics`;

  beforeAll(async () => {
    const dev = await stackForTests();
    pool = createPool({
      url: dev.databaseUrl,
      max: 2,
      applicationName: 'eventlens-test-apply',
      synchronousCommit: 'on',
      logger: silentLogger,
    });
    await migrate(pool, { kind: 'analytics', schema, readerRole: new URL(dev.readerDatabaseUrl).username });
  });
  afterAll(async () => {
    await pool?.query(`drop schema if exists ${ident(schema)} cascade`);
    await pool?.end();
  });

  it('stores text with tabs, newlines, carriage returns and backslashes exactly as sent', async () => {
    // Given an event whose every kind of field holds the characters COPY's text format escapes
    const awkward = 'a\tb\nc\rd\\e \\N \\t "quoted" ünïcödé 😀';
    const project = randomUUID();
    const row = rowOf({
      project_id: project,
      event_name: awkward,
      session_id: `s${awkward}`,
      user_id: `u${awkward}`,
      anonymous_id: '\\N',
      url: `https://example.com/${awkward}`,
      referrer: awkward,
      metadata_json: JSON.stringify({ note: awkward, nested: { path: 'C:\\dir\\file' }, n: 1.5 }),
      context: { library: awkward, 'key\twith\\tab': 'x' },
      page_title: awkward,
      utm_source: '\\',
      screen_width: 1280,
      screen_height: null,
      client_sent_at: 1_767_225_600_123,
    });

    // When it is applied
    const result = await transaction(pool, (tx) => applyEvents(tx, schema, [row]));

    // Then the stored row is the sent one, character for character (and null stays null)
    expect(result.applied).toBe(1);
    const { rows } = await pool.query(
      `select event_name, session_id, user_id, anonymous_id, url, referrer, metadata, context, page_title,
              utm_source, utm_medium, screen_width, screen_height,
              (extract(epoch from client_sent_at) * 1000)::bigint as client_sent_at,
              (extract(epoch from ts) * 1000)::bigint as ts
         from ${ident(schema)}.events where project_id = $1`,
      [project],
    );
    expect(rows).toEqual([
      {
        event_name: awkward,
        session_id: `s${awkward}`,
        user_id: `u${awkward}`,
        anonymous_id: '\\N',
        url: `https://example.com/${awkward}`,
        referrer: awkward,
        metadata: { note: awkward, nested: { path: 'C:\\dir\\file' }, n: 1.5 },
        context: { library: awkward, 'key\twith\\tab': 'x' },
        page_title: awkward,
        utm_source: '\\',
        utm_medium: null,
        screen_width: 1280,
        screen_height: null,
        client_sent_at: '1767225600123',
        ts: String(row.ts),
      },
    ]);
  });

  it('stores and counts only the new events of a batch that repeats an event stored earlier', async () => {
    // Given an event stored and counted by a committed batch
    const project = randomUUID();
    const stored = rowOf({ project_id: project, event_name: 'signup', session_id: 'visit-1' });
    await transaction(pool, (tx) => applyEvents(tx, schema, [stored]));

    // When a later batch brings it again with two new events of the same name and visit
    const later = [
      rowOf({ project_id: project, event_name: 'signup', session_id: 'visit-1' }),
      stored,
      rowOf({ project_id: project, event_name: 'signup', session_id: 'visit-1' }),
    ];
    const result = await transaction(pool, (tx) => applyEvents(tx, schema, later));

    // Then the two new events are stored, and the name's count and the visit's events are three
    expect(result.applied).toBe(2);
    const counts = await pool.query(
      `select (select count(*)::int from ${ident(schema)}.events where project_id = $1) as events,
              (select count::int from ${ident(schema)}.event_names where project_id = $1 and event_name = 'signup') as named,
              (select event_count::int from ${ident(schema)}.sessions where project_id = $1 and session_id = 'visit-1') as visit`,
      [project],
    );
    expect(counts.rows).toEqual([{ events: 3, named: 3, visit: 3 }]);
  });

  it('stores a page leave’s measures by either path, COPY or staging', async () => {
    // Given a page leave stored by COPY, then a batch repeating it with a second leave (staging)
    const project = randomUUID();
    const leave = (duration_ms: unknown, scroll_depth: unknown) =>
      rowOf({
        project_id: project,
        event_name: 'page_leave',
        metadata_json: JSON.stringify({ duration_ms, scroll_depth }),
      });
    const first = leave(12_500, 64);
    await transaction(pool, (tx) => applyEvents(tx, schema, [first]));
    const result = await transaction(pool, (tx) => applyEvents(tx, schema, [first, leave(1234.5, '80')]));

    // Then both carry their usable duration and depth (a depth sent as a string is none)
    expect(result.applied).toBe(1);
    const { rows } = await pool.query(
      `select leave_duration_ms, leave_scroll_depth from ${ident(schema)}.events
        where project_id = $1 order by leave_duration_ms`,
      [project],
    );
    expect(rows).toEqual([
      { leave_duration_ms: 1234.5, leave_scroll_depth: null },
      { leave_duration_ms: 12_500, leave_scroll_depth: 64 },
    ]);
  });

  it('inserts each apply’s own rows when one transaction applies twice, duplicates counted once', async () => {
    // Given two halves of a batch, the second repeating an event of the first
    const project = randomUUID();
    const first = [rowOf({ project_id: project }), rowOf({ project_id: project })];
    const second = [first[0]!, rowOf({ project_id: project })];

    // When one transaction applies both (as the savepoint halving does), then the second again
    const results = await transaction(pool, async (tx) => [
      await applyEvents(tx, schema, first),
      await applyEvents(tx, schema, second),
      await applyEvents(tx, schema, second),
    ]);

    // Then each apply counted only the rows it inserted, and the table holds each event once
    expect(results.map((r) => r.applied)).toEqual([2, 1, 0]);
    const { rows } = await pool.query<{ event_id: string }>(
      `select event_id from ${ident(schema)}.events where project_id = $1 order by event_id`,
      [project],
    );
    expect(rows.map((r) => r.event_id)).toEqual(
      [first[0]!.event_id, first[1]!.event_id, second[1]!.event_id].sort(),
    );
  });

  it('starts clean after a transaction that copied rows and then rolled back', async () => {
    // Given a transaction that applied a row and failed afterwards
    const project = randomUUID();
    const lost = rowOf({ project_id: project });
    await expect(
      transaction(pool, async (tx) => {
        await applyEvents(tx, schema, [lost]);
        throw new Error('the batch fails after its rows');
      }),
    ).rejects.toThrow('the batch fails after its rows');

    // When the next batches run on the same connections
    const kept = rowOf({ project_id: project });
    const results = await Promise.all(
      [0, 1].map(() => transaction(pool, (tx) => applyEvents(tx, schema, [kept]))),
    );

    // Then only the later row exists, inserted once
    expect(results.map((r) => r.applied).sort()).toEqual([0, 1]);
    const { rows } = await pool.query<{ event_id: string }>(
      `select event_id from ${ident(schema)}.events where project_id = $1`,
      [project],
    );
    expect(rows.map((r) => r.event_id)).toEqual([kept.event_id]);
  });
});
