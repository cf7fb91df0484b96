/**
 * analytics 004: a project's own traffic, left out of the reports like bot traffic. The seventh
 * migration file of the repository and the fourth of the analytics kind (names count per kind, files
 * across kinds).
 *
 * The ingestion API marks an event received from an address in its project's
 * `excluded_address_ranges` with `context.excluded = "address"` (EXCLUDED_CONTEXT_KEY, catalog.ts);
 * the analytics projection keeps it in `events` and leaves it out of every aggregate, as it does bot
 * traffic. This migration:
 *
 * - creates `excluded_events_day`, those events counted apart per project and UTC day (the shape of
 *   `bot_events_day`), which the overview reports as `excluded_events`. Events projected before
 *   this migration were never marked (the mark is written at ingestion), so nothing needs a backfill;
 * - recreates the partial index `events_page_views` (migration 002) with the reports' whole
 *   condition, `humanEvents` (catalog.ts), as its predicate: human page views that are not
 *   excluded. Kept on the old predicate the index would still be chosen (a query's conditions imply
 *   a predicate they contain), but every row it found would then be read from the table to check
 *   `context ->> 'excluded'`: the source breakdown's index-only scan would become an index scan plus
 *   a heap read per row. Same name, columns and `include` as 002, so nothing else changes for its
 *   readers. Built under another name first, then the old one dropped and the new one renamed: the
 *   build (minutes on a very large table, inside the migrate transaction) holds a lock that stops
 *   the projection's inserts but not the query side's reads; only the drop, at the end, takes the
 *   lock that stops reads, until the transaction commits a moment later.
 */
import type { Knex } from 'knex';
import { humanEvents, ident } from '../catalog';

export async function up(db: Knex, schema: string): Promise<void> {
  const s = ident(schema);
  await db.raw(
    `create table ${s}.excluded_events_day (
       project_id  uuid   not null,
       day         date   not null,
       count       bigint not null,
       primary key (project_id, day)
     )`,
  );
  await db.raw(
    `create index events_page_views_004 on ${s}.events (project_id, ts) include (utm_source)
      where event_name = 'page_view' and ${humanEvents('events')}`,
  );
  await db.raw(`drop index ${s}.events_page_views`);
  await db.raw(`alter index ${s}.events_page_views_004 rename to events_page_views`);
}
