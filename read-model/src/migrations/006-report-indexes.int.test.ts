/**
 * analytics 005 (file 006) against the stack's PostgreSQL, in a schema of this file's own
 * (`rm6_<id>_…`), migrated from the DDL of the releases before the version table: the statistics on
 * the reports' condition make the planner read a project's time range from an index when nearly every
 * event is human (without them it reads the whole table); the reports' events and visits sides are
 * index-only scans; an event whose ids and name are as long as the contracts allow, in characters of
 * 3 UTF-8 bytes that do not compress, is still accepted by the covering index.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@eventlens/stack/eventually';
import { humanEvents, ident } from '../catalog';
import { oldAnalyticsSchema, type OldSchema } from './test-support';

const id = randomBytes(4).toString('hex');
const schema = `rm6_${id}_analytics`;
const s = ident(schema);
const project = '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
let owner: pg.Pool;
let old: OldSchema;

beforeAll(async () => {
  old = await oldAnalyticsSchema(schema);
  owner = old.owner;
  // 100 days of one project's events, every 30th a bot's, and a visit per 20 events: enough rows
  // for the planner's choices to depend on the statistics rather than on a tiny table.
  await owner.query(
    `insert into ${s}.events (project_id, event_id, event_name, session_id, anonymous_id, ts, received_at, context)
     select $1, gen_random_uuid(), case when g % 3 = 0 then 'page_view' else 'click' end, 's' || (g / 20),
            'a' || (g % 5000), t, t,
            case when g % 30 = 0 then '{"bot": "Googlebot"}'::jsonb else '{}'::jsonb end
       from generate_series(1, 100000) g, lateral (select timestamptz '2025-01-01' + g * interval '86 seconds' as t) x`,
    [project],
  );
  await owner.query(
    `insert into ${s}.sessions (project_id, session_id, anonymous_id, first_seen, last_seen, event_count, page_views)
     select $1, 's' || v, 'a' || (v % 5000), timestamptz '2025-01-01' + v * interval '1720 seconds',
            timestamptz '2025-01-01' + v * interval '1720 seconds' + interval '5 minutes', 20, 7
       from generate_series(0, 4999) v`,
    [project],
  );
  await old.migrate();
  // What autovacuum does to insert-only tables: the visibility map that lets a scan skip the table,
  // and the statistics the plans below are chosen from (without them a run may pick another index).
  // VACUUM marks a page all-visible only once no transaction could still not see its rows: while
  // another test's transaction older than these inserts is open on the server, it marks none, and
  // the planner, costing an index-only scan as the heap reads it would still make, takes a smaller
  // index. So it runs until every page is marked, as autovacuum's next rounds would.
  await eventually(
    'every page of the fixture tables all-visible',
    async () => {
      await owner.query(`vacuum analyze ${s}.events, ${s}.sessions`);
      const { rows } = await owner.query<{ marked: boolean }>(
        `select bool_and(relallvisible >= relpages) as marked from pg_class
          where oid in ($1::regclass, $2::regclass)`,
        [`${s}.events`, `${s}.sessions`],
      );
      return rows[0]!.marked;
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
}, 120_000);

afterAll(async () => {
  await old?.drop();
});

async function plan(sql: string, bindings: unknown[], settings: string[] = []): Promise<string> {
  const client = await owner.connect();
  try {
    await client.query('begin');
    for (const setting of settings) await client.query(setting);
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain ${sql}`, bindings);
    await client.query('rollback');
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    client.release();
  }
}

// As the Stats API writes it: the range's ends from a CTE, unknown when the statement is planned.
const lastMinutes = `with bounds as (select $2::timestamptz as lo, $3::timestamptz as hi)
  select count(distinct coalesce(e.user_id, e.anonymous_id)) from ${s}.events e cross join bounds
   where e.project_id = $1 and e.ts >= bounds.lo and e.ts < bounds.hi and ${humanEvents('e')}`;
const FIVE_MINUTES = [project, '2025-02-01T12:00:00Z', '2025-02-01T12:05:00Z'];

describe('analytics 005: the reports’ statistics and covering indexes', () => {
  it('knows that nearly every event is human, so a few minutes are read from an index', async () => {
    const { rows } = await owner.query<{ n: string }>(
      `select count(*) as n from pg_statistic_ext where stxname = 'events_report_filter'
          and stxnamespace = $1::regnamespace`,
      [schema],
    );
    expect(rows[0]!.n).toBe('1');
    expect(await plan(lastMinutes, FIVE_MINUTES)).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
    // The planner's estimate of the project's human events: 29 in 30 are. Without the statistics
    // (the same rows in a table that has none) it guesses a fraction of a percent, the guess that
    // made it read a whole 10-million-row table for five minutes of events.
    const estimate = async (table: string) => {
      const text = await plan(`select * from ${table} e where e.project_id = $1 and ${humanEvents('e')}`, [
        project,
      ]);
      return Number(/rows=(\d+)/.exec(text)![1]);
    };
    expect(await estimate(`${s}.events`)).toBeGreaterThan(90_000);
    await owner.query(`create table ${s}.probe as select * from ${s}.events`);
    await owner.query(`analyze ${s}.probe`);
    expect(await estimate(`${s}.probe`)).toBeLessThan(10_000);
  });

  it('serves the events side and the visits side of the KPI row from the indexes alone', async () => {
    const noSeq = ['set local enable_seqscan = off', 'set local enable_bitmapscan = off'];
    expect(
      await plan(
        `select count(distinct coalesce(e.user_id, e.anonymous_id)), count(*) filter (where e.event_name = 'page_view'),
                count(*), count(distinct e.session_id)
           from ${s}.events e where e.project_id = $1 and e.ts >= $2 and e.ts < $3 and ${humanEvents('e')}`,
        [project, '2025-01-10T00:00:00Z', '2025-02-10T00:00:00Z'],
        noSeq,
      ),
    ).toContain('Index Only Scan using events_reports');
    expect(
      await plan(
        `select count(*), count(*) filter (where s.bounced), avg(s.duration_ms), sum(s.page_views),
                count(distinct coalesce(s.user_id, s.anonymous_id))
           from ${s}.sessions s where s.project_id = $1 and s.first_seen >= $2 and s.first_seen < $3 and not s.is_bot`,
        [project, '2025-01-10T00:00:00Z', '2025-02-10T00:00:00Z'],
        noSeq,
      ),
    ).toContain('Index Only Scan using sessions_reports');
  });

  it('accepts an event and a visit whose ids and name are as long as the contracts allow', async () => {
    // 200 UTF-16 units of 3-byte characters each, random so that nothing compresses them.
    const longest = () =>
      Array.from({ length: 200 }, () =>
        String.fromCharCode(0x4e00 + Math.floor(Math.random() * 0x5000)),
      ).join('');
    const [name, session, user, anonymous] = [longest(), longest(), longest(), longest()];
    expect(Buffer.byteLength(name)).toBe(600);
    await owner.query(
      `insert into ${s}.events (project_id, event_id, event_name, session_id, user_id, anonymous_id, ts, received_at)
       values ($1, gen_random_uuid(), $2, $3, $4, $5, now(), now())`,
      [project, name, session, user, anonymous],
    );
    await owner.query(
      `insert into ${s}.sessions (project_id, session_id, user_id, anonymous_id, first_seen, last_seen, event_count)
       values ($1, $2, $3, $4, now(), now(), 1)`,
      [project, session, user, anonymous],
    );
    const { rows } = await owner.query(
      `select count(*) as n from ${s}.events where project_id = $1 and event_name = $2 and ${humanEvents('events')}`,
      [project, name],
    );
    expect(rows).toEqual([{ n: '1' }]);
  });
});
