/**
 * analytics 007 (file 010): each visit's visitors on its row, so that a visit dimension's visitors
 * (`visit:source`, `visit:country`, … with `visitors`) are read from the visits, not from every
 * event of the range (query-side/src/stats/visit-sql.ts). The tenth migration file and the seventh
 * of the analytics kind.
 *
 * - `sessions.visitor_keys` (text[]): the distinct visitor keys (`coalesce(user_id, anonymous_id)`,
 *   docs/DESIGN.md, "Visits") of the visit's events, each once, in no promised order; empty when no
 *   event of the visit has either id. Usually one key; two when a user id appears mid-visit (the
 *   anonymous id before, the user id after). The analytics projection merges each batch's keys into
 *   it (projections/src/analytics/apply.ts).
 * - `sessions_span`, a GiST index on the visit's span `tstzrange(first_seen, last_seen, '[]')`: the
 *   visits that are going on at an instant (`@>`), the range's edges. A visit wholly inside a range
 *   has all its events there, so its counts and keys on its row are the range's; only the visits
 *   that cross one of the range's two ends need their events read. Without it those visits are
 *   "first_seen before the start and last_seen after it", which no btree can find without reading
 *   every visit on one side.
 * - `events_without_visit`, (project_id, ts) for the human events that have no session id: they
 *   belong to no visit, so the visit path reads them on their own. Partial: an event with a session
 *   id (nearly all) costs the index only the test of the predicate.
 *
 * The visits projected before this migration get their keys here, from their events in the table
 * (the same rule: human events only, as the projection builds visits). It aggregates every event
 * with a session id and rewrites every visit row: minutes on a very large table (10 million events,
 * 1.9 million visits: see read-model/README.md), inside the migrate transaction, which holds a lock
 * that stops the projection's inserts (not the query side's reads) until it commits.
 */
import type { Knex } from 'knex';
import { humanEvents, ident, visitSpan } from '../catalog';

export async function up(db: Knex, schema: string): Promise<void> {
  const s = ident(schema);
  await db.raw(`alter table ${s}.sessions add column visitor_keys text[] not null default '{}'`);
  await db.raw(
    `update ${s}.sessions t set visitor_keys = k.keys
       from (select e.project_id, e.session_id,
                    array_agg(distinct coalesce(e.user_id, e.anonymous_id))
                      filter (where coalesce(e.user_id, e.anonymous_id) is not null) as keys
               from ${s}.events e
              where e.session_id is not null and ${humanEvents('e')}
              group by 1, 2) k
      where t.project_id = k.project_id and t.session_id = k.session_id and k.keys is not null`,
  );
  await db.raw(`create index sessions_span on ${s}.sessions using gist ((${visitSpan('sessions')}))`);
  await db.raw(
    `create index events_without_visit on ${s}.events (project_id, ts)
       where session_id is null and ${humanEvents('events')}`,
  );
  await db.raw(`analyze ${s}.sessions`);
}
