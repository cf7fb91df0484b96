/**
 * The SQL of one dimension and one filter, on either side of a report: the events (`e`) or the
 * visits (`s`, analytics.sessions), in the query's zone. The planner (plan.ts) composes them; the
 * explorer (read-models/events.ts) and funnels reuse the filters.
 */
import { humanEvents } from '@eventlens/read-model';
import type { Dimension, TimeDimension } from './dimensions';
import type { Filter } from './filters';
import { GOAL, goalFilterSql } from './goal-sql';
import type { StatsQuery } from './query';
import { eventSql, NEGATED, positiveSql, type Binder } from './sql';

/** analytics.sessions column of each visit dimension. */
export const VISIT_COLUMNS: Record<string, string> = {
  'visit:source': 'source',
  'visit:referrer': 'entry_referrer',
  'visit:entry_page': 'entry_path',
  'visit:exit_page': 'exit_path',
  'visit:utm_source': 'utm_source',
  'visit:utm_medium': 'utm_medium',
  'visit:utm_campaign': 'utm_campaign',
  'visit:utm_term': 'utm_term',
  'visit:utm_content': 'utm_content',
  'visit:browser': 'browser',
  'visit:os': 'os',
  'visit:device': 'device_type',
  'visit:country': 'country',
};

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
  return `${side === 'events' ? 'es' : 's'}.${VISIT_COLUMNS[dimension]}`;
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
    const predicate =
      filter.dimension === GOAL
        ? goalPredicate('x')
        : positiveSql(positive, eventSql(filter.dimension, 'x', b)!, filter.values, filter.caseSensitive, b);
    return (
      `(${negated ? 'not ' : ''}exists (select 1 from ${events} x where x.project_id = s.project_id` +
      ` and x.session_id = s.session_id and ${humanEvents('x')} and ${predicate}))`
    );
  }
  const expr = dimensionSql(filter.dimension, side, q, b)!;
  const predicate = positiveSql(positive, expr, filter.values, filter.caseSensitive, b);
  return negated ? `(not coalesce(${predicate}, false))` : `(${predicate})`;
}

/** The dimensions a filter's tree names, at every depth. */
function namedDimensions(f: Filter): Dimension[] {
  if ('filters' in f) return f.filters.flatMap(namedDimensions);
  if ('filter' in f) return namedDimensions(f.filter);
  return [f.dimension];
}

const isVisit = (d: Dimension) => d.startsWith('visit:');

/**
 * Whether `q` reads a `visit:*` dimension (as a dimension, or anywhere in a filter's tree), so that
 * its events need their visit joined as `es`. The explorer asks it of its filters too.
 */
export function usesVisitDimension(q: Pick<StatsQuery, 'dimensions' | 'filters'>): boolean {
  return q.dimensions.some(isVisit) || q.filters.some((f) => namedDimensions(f).some(isVisit));
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
