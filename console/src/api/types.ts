/**
 * The shapes the console reads and sends, as the query side documents them at /v1/openapi.json
 * (query-side/src/read-models/*.ts) and the command side answers (command-side/src/admin). Times
 * are ISO 8601 strings in UTC.
 */
export interface Me {
  user_id: string;
  email: string;
}

/** One of the user's active console sessions (query side, GET /v1/auth/sessions). */
export interface ConsoleSession {
  session_id: string;
  started_at: string;
  expires_at: string;
  user_agent: string | null;
  /** The session of this browser. */
  current: boolean;
}

export interface Project {
  project_id: string;
  name: string;
  created_at: string;
  created_by: string | null;
}

export interface CreatedProject {
  project_id: string;
  name: string;
  created_at?: string;
}

export type KeyKind = 'write' | 'read';

export interface ApiKey {
  key_id: string;
  kind: KeyKind;
  name: string;
  key_prefix: string;
  issued_at: string;
  revoked_at: string | null;
}

/** The answer to issuing a key: the only time the key itself is shown. */
export interface IssuedKey {
  key_id: string;
  kind: KeyKind;
  name: string;
  key: string;
  key_prefix: string;
  issued_at?: string;
}

export interface EventItem {
  event_id: string;
  event_name: string;
  session_id: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  url: string | null;
  referrer: string | null;
  timestamp: string;
  received_at: string;
  metadata: Record<string, unknown>;
  context: Record<string, unknown>;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface EventFilters {
  event_name?: string;
  user_id?: string;
  session_id?: string;
  /** Epoch milliseconds or ISO. */
  from?: string;
  to?: string;
}

export interface Overview {
  from: string;
  to: string;
  events: number;
  unique_users: number;
  sessions: number;
  page_views: number;
  /** Bot traffic in the range's UTC days, counted apart and left out of every other figure. */
  bot_events: number;
}

export type Interval = 'minute' | 'hour' | 'day';

export interface Volume {
  from: string;
  to: string;
  interval: Interval;
  buckets: Array<{ start: string; count: number }>;
  breakdown: {
    series: Array<{ event_name: string; total: number; counts: number[] }>;
    other: { total: number; counts: number[] };
  } | null;
}

export interface TopEvents {
  from: string;
  to: string;
  items: Array<{ event_name: string; count: number }>;
}

export interface TopPages {
  from: string;
  to: string;
  items: Array<{ path: string; views: number }>;
}

export interface EventNames {
  items: Array<{ event_name: string; count: number; last_seen: string }>;
}

export interface SessionItem {
  session_id: string;
  user_id: string | null;
  anonymous_id: string | null;
  first_seen: string;
  last_seen: string;
  duration_ms: number;
  event_count: number;
  page_views: number;
  entry_url: string | null;
  exit_url: string | null;
}

export interface SessionDetail {
  session: SessionItem;
  timeline: Page<EventItem>;
}

export interface PipelinePartition {
  topic: string;
  partition: number;
  next_offset: number;
  high_watermark: number;
  lag: number;
  last_processed_at: string | null;
  updated_at: string;
}

/** Rows a projection applied in the window (duplicates by event id excluded). */
export interface Throughput {
  applied: number;
  /** applied ÷ the window's length in seconds. */
  per_second: number;
  /** One entry per minute of the window, oldest first, zero-filled. */
  per_minute: Array<{ minute: string; applied: number }>;
}

/** Projected time − received time over the window, ms; percentiles within max(2 %, 1 ms). */
export interface Freshness {
  count: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

export interface ProjectionStatus {
  projection: string;
  lag: number;
  last_processed_at: string | null;
  updated_at: string | null;
  retry_count: number;
  dlq_count: number;
  partitions: PipelinePartition[];
  /** Absent from a query side older than these figures (the screen then shows "—"). */
  throughput?: Throughput;
  freshness?: Freshness;
}

export interface Pipeline {
  /** What `throughput` and `freshness` cover: the current minute and the `minutes − 1` before it. */
  window?: { minutes: number; from: string; to: string };
  projections: ProjectionStatus[];
}

/** Records a projection took of one writer schema id (a rebuild counts as `<projection>:rebuild`). */
export interface SchemaSeen {
  projection: string;
  records: number;
}

/** `GET /v1/contracts` of the query side (absent from older ones: 404). */
export interface Contracts {
  /** When the projections last stored the registry's catalog; null before the first time. */
  refreshed_at: string | null;
  subjects: Array<{
    record: string;
    subject: string;
    /** The level the registry enforces, e.g. FULL_TRANSITIVE; null: none. */
    compatibility: string | null;
    /** Oldest first; empty when the subject is not registered. */
    versions: Array<{ version: number; schema_id: number; seen: SchemaSeen[] }>;
  }>;
  /** Schema ids records were taken of that the stored catalog does not list. */
  unlisted: Array<{ schema_id: number; seen: SchemaSeen[] }>;
}

/** 202 of the command side's `POST /v1/admin/projections/:projection/dlq/replay`. */
export interface ReplayRequested {
  request_id: string;
  projection: string;
  requested_at: string;
}

export interface DlqRecord {
  projection: string;
  dlq_partition: number;
  dlq_offset: number;
  project_id: string | null;
  original_topic: string;
  original_partition: number;
  original_offset: number;
  error_code: string;
  error_message: string;
  attempts: number;
  failed_at: string;
  key: string | null;
  value_base64: string | null;
  replayed_at: string | null;
}

/** /config.json of the console server. */
export interface ConsoleConfig {
  /** The demo project's write key (public by nature), when the server was given one. */
  demoWriteKey: string | null;
  /** Where ingestion lives on this origin. */
  ingestPath: string;
}
