/**
 * The Stats API's `time_on_page` side (planQuery's `tp`): from the `page_leave` events the SDK sends
 * when a page view ends, `metadata.duration_ms` being the time the page was visible
 * (sdk/src/pageviews.ts; Plausible's script's engagement `e`, command-side's ingest/plausible.ts).
 */
import { dimensionSql } from './clauses';
import type { StatsQuery } from './query';
import type { Binder } from './sql';

/**
 * time_on_page over `t` (one row per page_leave: its visit `t.visit`, its duration `t.dur` in ms):
 * the seconds a visit spent on the page, averaged over the visits, rounded to whole seconds as
 * Plausible rounds it ("Average time in seconds spent on a page per visit", its Stats API v2
 * reference). A leave without a usable duration (not a number, or negative) is left out.
 */
const PAGE_TIME_SQL =
  'coalesce(round(sum(t.dur) filter (where t.dur >= 0) / nullif(count(distinct t.visit) filter (where t.dur >= 0), 0) / 1000.0), 0)';

/**
 * A page_leave's duration in ms, null when `metadata.duration_ms` is not a JSON number: a `case`, so
 * the cast never sees another type (an `and` in a where clause gives no order).
 */
const LEAVE_DURATION_SQL =
  "case when jsonb_typeof(e.metadata -> 'duration_ms') = 'number' then (e.metadata ->> 'duration_ms')::numeric end";

/**
 * The `tp` CTE's body: per dimension values (`d0…`), `time_on_page`. `eventsFrom(condition)` is the
 * planner's FROM and WHERE over events `e` (the range, human traffic, the filters, the visit joined
 * for visit dimensions) with `condition` added; called after the dimensions, in the order of the text.
 * Each page_leave is one row with its visit (a leave without a session is a visit of its own).
 */
export function pageTimeSql(
  q: StatsQuery,
  b: Binder,
  dimensionColumns: readonly string[],
  groupBy: string,
  eventsFrom: (condition: string) => string,
): string {
  const dims = q.dimensions.map((d, i) => `${dimensionSql(d, 'events', q, b)} as d${i}`);
  const leaves =
    `select ${[...dims, `coalesce(e.session_id, e.event_id::text) as visit`, `${LEAVE_DURATION_SQL} as dur`].join(', ')}` +
    eventsFrom("e.event_name = 'page_leave'");
  return (
    `select ${[...dimensionColumns.map((d) => `t.${d}`), `${PAGE_TIME_SQL} as time_on_page`].join(', ')}` +
    ` from (${leaves}) t${groupBy}`
  );
}
