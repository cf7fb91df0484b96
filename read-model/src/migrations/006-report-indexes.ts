/**
 * analytics 005 (file 006): statistics and covering indexes for the Stats API's reports (docs/stats-api.md,
 * query-side/src/stats/plan.ts), measured with `BENCH_ONLY=reports npm run bench` (bench/: one project
 * of 10,000,000 events and 1.9 million visits over six months, 2 cores). The sixth migration file and
 * the fifth of the analytics kind (names count per kind, files across kinds).
 *
 * - **Statistics on the reports' condition** (`events_report_filter`): every report asks for
 *   `humanEvents` (catalog.ts: `context ->> 'bot'` and `context ->> 'excluded'` null). Without
 *   statistics on those expressions PostgreSQL guesses that 0.5% of the rows pass `… is null`, so it
 *   expects a project's 10 million events to be 50,000 and reads them all with a parallel sequential
 *   scan, then keeps the few of the range: "visitors in the last 5 minutes" took 3.9 s for 253 events.
 *   With the statistics (an MCV list of the two expressions: nearly every row has both null) it
 *   reads the range from an index: 3 ms of execution, 21 ms (p50) over HTTP. Every other report had
 *   the same whole-table read: the KPI row over 7 days took 12 s, visitors by source 26 s (now 1 s
 *   and 7 s). ANALYZE fills the statistics at once, so this migration runs it; a later ANALYZE
 *   (autovacuum's) keeps them.
 * - **`events_reports`**, (project_id, ts) with event_name, user_id, anonymous_id and session_id
 *   included, partial on `humanEvents`: the events side of the reports (visitors, page views, events,
 *   the join to the event's visit) becomes an index-only scan. Over 30 days (2 million events) the
 *   rows came from a bitmap heap scan of the table, 1.9 s, and come from this index in 0.84 s.
 * - **`sessions_reports`**, (project_id, first_seen) with the visit metrics' columns (page_views,
 *   duration_ms, bounced, is_bot) and the visitor and visit ids included: the visits side (visits,
 *   bounce rate, visit duration, views per visit; a funnel's visits) is an index-only scan. Over 30
 *   days (391,000 visits) 446 ms from the table, 160 ms from this index.
 *
 * What these do not fix (still far over 50 ms at this size, whatever the index): exact distinct
 * visitors over millions of rows (the sort or hash of `count(distinct …)`), the page of every event
 * (`event:page`, a regular expression over each URL), and the events-to-visits join of a visit
 * dimension asked with event metrics. Those need the SQL to change (README.md, "Reports at 10 million events").
 *
 * Why these columns and no more: a btree entry holds at most 2,704 bytes, and a read model must never
 * refuse an event the API accepted (docs/DESIGN.md, invariant 7). The ids and the event name are at
 * most 200 UTF-16 units (contracts' LIMITS), so at most 600 bytes of UTF-8 each: the four of
 * `events_reports` with their headers and the key are under 2,500 bytes, the three of
 * `sessions_reports` under 1,900. URLs, referrers (6 KB) and the visit's text attributes (UTM values,
 * 1.5 KB each) stay in the tables.
 *
 * The builds run inside the migrate transaction (minutes on a very large table): they hold a lock
 * that stops the projection's inserts, not the query side's reads.
 */
import type { Knex } from 'knex';
import { humanEvents, ident } from '../catalog';

export async function up(db: Knex, schema: string): Promise<void> {
  const s = ident(schema);
  await db.raw(
    `create statistics ${s}.events_report_filter (mcv)
       on ((context ->> 'bot')), ((context ->> 'excluded')) from ${s}.events`,
  );
  await db.raw(
    `create index events_reports on ${s}.events (project_id, ts)
       include (event_name, user_id, anonymous_id, session_id) where ${humanEvents('events')}`,
  );
  await db.raw(
    `create index sessions_reports on ${s}.sessions (project_id, first_seen)
       include (page_views, duration_ms, bounced, is_bot, user_id, anonymous_id, session_id)`,
  );
  await db.raw(`analyze ${s}.events, ${s}.sessions`);
}
