/**
 * The Stats API's page-leave side (planQuery's `tp`): `time_on_page` and `scroll_depth`, from the
 * `page_leave` events the SDK sends when a page view ends, `metadata.duration_ms` being the time the
 * page was visible and `metadata.scroll_depth` how far down it was scrolled (sdk/src/pageviews.ts;
 * Plausible's script's engagement `e` and `sd`, command-side's ingest/plausible.ts).
 */
import { dimensionSql } from './clauses';
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
 */
const PAGE_LEAVE_METRIC_SQL: Record<PageLeaveMetric, string> = {
  time_on_page: 'coalesce(round(sum(t.dur) / nullif(count(t.dur), 0) / 1000.0), 0)',
  scroll_depth: 'coalesce(round(avg(t.sd)), 0)',
};

/**
 * A number of the page_leave's metadata (`key`, a trusted constant), null unless a JSON number
 * `ok` accepts. Nested `case`s, so that the cast never sees another type and the test never sees a
 * non-number (`and` gives no order of evaluation in SQL).
 */
const leaveNumberSql = (key: string, ok: (value: string) => string) => {
  const value = `(e.metadata ->> '${key}')::numeric`;
  return `case when jsonb_typeof(e.metadata -> '${key}') = 'number' then case when ${ok(value)} then ${value} end end`;
};

/** A page_leave's duration in ms (`metadata.duration_ms`), null unless a number ≥ 0. */
const LEAVE_DURATION_SQL = leaveNumberSql('duration_ms', (v) => `${v} >= 0`);

/**
 * A page_leave's scroll depth in percent (`metadata.scroll_depth`: the SDK's, or the `sd` of
 * Plausible's engagement event), null unless a number from 0 to 100.
 */
const LEAVE_SCROLL_DEPTH_SQL = leaveNumberSql('scroll_depth', (v) => `${v} between 0 and 100`);

/**
 * The `tp` CTE's body: per dimension values (`d0…`), the page-leave metrics in `metrics`.
 * `eventsFrom(condition)` is the planner's FROM and WHERE over events `e` (the range, human traffic,
 * the filters, the visit joined for visit dimensions) with `condition` added; called after the
 * dimensions, in the order of the text. Each page_leave is one row with its visit (a leave without a
 * session is a visit of its own); the leaves are grouped by visit first, then the visits by values.
 */
export function pageLeaveSql(
  q: StatsQuery,
  b: Binder,
  metrics: readonly PageLeaveMetric[],
  dimensionColumns: readonly string[],
  groupBy: string,
  eventsFrom: (condition: string) => string,
): string {
  const dims = q.dimensions.map((d, i) => `${dimensionSql(d, 'events', q, b)} as d${i}`);
  const visitKeys = Array.from({ length: dims.length + 1 }, (_, i) => i + 1).join(', ');
  const visits =
    `select ${[...dims, `coalesce(e.session_id, e.event_id::text) as visit`, `sum(${LEAVE_DURATION_SQL}) as dur`, `max(${LEAVE_SCROLL_DEPTH_SQL}) as sd`].join(', ')}` +
    `${eventsFrom("e.event_name = 'page_leave'")} group by ${visitKeys}`;
  return (
    `select ${[...dimensionColumns.map((d) => `t.${d}`), ...metrics.map((m) => `${PAGE_LEAVE_METRIC_SQL[m]} as ${m}`)].join(', ')}` +
    ` from (${visits}) t${groupBy}`
  );
}
