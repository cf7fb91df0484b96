/**
 * The Stats API's one shortcut that stays exact (docs/stats-api.md, "Metrics"): events and page
 * views alone, unfiltered, by time and event name, from `volume_minute` for the range's whole
 * minutes plus the events of its partial minutes. The planner (plan.ts) asks `volumeAnswers` and
 * then builds its `ev` rows over `volumeFrom`.
 */
import { humanEvents } from '@eventlens/read-model';
import { isTime } from './clauses';
import type { StatsTables } from './plan';
import type { RangeEnds } from './range-sql';
import type { StatsQuery } from './query';
import type { Binder } from './sql';

/**
 * Since 1973 every zone of the tz database is offset from UTC by whole minutes (the last one that
 * was not, Africa/Monrovia at -0:44:30, moved to UTC on 1972-01-07), so any zone's hour, day, week
 * or month is a sum of whole UTC minutes: what `volume_minute` can answer exactly.
 */
const WHOLE_MINUTE_OFFSETS_SINCE = Date.parse('1973-01-01T00:00:00Z');

/**
 * Whether `volume_minute` answers `q` as exactly as the events do: events or page views alone, by
 * time and event name at most, unfiltered, over a range of dates or instants since every offset was
 * whole minutes. Its counts are of human events (bots and excluded traffic are counted apart), the
 * condition every report has, and are written in the events' transaction, so one snapshot holds both.
 */
export function volumeAnswers(q: StatsQuery): boolean {
  const p = q.period;
  const start =
    p.kind === 'dates'
      ? Date.parse(`${p.first}T00:00:00Z`) - 86_400_000
      : p.kind === 'instants'
        ? Date.parse(p.from)
        : -Infinity;
  return (
    q.metrics.every((m) => m === 'events' || m === 'pageviews') &&
    q.filters.length === 0 &&
    q.dimensions.every((d) => isTime(d) || d === 'event:name') &&
    start >= WHOLE_MINUTE_OFFSETS_SINCE
  );
}

/**
 * FROM over rows `e` (ts, event_name, n: how many events) equal to the range's human events: the
 * whole UTC minutes in the range from `volume_minute` (tens of thousands of rows for a month instead
 * of millions of events), and the events of the partial minutes at either end one by one. `lo_m`
 * is `lo` rounded up to a minute, `hi_m` `hi` rounded down; when the range holds no whole minute
 * (`lo_m > hi_m`), the first part is the whole range and the others are empty. `extraWhere` on
 * `e` keeps rows as the events' own `where` would (page views alone: only theirs, so that no other
 * event name becomes a row of 0).
 */
export function volumeFrom(
  q: StatsQuery,
  b: Binder,
  tables: StatsTables,
  range: RangeEnds,
  extraWhere: string,
): string {
  const loM = () => `date_trunc('minute', ${range.lo()} + interval '1 minute' - interval '1 microsecond')`;
  const hiM = () => `date_trunc('minute', ${range.hi()})`;
  const project = () => b.bind(q.projectId, 'uuid');
  const minutes =
    `select v.minute as ts, v.event_name, v.count as n from ${tables.volumeMinute} v` +
    ` where v.project_id = ${project()} and v.minute >= ${loM()} and v.minute < ${hiM()}`;
  // Thunks, called in the order of the SQL text: each call binds its values, and bindings follow
  // the text's order.
  const edge = (from: () => string, to: () => string) =>
    `select e.ts, e.event_name, 1 as n from ${tables.events} e` +
    ` where e.project_id = ${project()} and e.ts >= ${from()} and e.ts < ${to()} and ${humanEvents('e')}`;
  const head = edge(range.lo, () => `least(${loM()}, ${range.hi()})`);
  const tail = edge(() => `greatest(${hiM()}, ${loM()})`, range.hi);
  return ` from (${minutes} union all ${head} union all ${tail}) e cross join bounds${extraWhere ? ` where ${extraWhere}` : ''}`;
}

/** Each event metric over `volumeFrom`'s rows. */
export const VOLUME_METRIC_SQL: Record<'pageviews' | 'events', string> = {
  pageviews: "coalesce(sum(e.n) filter (where e.event_name = 'page_view'), 0)",
  events: 'coalesce(sum(e.n), 0)',
};
