/**
 * The rows the reports benchmark's seed writes: the columns of `analytics.events` and
 * `analytics.sessions` in the order of a row (./traffic.ts makes the rows, ./load.ts copies them),
 * and the index of each column in a row.
 */
export type Cell = string | number | boolean | null;

/**
 * The columns of each events row, in order (read-model migrations 001, 009 and 014, EventTracked v2);
 * `page` is the URL's path (`pagePath`) and the leave's measures `pageLeaveMeasures`, as the projection
 * writes them.
 */
export const EVENT_COLUMNS = [
  'project_id',
  'event_id',
  'event_name',
  'session_id',
  'user_id',
  'anonymous_id',
  'ts',
  'received_at',
  'url',
  'page',
  'referrer',
  'metadata',
  'context',
  'page_title',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'screen_width',
  'screen_height',
  'language',
  'client_sent_at',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'device_type',
  'country',
  'leave_duration_ms',
  'leave_scroll_depth',
] as const;

/** The columns of each sessions row, in order (migrations 001, 003 and 010; duration and bounce are generated). */
export const VISIT_COLUMNS = [
  'project_id',
  'session_id',
  'user_id',
  'anonymous_id',
  'first_seen',
  'last_seen',
  'event_count',
  'page_views',
  'engagement_events',
  'entry_url',
  'exit_url',
  'entry_event_id',
  'exit_event_id',
  'entry_path',
  'exit_path',
  'entry_referrer',
  'source',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'browser',
  'os',
  'device_type',
  'country',
  'is_bot',
  'visitor_keys',
] as const;

const col = <T extends readonly string[]>(columns: T) =>
  Object.fromEntries(columns.map((c, i) => [c, i])) as Record<T[number], number>;
/** Index of each events column in a row. */
export const E = col(EVENT_COLUMNS);
/** Index of each sessions column in a row. */
export const V = col(VISIT_COLUMNS);
