/**
 * analytics 010 (file 013): autovacuum visits `events` after every `EVENTS_VACUUM_INSERT_THRESHOLD`
 * inserted rows, whatever the table's size, so that the recent events — the ones the Overview's 24
 * hours and every recent report read — are soon marked all-visible and their index-only scans stay
 * index-only. The thirteenth migration file and the tenth of the analytics kind.
 *
 * Why: `events` only grows, and PostgreSQL vacuums an insert-only table after
 * `autovacuum_vacuum_insert_threshold` (1,000) + `autovacuum_vacuum_insert_scale_factor` (0.2) ×
 * its rows (PostgreSQL 13+, "Automatic Vacuuming"): for 10 million events, after 2 million new ones
 * — five weeks of the reports benchmark's traffic. Until then the visibility map does not cover the
 * new pages, so an index-only scan (`events_reports`, `events_pages`, `events_page_views_004`)
 * fetches every recent row from the table as well. Measured on the 10-million-event database of the
 * reports benchmark (README.md, "Reports at 10 million events"), the Overview's `event:page` over 24
 * hours (85,031 events) on a copy of that day not yet vacuumed, against the same day vacuumed:
 * see read-model/README.md, "Vacuum".
 *
 * The cost of a visit: a vacuum of an insert-only table reads only the pages not yet all-visible
 * and skips its indexes (no dead rows to remove), and autovacuum starts at most one a table per
 * `autovacuum_naptime` (1 minute): at 1,000 events/s, one visit of about 60,000 rows a minute.
 * `sessions` keeps PostgreSQL's defaults: its rows are updated while a visit lasts, so an active
 * visit's page is not all-visible however often it is vacuumed, and each vacuum there also scans its
 * indexes.
 */
import type { Knex } from 'knex';
import { ident } from '../catalog';

/** Inserted rows after which autovacuum visits `events` (with a scale factor of 0). */
export const EVENTS_VACUUM_INSERT_THRESHOLD = 10_000;

export async function up(db: Knex, schema: string): Promise<void> {
  await db.raw(
    `alter table ${ident(schema)}.events set (
       autovacuum_vacuum_insert_threshold = ${EVENTS_VACUUM_INSERT_THRESHOLD},
       autovacuum_vacuum_insert_scale_factor = 0)`,
  );
}
