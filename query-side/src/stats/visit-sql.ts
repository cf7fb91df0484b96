/**
 * The visitors of visit dimensions read from the visits (docs/stats-api.md, "Metrics"): a breakdown
 * such as `visit:source` by `visitors` groups each visitor of the range under their visits' values.
 * Read from the events, that is every event of the range grouped by (visit, visitor) and then joined
 * to its visit: 91,000 events and 18,000 visits for a day of the bench's site, 1.6 million events for
 * 30 days. Here it is the visits themselves, each with its own counts and visitor keys
 * (`sessions.visitor_keys`, read-model analytics 007), and the events of only the few visits the
 * range cuts. The rows and numbers are the same as the events give (stats/visits-path.int.test.ts):
 *
 * - A visit wholly inside the range (first_seen ≥ lo, last_seen < hi) has every event there, so its
 *   row's `event_count`, `page_views` and `visitor_keys` are the range's. A visit of one key (nearly
 *   all) gives it as `visitor_key` (analytics 012), which the visits' covering index holds with the
 *   counts, so the KPI row reads these from the index alone. The others (`sessions_other_keys`) give
 *   one row per key, the counts on its first key only, null on the others (a visit with two keys
 *   counts its events once), and one keyless row for a visit none of whose events has an id (its
 *   events count, its visitors do not).
 * - A visit the range cuts (going on at `lo` or at `hi`: `sessions_span @> lo`, the GiST index of
 *   analytics 007) gives the range's events of it, grouped by visitor, as the events path does.
 * - With a time bucket (an hour, day, week or month in the query's zone), a visit inside the range is
 *   of the first kind only when it starts and ends in one bucket, its start's; one that crosses a
 *   bucket's end gives its events like a cut visit, each in its own bucket. In the bench's seed an
 *   hour's end is crossed by 2.8% of the visits and a day's by 0.08%; a minute's by most, so minutes
 *   are read from the events.
 * - An event without a session id belongs to no visit: it is read on its own
 *   (`events_without_visit`), its visit dimensions null (its source `Direct / None`: `visitColumnSql`),
 *   as the events path's left join leaves them.
 *
 * Every visit with an event in the range is one of the first two kinds, and no visit is both. A
 * visit's `first_seen` and `last_seen` are its human events' first and last instants (the
 * projection's rule), and a visit is made of human events only (bots and excluded traffic make none;
 * `not is_bot` states that rule, as the visit metrics do).
 *
 * Measured on the bench's 10 million events, the events' statement and this one in turn, the same
 * answers: an Overview panel over 24 hours 130–151 → 35–39 ms, 30 days 2.8 → 1.3 s, 6 months
 * 11.8 → 4.7 s (README.md, "Performance"). Reading `visitor_key` instead of unnesting every visit's
 * keys, over HTTP (p50, 10 runs each, the old planner and then the new): a breakdown by source,
 * browser, country or entry page over 30 days 615–740 → 437–562 ms; the KPI row, read from the
 * events before, over 24 hours 38 → 27 ms, and with the previous period over 7 days 404 → 224 ms,
 * 30 days 1.76 → 1.06 s, 6 months 6.1 → 3.2 s. A time series of visitors and page views, read from
 * the events before: by hour over 7 days 386 → 257 ms, by day over 30 days 1.60 → 0.96 s, over 6
 * months 9.3 → 5.0 s.
 */
import { humanEvents, visitSpan } from '@eventlens/read-model';
import { filterSql, isTime, isVisit, timeSql, TIME_FORMAT, visitColumnSql } from './clauses';
import type { Filter } from './filters';
import type { StatsTables } from './plan';
import type { RangeEnds } from './range-sql';
import type { StatsQuery } from './query';
import { groupCountsSql, VISITOR_SQL, type Binder } from './sql';

/**
 * Whether `q`'s visitors are read from the visits: every dimension a visit's or a time bucket of an
 * hour or more (not an event dimension: those are per event; not minutes, which nearly every visit
 * crosses), or none (the KPI row), every filter on visits alone, and every event of the range counted
 * (`allEvents`: not the page views alone, where a visit without one must not make a row).
 */
export function visitsAnswer(q: StatsQuery, eventFilters: readonly Filter[], allEvents: boolean): boolean {
  return (
    allEvents &&
    eventFilters.length === 0 &&
    q.dimensions.every((d) => isVisit(d) || (isTime(d) && d !== 'time:minute'))
  );
}

/**
 * SELECT of rows (`d0…`, `v`: a visitor key or null, `n`: events, `pv`: page views), one per
 * dimension values and visitor, over the range's human events of visits passing `visitFilters`.
 * The same rows the events path groups, read as the module's comment says.
 */
export function visitorsFromVisits(
  q: StatsQuery,
  b: Binder,
  tables: StatsTables,
  range: RangeEnds,
  visitFilters: readonly Filter[],
): string {
  const time = q.dimensions.find(isTime);
  // Each part's SQL is built in the order of its text: the bindings follow that order.
  const project = () => b.bind(q.projectId, 'uuid');
  const filters = () =>
    visitFilters.map((f) => ` and ${filterSql(f, 'events', q, b, tables.events)}`).join('');
  /** The dimensions of a visit `es`, a time bucket being the one of `timeColumn`. */
  const dims = (timeColumn: string) =>
    q.dimensions.map(
      (d, i) => `${isTime(d) ? timeSql(d, timeColumn, q.timeZone, b) : visitColumnSql(d, 'es')} as d${i}`,
    );
  /** Whether visit `alias` starts and ends in one bucket of `unit`, in the query's zone. */
  const oneBucket = (alias: string, unit: string) => {
    const bucket = (column: string) =>
      `date_trunc('${unit}', ${alias}.${column} at time zone ${b.bind(q.timeZone, 'text')})`;
    return `${bucket('first_seen')} = ${bucket('last_seen')}`;
  };
  const insideWhere = () =>
    ` from ${tables.sessions} es cross join bounds` +
    ` where es.project_id = ${project()} and es.first_seen >= ${range.lo()} and es.last_seen < ${range.hi()}` +
    ` and not es.is_bot${time ? ` and ${oneBucket('es', TIME_FORMAT[time].unit)}` : ''}${filters()}`;
  // A visit of one visitor key (nearly all) gives it from `visitor_key`, in the visits' covering
  // index with the counts (analytics 012): without a dimension, an index-only scan.
  const oneKey =
    `select ${[...dims('es.first_seen'), 'es.visitor_key as v', 'es.event_count as n', 'es.page_views as pv'].join(', ')}` +
    `${insideWhere()} and es.visitor_key is not null`;
  // Set-returning functions in the select list run in step (a ProjectSet, several times cheaper
  // than a lateral unnest joined to each visit): the first key's row gets the counts, the others null.
  const otherKeys =
    `select ${[...dims('es.first_seen'), 'unnest(case when cardinality(es.visitor_keys) = 0 then array[null::text] else es.visitor_keys end) as v', 'unnest(array[es.event_count]) as n', 'unnest(array[es.page_views]) as pv'].join(', ')}` +
    `${insideWhere()} and es.visitor_key is null`;
  const cutAt = (end: () => string) =>
    `select c.session_id from ${tables.sessions} c cross join bounds where c.project_id = ${project()}` +
    ` and ${visitSpan('c')} @> ${end()} and c.first_seen < ${end()}`;
  // The visits inside the range that cross a bucket's end: their events give each bucket its own.
  const crossing = () =>
    time
      ? ` union select c.session_id from ${tables.sessions} c cross join bounds where c.project_id = ${project()}` +
        ` and c.first_seen >= ${range.lo()} and c.last_seen < ${range.hi()} and not c.is_bot` +
        ` and not (${oneBucket('c', TIME_FORMAT[time].unit)})`
      : '';
  // `which` is called where its text goes, after the conditions before it have bound their values.
  const eventsOf = (which: () => string) =>
    `select ${['e.session_id as sid', ...(time ? [`${timeSql(time, 'e.ts', q.timeZone, b)} as t`] : []), `${VISITOR_SQL} as v`, 'count(*) as n', "count(*) filter (where e.event_name = 'page_view') as pv"].join(', ')}` +
    ` from ${tables.events} e cross join bounds where e.project_id = ${project()}` +
    ` and e.ts >= ${range.lo()} and e.ts < ${range.hi()} and ${humanEvents('e')} and ${which()}` +
    ` group by ${time ? '1, 2, 3' : '1, 2'}`;
  // An array, not `in (…)`: PostgreSQL cannot estimate how few visits cross a bucket's end (a
  // condition on expressions of two columns), and took them for all of the range's, joining every
  // event of the range to them instead of reading theirs by session (30 days by day: 1.6 → 4.3 s).
  const cutEvents = eventsOf(
    () => `e.session_id = any(array(${cutAt(range.lo)} union ${cutAt(range.hi)}${crossing()}))`,
  );
  const loneEvents = eventsOf(() => 'e.session_id is null');
  const restDims = q.dimensions.map((d, i) => `${isTime(d) ? 'x.t' : visitColumnSql(d, 'es')} as d${i}`);
  const rest =
    `select ${[...restDims, 'x.v', 'x.n', 'x.pv'].join(', ')} from (${cutEvents} union all ${loneEvents}) x` +
    ` left join ${tables.sessions} es on es.project_id = ${project()} and es.session_id = x.sid cross join bounds` +
    ` where true${filters()}`;
  const keys = q.dimensions.length + 1;
  return (
    `select ${[...q.dimensions.map((_, i) => `r.d${i}`), 'r.v', groupCountsSql('r')].join(', ')}` +
    ` from (${oneKey} union all ${otherKeys} union all ${rest}) r group by ${Array.from({ length: keys }, (_, i) => i + 1).join(', ')}`
  );
}
