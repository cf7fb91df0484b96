/**
 * analytics 007 (file 010) against the stack's PostgreSQL, in a schema of this file's own
 * (`rm10_<id>_…`), migrated from the DDL of the releases before the version table with visits and
 * their events in place: each visit gets the distinct visitor keys of its human events (a user id
 * appearing mid-visit makes two; bot and excluded events none; a visit of keyless events an empty
 * list), and the visits going on at an instant are found through `sessions_span`.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { eventually } from '@eventlens/stack/eventually';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident, visitSpan } from '../catalog';
import {
  insertPageViewsAndVisits,
  oldAnalyticsSchema,
  type OldPageView,
  type OldSchema,
} from './test-support';

const id = randomBytes(4).toString('hex');
const schema = `rm10_${id}_analytics`;
const s = ident(schema);
const project = '0b1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b';
let owner: pg.Pool;
let old: OldSchema;

/** Page views of the visits: a user id mid-visit, one key, none, a bot and an excluded event. */
const EVENTS: OldPageView[] = [
  ['anon-then-user', null, 'a1', 0, {}],
  ['anon-then-user', null, 'a1', 1, {}],
  ['anon-then-user', 'u1', 'a1', 2, {}],
  ['one-key', null, 'a2', 5, {}],
  ['one-key', null, 'a2', 6, {}],
  ['keyless', null, null, 7, {}],
  ['with-bot-event', null, 'a3', 8, {}],
  ['with-bot-event', null, 'crawler', 9, { bot: 'Googlebot' }],
  ['with-bot-event', null, 'office', 10, { excluded: '10.0.0.0/8' }],
];

beforeAll(async () => {
  old = await oldAnalyticsSchema(schema);
  owner = old.owner;
  await insertPageViewsAndVisits(owner, schema, project, EVENTS);
  await old.migrate();
});

afterAll(async () => {
  await old?.drop();
});

describe('sessions.visitor_keys for the visits already projected', () => {
  it('is the distinct visitor keys of each visit’s human events', async () => {
    const { rows } = await owner.query<{ session_id: string; keys: string[] }>(
      `select session_id, array(select unnest(visitor_keys) order by 1) as keys from ${s}.sessions order by 1`,
    );
    expect(rows).toEqual([
      { session_id: 'anon-then-user', keys: ['a1', 'u1'] },
      { session_id: 'keyless', keys: [] },
      { session_id: 'one-key', keys: ['a2'] },
      { session_id: 'with-bot-event', keys: ['a3'] },
    ]);
  });

  it('finds the visits going on at an instant through sessions_span', async () => {
    const sql = `select session_id from ${s}.sessions c
                  where ${visitSpan('c')} @> timestamptz '2026-03-01T10:01:30Z' order by 1`;
    // The migration built the index in the transaction that rewrote every visit, so PostgreSQL lets
    // a query use it only once no transaction older than that one is open anywhere on the server
    // (pg_index.indcheckxmin): another package's test may hold one for a moment. Each look is a new
    // transaction, so a new snapshot.
    const plan = await eventually(
      'a plan that reads sessions_span',
      async () => {
        const client = await owner.connect();
        try {
          await client.query('begin');
          // A handful of rows: the planner would read the table (or a whole btree) instead. With both
          // off, only an index with a condition on the span can serve it: a bitmap scan of sessions_span.
          await client.query('set local enable_seqscan = off');
          await client.query('set local enable_indexscan = off');
          const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain ${sql}`);
          const text = rows.map((r) => r['QUERY PLAN']).join('\n');
          if (!text.includes('sessions_span')) throw new Error(`the plan reads no index:\n${text}`);
          return text;
        } finally {
          await client.query('rollback');
          client.release();
        }
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(plan).toContain('Bitmap Index Scan on sessions_span');
    const { rows } = await owner.query<{ session_id: string }>(sql);
    expect(rows.map((r) => r.session_id)).toEqual(['anon-then-user']);
  }, 90_000);
});
