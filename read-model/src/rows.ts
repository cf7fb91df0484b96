/**
 * Rows of the tables the query side reads, as node-postgres returns them with its default type
 * parsers: `uuid` and `text` are strings, `integer` and `smallint` numbers, `bigint` a decimal
 * string (it may exceed 2^53), `double precision` a number, `timestamptz` and `date` a Date,
 * `jsonb` the parsed value, `boolean` a boolean. Nullable columns are `| null`. The columns are the
 * ones the migrations create (migrations.ts); a reader selects what it needs with `Pick<…>`.
 */

/** analytics.events: one row per (project, event id). v2 columns are null for records written as v1. */
export interface EventsRow {
  project_id: string;
  event_id: string;
  event_name: string;
  session_id: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  /** When it happened (client clock, corrected by the ingestion API). */
  ts: Date;
  /** When the ingestion API accepted it. */
  received_at: Date;
  url: string | null;
  /** The page of `url` as the reports name it (the analytics projection's `pagePath`), null without a URL. */
  page: string | null;
  referrer: string | null;
  metadata: Record<string, unknown>;
  context: Record<string, unknown>;
  page_title: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  screen_width: number | null;
  screen_height: number | null;
  language: string | null;
  time_zone: string | null;
  client_sent_at: Date | null;
  browser: string | null;
  browser_version: string | null;
  os: string | null;
  os_version: string | null;
  device_type: string | null;
  country: string | null;
}

/** analytics.volume_minute: events per UTC minute and event name. */
export interface VolumeMinuteRow {
  project_id: string;
  minute: Date;
  event_name: string;
  count: string;
}

/**
 * analytics.sessions: one row per visit (a session id of a project). The visit attributes (from
 * entry_path to country) are the entry event's; docs/DESIGN.md, "Visits". Null for rows written
 * before migration 003 until a rebuild.
 */
export interface SessionsRow {
  project_id: string;
  session_id: string;
  user_id: string | null;
  anonymous_id: string | null;
  first_seen: Date;
  last_seen: Date;
  event_count: string;
  page_views: string;
  /** url of the earliest event by (ts, event id). */
  entry_url: string | null;
  /** url of the latest event by (ts, event id). */
  exit_url: string | null;
  entry_event_id: string | null;
  exit_event_id: string | null;
  /** last_seen − first_seen in ms (a generated column). */
  duration_ms: string | null;
  /** Path of entry_url (no query string, no in-page anchor; as page_views_hour's `path`). */
  entry_path: string | null;
  /** Path of exit_url. */
  exit_path: string | null;
  /** The entry event's referrer as sent. */
  entry_referrer: string | null;
  /** Source name: `utm_source` (known ones named as the table names them), else the referrer's site, else `Direct / None`. */
  source: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  browser: string | null;
  os: string | null;
  device_type: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string | null;
  /** Bot traffic makes no visit (it is counted in bot_events_day), so false on every row. */
  is_bot: boolean;
  /** Events other than page_view and page_leave. */
  engagement_events: string;
  /** page_views = 1 and engagement_events = 0 (a generated column). */
  bounced: boolean;
  /**
   * The distinct visitor keys (`coalesce(user_id, anonymous_id)`) of the visit's events, in no
   * promised order; empty when none has either id (analytics 007, file 010).
   */
  visitor_keys: string[];
}

/** analytics.page_views_hour: page_view events per UTC hour and URL path. */
export interface PageViewsHourRow {
  project_id: string;
  hour: Date;
  path: string;
  views: string;
}

/** analytics.daily_users: the user key (user id, else anonymous id) per UTC day. */
export interface DailyUsersRow {
  project_id: string;
  day: Date;
  user_key: string;
}

/** analytics.bot_events_day: bot traffic per UTC day. */
export interface BotEventsDayRow {
  project_id: string;
  day: Date;
  count: string;
}

/** analytics.excluded_events_day: the events of a project's excluded address ranges per UTC day. */
export interface ExcludedEventsDayRow {
  project_id: string;
  day: Date;
  count: string;
}

/** analytics.event_names. */
export interface EventNamesRow {
  project_id: string;
  event_name: string;
  count: string;
  last_seen: Date;
}

/** admin.projects. */
export interface ProjectsRow {
  project_id: string;
  name: string;
  created_at: Date;
  created_by: string | null;
}

/** admin.api_keys: the key itself is never stored, only its SHA-256 (hex) and its first characters. */
export interface ApiKeysRow {
  key_id: string;
  project_id: string;
  kind: 'write' | 'read';
  name: string;
  key_hash: string;
  key_prefix: string;
  issued_at: Date;
  revoked_at: Date | null;
}

/** admin.users. */
export interface UsersRow {
  user_id: string;
  email: string;
  name: string | null;
  password_hash: string;
  registered_at: Date;
}

/** admin.console_sessions: a revocation seen before its start leaves started_at and expires_at null. */
export interface ConsoleSessionsRow {
  session_id: string;
  user_id: string;
  started_at: Date | null;
  expires_at: Date | null;
  user_agent: string | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

/**
 * A goal in admin.project_settings.goals, as the API shows it: its display name and exactly one of
 * `event_name` (reached by each event of that name) and `page_path` (reached by each page_view whose
 * path matches the pattern: `*` any characters but `/`, `**` any; contracts' pagePatternRegex).
 */
export type ProjectGoalRow = { name: string; event_name: string } | { name: string; page_path: string };

/**
 * admin.project_settings: the latest ProjectSettingsChanged of a project; none, the defaults (UTC,
 * no domains, no goals, no excluded ranges).
 */
export interface ProjectSettingsRow {
  project_id: string;
  time_zone: string;
  domains: string[];
  /** In the order given (jsonb; admin migration 003). */
  goals: ProjectGoalRow[];
  /** Normalised CIDR (`203.0.113.0/24`, `2001:db8::/32`, `198.51.100.7/32`). */
  excluded_address_ranges: string[];
  updated_at: Date;
}

/** admin.public_links: one row per public dashboard link (admin migration 004). */
export interface PublicLinksRow {
  link_id: string;
  project_id: string;
  /** Hex SHA-256 of the link's token (the token is never stored). */
  token_hash: string;
  token_prefix: string;
  /** contracts' scrypt format, or null for a link without a password. */
  password_hash: string | null;
  created_at: Date;
  /** The console user who created it, null for the admin token. */
  created_by: string | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

/** ops.dlq_records: one row per DLQ record (and replay generation). */
export interface DlqRecordsRow {
  projection: string;
  dlq_partition: number;
  dlq_offset: string;
  project_id: string | null;
  original_topic: string;
  original_partition: number;
  original_offset: string;
  error_code: string;
  error_message: string;
  attempts: number;
  failed_at: Date;
  key: string | null;
  value_base64: string | null;
  replayed_at: Date | null;
  generation: number;
}

/** ops.projection_status: per projection and partition, its checkpoint and the log end when last looked. */
export interface ProjectionStatusRow {
  projection: string;
  topic: string;
  partition: number;
  next_offset: string;
  high_watermark: string;
  last_processed_at: Date | null;
  updated_at: Date;
}

/** ops.failure_counts. */
export interface FailureCountsRow {
  projection: string;
  stage: 'retry' | 'dlq';
  count: string;
}

/** ops.projection_throughput: rows applied per UTC minute. */
export interface ProjectionThroughputRow {
  minute: Date;
  projection: string;
  applied: string;
}

/** ops.projection_freshness: the freshness histogram per UTC minute (freshness.ts). */
export interface ProjectionFreshnessRow {
  minute: Date;
  projection: string;
  bucket: number;
  /** The bucket's representative freshness, ms. */
  value_ms: number;
  count: string;
}

/** ops.schema_versions_seen: records taken per projection and writer schema id. */
export interface SchemaVersionsSeenRow {
  projection: string;
  schema_id: number;
  records: string;
}

/** ops.contract_subjects: the registry's subjects as last refreshed. */
export interface ContractSubjectsRow {
  record: string;
  subject: string;
  compatibility: string | null;
  refreshed_at: Date;
}

/** ops.contract_versions. */
export interface ContractVersionsRow {
  subject: string;
  version: number;
  schema_id: number;
}
