/**
 * analytics 002: an index for the web-analytics reports over raw events — pages, sources, devices
 * and countries of the human page views of a project in a time range.
 *
 * The reports ask `where project_id = $1 and event_name = 'page_view' and (context ->> 'bot') is
 * null and ts >= $2 and ts < $3` and group by a page or source column. Before this index the
 * planner could only use `events_by_name` (project, event name, ts), which also holds the bot
 * traffic the reports leave out, and had to read every matching row from the table. This index:
 * - is partial (human page views only), so it is a fraction of the table and bot traffic costs
 *   nothing to skip; a query must repeat the predicate for the planner to use it;
 * - leads with (project_id, ts): a time range is one contiguous index range, the time axis every
 *   aggregate of the reports uses (event time, not received time: the reports bucket by when it
 *   happened, as volume_minute and page_views_hour do);
 * - carries `utm_source`, so the source breakdown is an index-only scan (no table reads once
 *   autovacuum has marked the pages all-visible, which it does for an insert-only table).
 *
 * Why no more columns: a btree entry holds at most 2704 bytes, and a read model must never refuse an
 * event the API accepted (docs/DESIGN.md, invariant 7). `utm_source` comes from a context value
 * (at most 500 UTF-16 units, so at most 1500 bytes of UTF-8); `url` and `referrer` may be 2048
 * units (6 KB) and two UTM values together could pass the limit, so they stay in the table.
 */
import type { Knex } from 'knex';
import { ident } from '../catalog';

export async function up(db: Knex, schema: string): Promise<void> {
  await db.raw(
    `create index events_page_views on ${ident(schema)}.events (project_id, ts) include (utm_source)
      where event_name = 'page_view' and (context ->> 'bot') is null`,
  );
}
