/**
 * The measures of a page leave as the reports read them: `events.leave_duration_ms` and
 * `events.leave_scroll_depth` (analytics 011, file 014), written by the analytics projection from a
 * `page_leave` event's metadata, read by the Stats API's `time_on_page` and `scroll_depth`
 * (query-side/src/stats/page-leave-sql.ts). The SDK sends `metadata.duration_ms` (the ms the page
 * was visible) and `metadata.scroll_depth` (how far down it was scrolled, in percent) when a page
 * view ends (sdk/src/pageviews.ts); Plausible's engagement event carries them as `e` and `sd`
 * (command-side/src/ingest/plausible.ts). The metadata itself is kept as sent; these columns are
 * what the reports count of it.
 */

/** The event name of a page leave (the SDK's and the Plausible route's). */
export const PAGE_LEAVE = 'page_leave';

/**
 * The largest usable duration, in ms: 2^53 − 1, the largest integer a double holds exactly (about
 * 285,000 years). A larger number is left out rather than summed inexactly, and keeps the column's
 * `double precision` away from the overflow a cast of a JSON number like 1e400 would raise.
 */
export const LEAVE_DURATION_MAX_MS = Number.MAX_SAFE_INTEGER;

export interface PageLeaveMeasures {
  /** `metadata.duration_ms` when a JSON number from 0 to `LEAVE_DURATION_MAX_MS`, else null. */
  readonly durationMs: number | null;
  /** `metadata.scroll_depth` when a JSON number from 0 to 100 (percent), else null. */
  readonly scrollDepth: number | null;
}

const NONE: PageLeaveMeasures = { durationMs: null, scrollDepth: null };

const within = (value: unknown, max: number): number | null =>
  typeof value === 'number' && value >= 0 && value <= max ? value : null;

/**
 * The measures of an event named `eventName` with the parsed metadata object `metadata`: both null
 * unless the event is a page leave; each null when its key is missing or not a usable number (a
 * string such as "1200" too: the reports have always counted JSON numbers only).
 */
export function pageLeaveMeasures(eventName: string, metadata: Record<string, unknown>): PageLeaveMeasures {
  if (eventName !== PAGE_LEAVE) return NONE;
  return {
    durationMs: within(metadata.duration_ms, LEAVE_DURATION_MAX_MS),
    scrollDepth: within(metadata.scroll_depth, 100),
  };
}

/**
 * The same rule in SQL over `events` rows named `alias` (their `event_name` and jsonb `metadata`),
 * for the migration that fills the columns of the events projected before them: nested `case`s, so
 * that the cast never sees another JSON type (`and` gives no order of evaluation in SQL). The bounds
 * are tested on the exact decimal, where the projection tests the double JSON.parse made of it: they
 * differ only for a number within a double's rounding of a bound (100.00000000000001), and a number
 * under 1e-300, which a double cannot always hold, counts as 0 here.
 */
export function pageLeaveMeasureSql(alias: string, key: 'duration_ms' | 'scroll_depth'): string {
  const max = key === 'duration_ms' ? LEAVE_DURATION_MAX_MS : 100;
  const value = `(${alias}.metadata ->> '${key}')::numeric`;
  return (
    `case when ${alias}.event_name = '${PAGE_LEAVE}' and jsonb_typeof(${alias}.metadata -> '${key}') = 'number'` +
    ` then case when ${value} between 0 and ${max}` +
    ` then (case when ${value} < 1e-300 then 0 else ${value} end)::double precision end end`
  );
}
