/**
 * The SQL of one dimension and one filter, on either side of a report: the events (`e`) or the
 * visits (`s`, analytics.sessions), in the query's zone. The planner (plan.ts) composes them; the
 * explorer (read-models/events.ts) and funnels reuse the filters.
 */
import { channelSql, countryNameSql, DIRECT_SOURCE, humanEvents } from '@eventlens/read-model';
import type { Dimension, TimeDimension, VisitDimension } from './dimensions';
import type { Filter } from './filters';
import { GOAL, goalFilterSql } from './goal-sql';
import type { StatsQuery } from './query';
import { eventSql, hostnameSql, NEGATED, positiveSql, referrerSql, type Binder } from './sql';

const column = (name: string) => (alias: string) => `${alias}.${name}`;

/**
 * Each visit dimension's SQL on the visit row `alias` (analytics.sessions): its column, or what is
 * derived from columns when a report reads it. A visit's source is never null for the reports: an
 * event of no visit (no session id) and a visit projected before sources existed are `Direct /
 * None`, as Plausible names a visit that says nowhere it came from, so that they group (and filter)
 * with the visits the projection named so rather than as a second row of the same label.
 */
const VISIT_SQL = {
  'visit:source': (alias) => `coalesce(${alias}.source, '${DIRECT_SOURCE}')`,
  // From the source and UTM columns (read-model/src/channels.ts).
  'visit:channel': channelSql,
  // Plausible's cleaned form of the entry's referrer (sql.ts), computed when a report reads it.
  'visit:referrer': referrerSql,
  'visit:entry_page': column('entry_path'),
  'visit:exit_page': column('exit_path'),
  'visit:entry_page_hostname': (alias) => hostnameSql(`${alias}.entry_url`),
  'visit:exit_page_hostname': (alias) => hostnameSql(`${alias}.exit_url`),
  'visit:utm_source': column('utm_source'),
  'visit:utm_medium': column('utm_medium'),
  'visit:utm_campaign': column('utm_campaign'),
  'visit:utm_term': column('utm_term'),
  'visit:utm_content': column('utm_content'),
  'visit:browser': column('browser'),
  'visit:browser_version': column('browser_version'),
  'visit:os': column('os'),
  'visit:os_version': column('os_version'),
  'visit:device': column('device_type'),
  // Plausible's other name for visit:device (its query builder maps one to the other).
  'visit:screen': column('device_type'),
  'visit:country': column('country'),
  // From the code (read-model/src/countries.ts).
  'visit:country_name': (alias) => countryNameSql(`${alias}.country`),
} satisfies Record<VisitDimension, (alias: string) => string>;

export const TIME_FORMAT: Record<TimeDimension, { unit: string; format: string }> = {
  'time:minute': { unit: 'minute', format: 'YYYY-MM-DD HH24:MI:SS' },
  'time:hour': { unit: 'hour', format: 'YYYY-MM-DD HH24:MI:SS' },
  'time:day': { unit: 'day', format: 'YYYY-MM-DD' },
  'time:week': { unit: 'week', format: 'YYYY-MM-DD' },
  'time:month': { unit: 'month', format: 'YYYY-MM-DD' },
};

export const isTime = (d: Dimension): d is TimeDimension => d.startsWith('time:');
export const isEventDimension = (d: Dimension) => d.startsWith('event:');

/**
 * A time bucket's label. A week is the Monday it starts on, or the range's first day when the range
 * starts mid-week (Plausible's `weekstart_not_before`); `bounds` is in the FROM of every side.
 */
export function timeSql(dimension: TimeDimension, column: string, timeZone: string, b: Binder): string {
  const { unit, format } = TIME_FORMAT[dimension];
  const bucket = `date_trunc('${unit}', ${column} at time zone ${b.bind(timeZone, 'text')})`;
  if (dimension !== 'time:week') return `to_char(${bucket}, '${format}')`;
  const firstDay = `date_trunc('day', bounds.lo at time zone ${b.bind(timeZone, 'text')})`;
  return `to_char(greatest(${bucket}, ${firstDay}), '${format}')`;
}

export type Side = 'events' | 'visits';

/**
 * A dimension's SQL on a side: events `e` (its visit `es`, the goal it reaches `eg`), or visits `s`.
 * Undefined: not there.
 */
export function dimensionSql(dimension: Dimension, side: Side, q: StatsQuery, b: Binder): string | undefined {
  if (isTime(dimension))
    return timeSql(dimension, side === 'events' ? 'e.ts' : 's.first_seen', q.timeZone, b);
  if (dimension === GOAL) return side === 'events' ? 'eg.name' : undefined;
  if (isEventDimension(dimension)) return side === 'events' ? eventSql(dimension, 'e', b) : undefined;
  return visitColumnSql(dimension, side === 'events' ? 'es' : 's');
}

/** A visit dimension's value on the visit row `alias` (`VISIT_SQL`). */
export function visitColumnSql(dimension: string, alias: string): string {
  return VISIT_SQL[dimension as VisitDimension](alias);
}

/**
 * A filter as a predicate on a side. A negated operator is `not coalesce(positive, false)`, so a
 * row without the property passes `is_not`. On the visits side an event dimension asks whether the
 * visit has such an event (Plausible's meaning): `exists` for the positive operators, `not exists`
 * for the negated ones.
 */
export function filterSql(filter: Filter, side: Side, q: StatsQuery, b: Binder, events: string): string {
  if ('filters' in filter)
    return `(${filter.filters.map((f) => filterSql(f, side, q, b, events)).join(` ${filter.op} `)})`;
  if (filter.op === 'has_done' || filter.op === 'has_not_done') {
    // The row's visit (an event's session, or the visit itself) has an event the filter matches, at
    // any time of the visit; an event without a session has done nothing.
    const row = side === 'events' ? 'e' : 's';
    return visitHasEvent(row, eventPredicate(filter.filter, 'x', q, b), filter.op === 'has_not_done', events);
  }
  if ('filter' in filter) return `(not coalesce(${filterSql(filter.filter, side, q, b, events)}, false))`;
  const positive = NEGATED[filter.op] ?? (filter.op as 'is' | 'contains' | 'matches');
  const negated = filter.op in NEGATED;
  const goalPredicate = (alias: string) =>
    goalFilterSql(q, alias, positive, filter.values, filter.caseSensitive, b);
  if (side === 'events' && filter.dimension === GOAL) {
    const predicate = goalPredicate('e');
    return negated ? `(not coalesce(${predicate}, false))` : `(${predicate})`;
  }
  if (side === 'visits' && isEventDimension(filter.dimension)) {
    return visitHasEvent('s', eventPredicate({ ...filter, op: positive }, 'x', q, b), negated, events);
  }
  const expr = dimensionSql(filter.dimension, side, q, b)!;
  const predicate = positiveSql(positive, expr, filter.values, filter.caseSensitive, b);
  return negated ? `(not coalesce(${predicate}, false))` : `(${predicate})`;
}

/**
 * Whether the visit of row `row` (`e`: an event's session; `s`: the visit) has a human event `x`
 * passing `predicate` (`negated`: has none). An event without a session has none.
 */
function visitHasEvent(row: 'e' | 's', predicate: string, negated: boolean, events: string): string {
  return (
    `(${negated ? 'not ' : ''}exists (select 1 from ${events} x where x.project_id = ${row}.project_id` +
    ` and x.session_id = ${row}.session_id and ${humanEvents('x')} and ${predicate}))`
  );
}

/**
 * A filter on event dimensions only (a has_done's, parseFilters checks it, or one of
 * `perEventFilters`) as a predicate on the events row `alias`.
 */
export function eventPredicate(filter: Filter, alias: string, q: StatsQuery, b: Binder): string {
  if ('filters' in filter)
    return `(${filter.filters.map((f) => eventPredicate(f, alias, q, b)).join(` ${filter.op} `)})`;
  if (filter.op === 'not') return `(not coalesce(${eventPredicate(filter.filter, alias, q, b)}, false))`;
  if ('filter' in filter) throw new Error(`${filter.op} inside has_done: parseFilters refuses it`);
  const positive = NEGATED[filter.op] ?? (filter.op as 'is' | 'contains' | 'matches');
  const predicate =
    filter.dimension === GOAL
      ? goalFilterSql(q, alias, positive, filter.values, filter.caseSensitive, b)
      : positiveSql(positive, eventSql(filter.dimension, alias, b)!, filter.values, filter.caseSensitive, b);
  return filter.op in NEGATED ? `(not coalesce(${predicate}, false))` : `(${predicate})`;
}

/**
 * The filters of `filters` that each event passes or fails on its own: event dimensions only and no
 * has_done/has_not_done anywhere in the tree (those ask about the visit). The visit side's `event:*`
 * dimensions group a visit by the values of its events that pass them (planQuery), as the events
 * side counts only those events: visits of `signup` events by page are the pages of the signups.
 */
export function perEventFilters(filters: readonly Filter[]): Filter[] {
  const perEvent = (f: Filter): boolean =>
    'filters' in f
      ? f.filters.every(perEvent)
      : 'filter' in f
        ? f.op === 'not' && perEvent(f.filter)
        : !isVisit(f.dimension);
  return filters.filter(perEvent);
}

/** The dimensions a filter's tree names, at every depth. */
function namedDimensions(f: Filter): Dimension[] {
  if ('filters' in f) return f.filters.flatMap(namedDimensions);
  if ('filter' in f) return namedDimensions(f.filter);
  return [f.dimension];
}

export const isVisit = (d: Dimension) => d.startsWith('visit:');

/**
 * Whether `q` reads a `visit:*` dimension (as a dimension, or anywhere in a filter's tree), so that
 * its events need their visit joined as `es`. The explorer asks it of its filters too.
 */
export function usesVisitDimension(q: Pick<StatsQuery, 'dimensions' | 'filters'>): boolean {
  return q.dimensions.some(isVisit) || q.filters.some((f) => namedDimensions(f).some(isVisit));
}

/** Whether `q` reads `dimension`, as a dimension or anywhere in a filter's tree. */
export function usesDimension(q: Pick<StatsQuery, 'dimensions' | 'filters'>, dimension: Dimension): boolean {
  return q.dimensions.includes(dimension) || q.filters.some((f) => namedDimensions(f).includes(dimension));
}

/**
 * The filters of `q` split for an events side that reads the event's visit after grouping its
 * events by visit (planQuery): those of the event alone and those of the visit alone; undefined
 * when a filter mixes both in one tree (it can be decided only per event, with the visit joined).
 */
export function splitVisitFilters(
  filters: readonly Filter[],
): { event: Filter[]; visit: Filter[] } | undefined {
  const event: Filter[] = [];
  const visit: Filter[] = [];
  for (const f of filters) {
    const named = namedDimensions(f);
    if (!named.some(isVisit)) event.push(f);
    else if (named.every(isVisit)) visit.push(f);
    else return undefined;
  }
  return { event, visit };
}
