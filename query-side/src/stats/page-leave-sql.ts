/**
 * The Stats API's page-leave side (planQuery's `tp`): `time_on_page` and `scroll_depth`, from the
 * `page_leave` events the SDK sends when a page view ends, `metadata.duration_ms` being the time the
 * page was visible and `metadata.scroll_depth` how far down it was scrolled (sdk/src/pageviews.ts;
 * Plausible's script's engagement `e` and `sd`, command-side's ingest/plausible.ts).
 */
import { PAGE_LEAVE } from '@eventlens/read-model';
import { dimensionSql } from './clauses';
import { pageArmsSource } from './page-sql';
import type { PageLeaveMetric, StatsQuery } from './query';
import type { Binder } from './sql';

/**
 * The metrics of the `page_leave` events, each over `t` (one row per visit and dimension values: the
 * visit's summed usable durations `t.dur` in ms, null when it has none; its deepest usable scroll
 * depth `t.sd` in percent, null when it has none):
 *
 * - `time_on_page`: the seconds a visit spent on the page, averaged over the visits, rounded to whole
 *   seconds as Plausible rounds it ("Average time in seconds spent on a page per visit", its Stats
 *   API v2 reference). A leave without a usable duration (not a number, or negative) is left out.
 * - `scroll_depth`: each visit's deepest scroll on the page, averaged over the visits, a whole
 *   percent ("Page scroll depth averaged per session", the same reference; its query takes each
 *   session's maximum, then their average). A depth that is not a number from 0 to 100 is left out, as
 *   Plausible's query leaves out depths over 100.
 *
 * Either is 0 for a page none of whose leaves carries one, as Plausible's `ifNotFinite(…, 0)`.
 * Usable is read-model's `pageLeaveMeasures`, which the projection writes as `events.leave_duration_ms`
 * and `events.leave_scroll_depth` (double precision); the averages are rounded as numeric, half away
 * from zero (a double's `round` would round half to even).
 */
const PAGE_LEAVE_METRIC_SQL: Record<PageLeaveMetric, string> = {
  time_on_page: 'coalesce(round((sum(t.dur) / nullif(count(t.dur), 0) / 1000.0)::numeric), 0)',
  scroll_depth: 'coalesce(round(avg(t.sd)::numeric), 0)',
};

/**
 * The `tp` CTE's body: per dimension values (`d0…`), the page-leave metrics in `metrics`.
 * `eventsFrom(condition)` is the planner's FROM and WHERE over events `e` (the range, human traffic,
 * the filters, the visit joined for visit dimensions) with `condition` added; called after the
 * dimensions, in the order of the text. Each page_leave is one row with its visit (a leave without a
 * session is a visit of its own); the leaves are grouped by visit first, then the visits by values.
 *
 * The leaves are read in two arms (page-sql.ts, `pageArmsSource`): those whose page fits the
 * covering index `events_page_leaves` (read-model analytics 011, file 014), which holds the columns
 * the default report needs (page, visit, `leave_duration_ms`, `leave_scroll_depth`), and the rest.
 */
export function pageLeaveSql(
  q: StatsQuery,
  b: Binder,
  metrics: readonly PageLeaveMetric[],
  dimensionColumns: readonly string[],
  groupBy: string,
  eventsFrom: (condition: string) => string,
): string {
  const dims = dimensionColumns.join(', ');
  const visitKeys = Array.from({ length: dimensionColumns.length + 1 }, (_, i) => i + 1).join(', ');
  const arm = (pageCondition: string) =>
    `select ${[
      ...q.dimensions.map((d, i) => `${dimensionSql(d, 'events', q, b)} as d${i}`),
      'coalesce(e.session_id, e.event_id::text) as visit',
      'e.leave_duration_ms as dur',
      'e.leave_scroll_depth as sd',
    ].join(', ')}${eventsFrom(`e.event_name = '${PAGE_LEAVE}' and ${pageCondition}`)}`;
  const visits =
    `select ${[...(dims === '' ? [] : [dims]), 'visit', 'sum(dur) as dur', 'max(sd) as sd'].join(', ')}` +
    ` from ${pageArmsSource(arm)} group by ${visitKeys}`;
  return (
    `select ${[...dimensionColumns.map((d) => `t.${d}`), ...metrics.map((m) => `${PAGE_LEAVE_METRIC_SQL[m]} as ${m}`)].join(', ')}` +
    ` from (${visits}) t${groupBy}`
  );
}
