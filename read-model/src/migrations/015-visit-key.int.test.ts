/**
 * analytics 012 (file 015) against the stack's PostgreSQL, in a schema of this file's own
 * (`rm15_<id>_…`), migrated from the DDL of the releases before the version table with visits and
 * their events in place: `sessions.visitor_key` is a visit's one visitor key (none for a visit of
 * two keys or of none), kept by PostgreSQL as the projection writes the keys; the visits inside a
 * range give their visitor and counts from `sessions_reports` alone, and the others are found
 * through `sessions_other_keys`; a visit whose ids are as long as the contracts allow, in characters
 * of 3 UTF-8 bytes that do not compress, still fits the covering index.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { eventually } from '@eventlens/stack/eventually';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident } from '../catalog';
import {
  insertPageViewsAndVisits,
  oldAnalyticsSchema,
  type OldPageView,
  type OldSchema,
} from './test-support';

const id = randomBytes(4).toString('hex');
const schema = `rm15_${id}_analytics`;
const s = ident(schema);
const project = '7e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b';
let owner: pg.Pool;
let old: OldSchema;

/** Page views of the visits: one key, two, none. */
const EVENTS: OldPageView[] = [
  ['anon-then-user', null, 'a1', 0],
  ['anon-then-user', 'u1', 'a1', 2],
  ['one-key', null, 'a2', 5],
  ['one-key', null, 'a2', 6],
  ['keyless', null, null, 7],
  ['steady', null, 'a3', 10],
  ['steady', null, 'a3', 12],
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

/**
 * The plan of `sql` once it names `index` (each look a new transaction, with `settings`, after
 * `before`): an index built in a migration's transaction serves only once no older transaction is
 * open on the server (pg_index.indcheckxmin), and another package's test may hold one for a moment.
 */
async function planReading(
  index: string,
  sql: string,
  bindings: unknown[],
  settings: string[],
  before?: () => Promise<unknown>,
) {
  return eventually(
    `a plan that reads ${index}`,
    async () => {
      await before?.();
      const client = await owner.connect();
      try {
        await client.query('begin');
        for (const setting of settings) await client.query(setting);
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain ${sql}`, bindings);
        const text = rows.map((r) => r['QUERY PLAN']).join('\n');
        if (!text.includes(index)) throw new Error(`the plan reads another index:\n${text}`);
        return text;
      } finally {
        await client.query('rollback');
        client.release();
      }
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

const keysOf = async () =>
  (
    await owner.query<{ session_id: string; visitor_key: string | null }>(
      `select session_id, visitor_key from ${s}.sessions where project_id = $1 order by 1`,
      [project],
    )
  ).rows;

describe('sessions.visitor_key', () => {
  it('is the one visitor key of each visit already projected, none for two keys or none', async () => {
    expect(await keysOf()).toEqual([
      { session_id: 'anon-then-user', visitor_key: null },
      { session_id: 'keyless', visitor_key: null },
      { session_id: 'one-key', visitor_key: 'a2' },
      { session_id: 'steady', visitor_key: 'a3' },
    ]);
  });

  it('follows the keys as the projection writes them: a second key clears it, a new visit has its own', async () => {
    await owner.query(
      `update ${s}.sessions set visitor_keys = visitor_keys || '{u2}'::text[] where session_id = 'one-key'`,
    );
    await owner.query(
      `insert into ${s}.sessions (project_id, session_id, first_seen, last_seen, event_count, visitor_keys)
       values ($1, 'new-visit', now(), now(), 1, '{a9}')`,
      [project],
    );
    expect(await keysOf()).toEqual([
      { session_id: 'anon-then-user', visitor_key: null },
      { session_id: 'keyless', visitor_key: null },
      { session_id: 'new-visit', visitor_key: 'a9' },
      { session_id: 'one-key', visitor_key: null },
      { session_id: 'steady', visitor_key: 'a3' },
    ]);
  });

  it('is read with the visit’s counts from sessions_reports alone for the visits inside a range', async () => {
    const sql = `select es.visitor_key, es.event_count, es.page_views from ${s}.sessions es
                  where es.project_id = $1 and es.first_seen >= $2 and es.last_seen < $3
                    and not es.is_bot and es.visitor_key is not null`;
    // An index-only scan is planned once VACUUM has marked the pages all-visible, which it does
    // only once no older transaction is open: it runs before each look.
    const plan = await planReading(
      'Index Only Scan using sessions_reports',
      sql,
      [project, '2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z'],
      ['set local enable_seqscan = off', 'set local enable_bitmapscan = off'],
      () => owner.query(`vacuum analyze ${s}.sessions`),
    );
    expect(plan).toContain('Index Only Scan using sessions_reports');
    // The hour holds every visit; only `steady` has one key. A range that cuts it (ending before its
    // last event) holds none whole.
    const hour = await owner.query(sql, [project, '2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z']);
    expect(hour.rows).toEqual([{ visitor_key: 'a3', event_count: '2', page_views: '2' }]);
    const cut = await owner.query(sql, [project, '2026-03-01T10:00:00Z', '2026-03-01T10:11:00Z']);
    expect(cut.rows).toEqual([]);
  }, 90_000);

  it('finds the visits of no one key (none or several) through sessions_other_keys', async () => {
    const sql = `select es.session_id from ${s}.sessions es
                  where es.project_id = $1 and es.first_seen >= $2 and es.last_seen < $3
                    and not es.is_bot and es.visitor_key is null`;
    const range = [project, '2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z'];
    // A handful of visits: the covering index's entries, all-visible, would serve as well. What is
    // asked is whether the partial index can serve the query, as it does among millions.
    const plan = await planReading('sessions_other_keys', sql, range, [
      'set local enable_seqscan = off',
      'set local enable_indexonlyscan = off',
    ]);
    expect(plan).toContain('sessions_other_keys');
    const { rows } = await owner.query<{ session_id: string }>(sql, range);
    expect(rows.map((r) => r.session_id).sort()).toEqual(['anon-then-user', 'keyless', 'one-key']);
  }, 90_000);

  it('fits a visit whose ids and key are as long as the contracts allow in sessions_reports', async () => {
    // 200 UTF-16 units of 3-byte characters each, random so that nothing compresses them.
    const longest = () =>
      Array.from({ length: 200 }, () =>
        String.fromCharCode(0x4e00 + Math.floor(Math.random() * 0x5000)),
      ).join('');
    const [session, user, anonymous] = [longest(), longest(), longest()];
    expect(Buffer.byteLength(user)).toBe(600);
    await owner.query(
      `insert into ${s}.sessions (project_id, session_id, user_id, anonymous_id, first_seen, last_seen, event_count, visitor_keys)
       values ($1, $2, $3, $4, now(), now(), 1, array[$3])`,
      [project, session, user, anonymous],
    );
    const { rows } = await owner.query(`select visitor_key from ${s}.sessions where session_id = $1`, [
      session,
    ]);
    expect(rows).toEqual([{ visitor_key: user }]);
  });
});
