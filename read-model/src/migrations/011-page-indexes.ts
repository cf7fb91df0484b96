/**
 * analytics 008 (file 011): the events' pages in a covering index, so that visitors by `event:page`
 * (the Overview's first panel, the Stats API's `dimensions: ["event:page"]`) or in a report filtered
 * by a page are read from indexes alone (query-side/src/stats/page-sql.ts). The
 * eleventh migration file and the eighth of the analytics kind.
 *
 * - **`events_pages`**, (project_id, ts) with page, user_id, anonymous_id and event_name included,
 *   partial on `humanEvents` and `indexedPage` (a page of at most `PAGE_INDEX_MAX_BYTES`, 800 bytes,
 *   or none): what `events_reports` (analytics 005) is for the other reports, with the page that one
 *   cannot hold. Measured on one project's 24 hours (76,000 events of a seeded database of 2 million
 *   events over 37 days, 2 cores, the old and the new statement in turn, 3 × 12 runs): p50 109–115 →
 *   92–101 ms, slowest 225–261 → 132–147 ms; the rest is the grouping by page and visitor
 *   (README.md, "Reports at 10 million events").
 * - **`events_long_pages`**, (project_id, ts) for the human events whose page is longer
 *   (`longPage`): the statement reads those through it, from the table. Rare (a path of more than
 *   800 bytes), so an event costs it only the test of the predicate.
 *
 * - **Statistics on the two conditions' expressions** (`events_page_bytes`, `events_long_page_bytes`):
 *   without them PostgreSQL takes a third of a range's events to have a long page (its default for a
 *   comparison it knows nothing of), plans the short arm's grouping for two thirds of the rows, and
 *   over a long range could read the long arm from the table; with them it expects the few there are.
 *   ANALYZE fills them at once, so this migration runs it; a later ANALYZE (autovacuum's) keeps them.
 *
 * Why the bound: a btree entry holds at most 2,704 bytes, and a read model must never refuse an event
 * the API accepted (docs/DESIGN.md, invariant 7); see `PAGE_INDEX_MAX_BYTES`.
 *
 * The builds run inside the migrate transaction (about a minute per index for 10 million events on 2
 * cores): they hold a lock that stops the projection's inserts, not the query side's reads.
 */
import type { Knex } from 'knex';
import { humanEvents, ident, indexedPage, longPage } from '../catalog';

export async function up(db: Knex, schema: string): Promise<void> {
  const s = ident(schema);
  await db.raw(
    `create index events_pages on ${s}.events (project_id, ts)
       include (page, user_id, anonymous_id, event_name)
       where ${humanEvents('events')} and ${indexedPage('events')}`,
  );
  await db.raw(
    `create index events_long_pages on ${s}.events (project_id, ts)
       where ${humanEvents('events')} and ${longPage('events')}`,
  );
  // One expression each: a statistics object of a single expression keeps its own histogram.
  await db.raw(
    `create statistics ${s}.events_page_bytes on (coalesce(octet_length(page), 0)) from ${s}.events`,
  );
  await db.raw(`create statistics ${s}.events_long_page_bytes on (octet_length(page)) from ${s}.events`);
  await db.raw(`analyze ${s}.events`);
}
