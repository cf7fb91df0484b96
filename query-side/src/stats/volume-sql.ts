/**
 * The Stats API's two shortcuts that stay exact (docs/stats-api.md, "Metrics"): events and page
 * views alone, unfiltered, by time and event name, from `volume_minute` for the range's whole
 * minutes plus the events of its partial minutes (the planner, plan.ts, asks `volumeAnswers` and
 * then builds its `ev` rows over `volumeFrom`); page views alone by page, from `page_views_hour` for
 * the whole hours plus the page views of the partial ones (`pageHoursAnswer`, `pageHoursRows`).
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
 * The range's whole UTC `unit`s as two ends: `lo` rounded up to a `unit`, `hi` rounded down. Each
 * call binds its values afresh, as `RangeEnds`' do.
 */
function wholeUnits(range: RangeEnds, unit: 'minute' | 'hour'): RangeEnds {
  return {
    lo: () => `date_trunc('${unit}', ${range.lo()} + interval '1 ${unit}' - interval '1 microsecond')`,
    hi: () => `date_trunc('${unit}', ${range.hi()})`,
  };
}

/**
 * `part(from, to)` over the range's partial units at its start, [lo, whole.lo), and at its end,
 * [whole.hi, hi), as one union: when the range holds no whole unit (`whole.lo > whole.hi`), the
 * first is the whole range and the second is empty. The parts are built in the order of the SQL
 * text, so their bindings follow that order.
 */
function partialEnds(
  range: RangeEnds,
  whole: RangeEnds,
  part: (from: () => string, to: () => string) => string,
) {
  const head = part(range.lo, () => `least(${whole.lo()}, ${range.hi()})`);
  const tail = part(() => `greatest(${whole.hi()}, ${whole.lo()})`, range.hi);
  return `${head} union all ${tail}`;
}

/**
 * FROM over rows `e` (ts, event_name, n: how many events) equal to the range's human events: the
 * whole UTC minutes in the range from `volume_minute` (tens of thousands of rows for a month instead
 * of millions of events), and the events of the partial minutes at either end one by one
 * (`wholeUnits`, `partialEnds`). `extraWhere` on
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
  const whole = wholeUnits(range, 'minute');
  const project = () => b.bind(q.projectId, 'uuid');
  // Built in the order of the SQL text: each call binds its values, and bindings follow that order.
  const minutes =
    `select v.minute as ts, v.event_name, v.count as n from ${tables.volumeMinute} v` +
    ` where v.project_id = ${project()} and v.minute >= ${whole.lo()} and v.minute < ${whole.hi()}`;
  const ends = partialEnds(
    range,
    whole,
    (from, to) =>
      `select e.ts, e.event_name, 1 as n from ${tables.events} e` +
      ` where e.project_id = ${project()} and e.ts >= ${from()} and e.ts < ${to()} and ${humanEvents('e')}`,
  );
  return ` from (${minutes} union all ${ends}) e cross join bounds${extraWhere ? ` where ${extraWhere}` : ''}`;
}

/** Each event metric over `volumeFrom`'s rows. */
export const VOLUME_METRIC_SQL: Record<'pageviews' | 'events', string> = {
  pageviews: "coalesce(sum(e.n) filter (where e.event_name = 'page_view'), 0)",
  events: 'coalesce(sum(e.n), 0)',
};

/**
 * Whether `page_views_hour` answers `q` as exactly as the events do: page views alone by
 * `event:page` alone (the Overview's Top pages), unfiltered, over a range of dates or instants (the
 * `all` range's ends are `bounds`' columns, which these rows do not join). Its rows are the human
 * page views of a page per UTC hour, written in the events' transaction as `volume_minute` is;
 * page views without a page are in `volume_minute` only. No time dimension: a bucket of a
 * half-hour zone is not a sum of UTC hours.
 */
export function pageHoursAnswer(q: StatsQuery): boolean {
  return (
    q.metrics.length === 1 &&
    q.metrics[0] === 'pageviews' &&
    q.dimensions.length === 1 &&
    q.dimensions[0] === 'event:page' &&
    q.filters.length === 0 &&
    q.period.kind !== 'all'
  );
}

/**
 * Rows (d0: the page, n: page views) whose sums by page equal the range's human page views by
 * page: `page_views_hour` for the range's whole UTC hours; for those hours the page views without
 * a page (`null`) as `volume_minute`'s page views less `page_views_hour`'s, which leaves out only
 * them; and the page views of the partial hours at either end one by one. `lo_h` is `lo` rounded
 * up to an hour, `hi_h` `hi` rounded down (`wholeUnits`, `partialEnds`).
 */
export function pageHoursRows(q: StatsQuery, b: Binder, tables: StatsTables, range: RangeEnds): string {
  const whole = wholeUnits(range, 'hour');
  const project = () => b.bind(q.projectId, 'uuid');
  // Built in the order of the SQL text: each call binds its values, and bindings follow that order.
  const hours = (column: string) =>
    `select ${column} from ${tables.pageViewsHour} h` +
    ` where h.project_id = ${project()} and h.hour >= ${whole.lo()} and h.hour < ${whole.hi()}`;
  const pages = hours('h.path as d0, h.views as n');
  const all =
    `(select coalesce(sum(v.count), 0) from ${tables.volumeMinute} v where v.project_id = ${project()}` +
    ` and v.event_name = 'page_view' and v.minute >= ${whole.lo()} and v.minute < ${whole.hi()})`;
  const withPage = `(${hours('coalesce(sum(h.views), 0)')})`;
  const ends = partialEnds(
    range,
    whole,
    (from, to) =>
      `select e.page as d0, 1 as n from ${tables.events} e where e.project_id = ${project()}` +
      ` and e.ts >= ${from()} and e.ts < ${to()} and ${humanEvents('e')} and e.event_name = 'page_view'`,
  );
  return `${pages} union all select null, ${all} - ${withPage} union all ${ends}`;
}
