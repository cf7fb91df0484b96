/**
 * analytics 012 (file 015): a visit's one visitor key as a column, in the visits' covering index, so
 * that the visitors of a range are read from its visits with an index-only scan
 * (query-side/src/stats/visit-sql.ts). The fifteenth migration file and the twelfth of the analytics
 * kind.
 *
 * - **`sessions.visitor_key`** (text, generated and stored): `visitor_keys[1]` when the visit has
 *   exactly one visitor key, as nearly every visit has; null when it has none or several (a user id
 *   that appeared mid-visit, analytics 007). PostgreSQL computes it whenever the projection writes
 *   `visitor_keys`, so the projection and a rebuild need nothing new.
 * - **`sessions_reports`** is built again with `last_seen`, `visitor_key` and `event_count` included
 *   beside the visit metrics' columns (analytics 005): a visit wholly inside a range (`first_seen` ≥
 *   the start, `last_seen` < the end) gives its visitor, events and page views from the index alone.
 *   The entry stays under a btree entry's 2,704 bytes: the four ids are at most 600 bytes each
 *   (contracts' LIMITS: 200 UTF-16 units), with the key and the numbers about 2,480 bytes in all.
 * - **`sessions_started`** (analytics 003) goes: `sessions_reports` has the same key, so every scan it
 *   served that one serves, and the projection keeps one index fewer in step with each visit it
 *   writes (what this migration adds cost it 1–2 µs of PostgreSQL's CPU an event, measured in turn).
 * - **`sessions_other_keys`**, (project_id, first_seen) of the visits with no `visitor_key` (none or
 *   several keys, whose keys are read from the table): without it PostgreSQL reads those few from a
 *   scan of every visit, as the covering index's filter is checked on the table's rows unless the
 *   scan is index-only (265 ms for none among 1.9 million visits). Partial: a visit of one key costs
 *   it only the test of the predicate.
 *
 * Why: read from the visits, a range's visitors had every visit's `visitor_keys` read from the table
 * (1.7 GB for 1.9 million visits): the 30-day visitors took 330 ms from the visits and 600 ms from
 * the events' covering index (2 million events); from this index 200 ms. README.md, "Reports at 10
 * million events", has the reports' figures.
 *
 * Adding a stored generated column rewrites the table, and the index is built again, inside the
 * migrate transaction, which holds a lock that stops the projection's writes (not the query side's
 * reads) until it commits: 70 seconds for 1.9 million visits on 2 cores (read-model/README.md).
 */
import type { Knex } from 'knex';
import { ident } from '../catalog';

export async function up(db: Knex, schema: string): Promise<void> {
  const s = ident(schema);
  await db.raw(
    `alter table ${s}.sessions add column visitor_key text
       generated always as (case when cardinality(visitor_keys) = 1 then visitor_keys[1] end) stored`,
  );
  await db.raw(`drop index ${s}.sessions_reports, ${s}.sessions_started`);
  await db.raw(
    `create index sessions_reports on ${s}.sessions (project_id, first_seen)
       include (page_views, duration_ms, bounced, is_bot, user_id, anonymous_id, session_id,
                last_seen, visitor_key, event_count)`,
  );
  await db.raw(
    `create index sessions_other_keys on ${s}.sessions (project_id, first_seen) where visitor_key is null`,
  );
  await db.raw(`analyze ${s}.sessions`);
}
