/**
 * analytics 011 (file 014): each page leave's duration and scroll depth as columns, in a covering
 * index of the page leaves, so that `time_on_page` and `scroll_depth` (the Stats API's metrics,
 * query-side/src/stats/page-leave-sql.ts) read a range's leaves from an index instead of every
 * leave's metadata from the table. The fourteenth migration file and the eleventh of the analytics
 * kind.
 *
 * - **`events.leave_duration_ms`, `events.leave_scroll_depth`** (double precision): a `page_leave`'s
 *   `metadata.duration_ms` and `metadata.scroll_depth` when usable, null otherwise and on every other
 *   event (../page-leaves.ts, `pageLeaveMeasures`). The analytics projection writes them; the metadata
 *   stays as sent.
 * - **`events_page_leaves`**, (project_id, ts) with page, session id, event id and the two measures
 *   included, partial on page leaves, `humanEvents` and `indexedPage` (a page of at most 800 bytes,
 *   as `events_pages`, analytics 008): an entry holds at most 800 + 600 (a session id) + 64 bytes,
 *   under a btree entry's 2,704. The leaves with a longer page are read through `events_long_pages`.
 *
 * Why: at 10 million events the 30-day top pages with time on page or scroll depth took 6.3–8.3 s
 * over HTTP (README.md, "Reports at 10 million events"): PostgreSQL read the range's 765,768 leaves
 * with a parallel sequential scan of the whole table (3.9 GB), as every leave's metadata was in the
 * heap, before grouping them by page and visit.
 *
 * The events projected before this migration get their measures here, from the same rule written in
 * SQL (`pageLeaveMeasureSql`). It rewrites every page leave, then builds the index, inside the migrate
 * transaction, which holds a lock that stops the projection's inserts (not the query side's reads)
 * until it commits: minutes on a very large table (read-model/README.md). A rebuild from the log
 * writes the columns from the start.
 */
import type { Knex } from 'knex';
import { humanEvents, ident, indexedPage } from '../catalog';
import { PAGE_LEAVE, pageLeaveMeasureSql } from '../page-leaves';

export async function up(db: Knex, schema: string): Promise<void> {
  const s = ident(schema);
  await db.raw(
    `alter table ${s}.events add column leave_duration_ms double precision,
       add column leave_scroll_depth double precision`,
  );
  await db.raw(
    `update ${s}.events e
        set leave_duration_ms = ${pageLeaveMeasureSql('e', 'duration_ms')},
            leave_scroll_depth = ${pageLeaveMeasureSql('e', 'scroll_depth')}
      where e.event_name = '${PAGE_LEAVE}'`,
  );
  await db.raw(
    `create index events_page_leaves on ${s}.events (project_id, ts)
       include (page, session_id, event_id, leave_duration_ms, leave_scroll_depth)
       where event_name = '${PAGE_LEAVE}' and ${humanEvents('events')} and ${indexedPage('events')}`,
  );
}
