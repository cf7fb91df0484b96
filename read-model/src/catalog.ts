/**
 * The read models' catalog: which PostgreSQL schema each projection kind writes and which tables it
 * holds. The projections create and write these tables (migrations.ts); the query side reads them
 * through a read-only role. Both take the names from here, so a table is named in one place.
 *
 * Each kind keeps its tables, and its Kafka checkpoints, in a schema of its own,
 * `<prefix><kind>`: the prefix (EVENTLENS_SCHEMA_PREFIX, empty by default) lets several
 * deployments or test runs share a database. A rebuild fills `<schema>_rebuild` and renames it into
 * place, so nothing in a schema may name its own schema (the migrations' version table included).
 */

/** The projection kinds that own a schema: the two projections of the log, and the operational one. */
export const READ_MODEL_KINDS = ['analytics', 'admin', 'ops'] as const;
export type ReadModelKind = (typeof READ_MODEL_KINDS)[number];

/** Live schema names without a prefix. A rebuild uses `<name>_rebuild` and renames it. */
export const SCHEMAS: Readonly<Record<ReadModelKind, string>> = {
  analytics: 'analytics',
  admin: 'admin',
  ops: 'ops',
};

/**
 * What a schema prefix may be: empty, or lowercase letters, digits and `_` starting with a letter
 * or `_`, so every schema name is a plain PostgreSQL identifier that needs no quoting in SQL text.
 */
export const SCHEMA_PREFIX_PATTERN = /^$|^[a-z_][a-z0-9_]*$/;

/** The schema of each kind under a prefix. Throws a RangeError for a prefix SCHEMA_PREFIX_PATTERN refuses. */
export function schemaNames(prefix = ''): Record<ReadModelKind, string> {
  if (!SCHEMA_PREFIX_PATTERN.test(prefix))
    throw new RangeError(`schema prefix ${JSON.stringify(prefix)}: lowercase letters, digits and _ only`);
  return {
    analytics: `${prefix}${SCHEMAS.analytics}`,
    admin: `${prefix}${SCHEMAS.admin}`,
    ops: `${prefix}${SCHEMAS.ops}`,
  };
}

/**
 * The tables of each kind, by the name code uses for them. Every schema also holds `checkpoints`
 * (the Kafka positions, written in each batch's transaction) and the migrations' version table.
 */
export const TABLES = {
  analytics: {
    checkpoints: 'checkpoints',
    /** One row per (project, event id): the explorer. */
    events: 'events',
    /** Events per minute and event name. */
    volumeMinute: 'volume_minute',
    /** One row per session: the visits, with their entry event's attributes (source, UTM, device, country). */
    sessions: 'sessions',
    /** page_view events per hour and URL path. */
    pageViewsHour: 'page_views_hour',
    /** Unique users per UTC day. */
    dailyUsers: 'daily_users',
    /** Bot traffic per UTC day (every other aggregate leaves it out). */
    botEventsDay: 'bot_events_day',
    /**
     * The events of a project's excluded address ranges per UTC day (`context.excluded`; every other
     * aggregate leaves them out). Analytics migration 004 (file 007).
     */
    excludedEventsDay: 'excluded_events_day',
    eventNames: 'event_names',
  },
  admin: {
    checkpoints: 'checkpoints',
    projects: 'projects',
    apiKeys: 'api_keys',
    users: 'users',
    consoleSessions: 'console_sessions',
    /** One row per project whose settings were set: its default time zone and declared domains. */
    projectSettings: 'project_settings',
    /** One row per public dashboard link (admin migration 004, file 008): its token's hash, revoked or not. */
    publicLinks: 'public_links',
  },
  ops: {
    checkpoints: 'checkpoints',
    dlqRecords: 'dlq_records',
    dlqReplayRequests: 'dlq_replay_requests',
    projectionStatus: 'projection_status',
    projectionThroughput: 'projection_throughput',
    projectionFreshness: 'projection_freshness',
    schemaVersionsSeen: 'schema_versions_seen',
    contractSubjects: 'contract_subjects',
    contractVersions: 'contract_versions',
    failureCounts: 'failure_counts',
    /** Per ops name and partition, the offset below which records were counted (ops migration 002, file 017). */
    countedThrough: 'counted_through',
  },
} as const satisfies Record<ReadModelKind, Record<string, string>>;

/** The migrations' version table in every schema (knex's migrator; its lock table is `<name>_lock`). */
export const MIGRATIONS_TABLE = 'schema_migrations';

/** The tables the query side reads, each as `schema.table` under a schema prefix. */
export interface ReaderTables {
  events: string;
  volumeMinute: string;
  sessions: string;
  pageViewsHour: string;
  dailyUsers: string;
  eventNames: string;
  botEventsDay: string;
  excludedEventsDay: string;
  projects: string;
  apiKeys: string;
  users: string;
  consoleSessions: string;
  projectSettings: string;
  publicLinks: string;
  dlqRecords: string;
  projectionStatus: string;
  failureCounts: string;
  projectionThroughput: string;
  projectionFreshness: string;
  schemaVersionsSeen: string;
  contractSubjects: string;
  contractVersions: string;
}

/**
 * `schema.table` of every table the query side reads, under `prefix` (`readerTables('')` gives
 * `analytics.events`, …). The names are plain identifiers (schemaNames' rule), so they go into SQL
 * text and knex table names as they are. Throws a RangeError for a prefix schemaNames refuses.
 */
export function readerTables(prefix = ''): ReaderTables {
  const s = schemaNames(prefix);
  const { analytics: a, admin: d, ops: o } = TABLES;
  return {
    events: `${s.analytics}.${a.events}`,
    volumeMinute: `${s.analytics}.${a.volumeMinute}`,
    sessions: `${s.analytics}.${a.sessions}`,
    pageViewsHour: `${s.analytics}.${a.pageViewsHour}`,
    dailyUsers: `${s.analytics}.${a.dailyUsers}`,
    eventNames: `${s.analytics}.${a.eventNames}`,
    botEventsDay: `${s.analytics}.${a.botEventsDay}`,
    excludedEventsDay: `${s.analytics}.${a.excludedEventsDay}`,
    projects: `${s.admin}.${d.projects}`,
    apiKeys: `${s.admin}.${d.apiKeys}`,
    users: `${s.admin}.${d.users}`,
    consoleSessions: `${s.admin}.${d.consoleSessions}`,
    projectSettings: `${s.admin}.${d.projectSettings}`,
    publicLinks: `${s.admin}.${d.publicLinks}`,
    dlqRecords: `${s.ops}.${o.dlqRecords}`,
    projectionStatus: `${s.ops}.${o.projectionStatus}`,
    failureCounts: `${s.ops}.${o.failureCounts}`,
    projectionThroughput: `${s.ops}.${o.projectionThroughput}`,
    projectionFreshness: `${s.ops}.${o.projectionFreshness}`,
    schemaVersionsSeen: `${s.ops}.${o.schemaVersionsSeen}`,
    contractSubjects: `${s.ops}.${o.contractSubjects}`,
    contractVersions: `${s.ops}.${o.contractVersions}`,
  };
}

/** A quoted PostgreSQL identifier (for names that did not come through schemaNames: `<schema>_rebuild`, roles). */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The context key the ingestion API writes on an event received from an address its project
 * excludes (its settings' `excluded_address_ranges`), with the value `address`: the project's own
 * traffic, kept on the log and in `events` (the explorer lists it), left out of every report and
 * counted apart (`excluded_events_day`). Like `bot` (contracts' BOT_CONTEXT_KEY), the key's
 * presence is what counts, whatever its value. docs/DESIGN.md, "Bots and excluded traffic".
 */
export const EXCLUDED_CONTEXT_KEY = 'excluded';

/**
 * The SQL condition "counted in the reports" on `analytics.events` rows named `alias`: neither bot
 * traffic nor traffic from an excluded address range, as one parenthesised condition,
 * `((alias.context ->> 'bot') is null and (alias.context ->> 'excluded') is null)`. It is the
 * predicate of the partial index `events_page_views` (migration 002, recreated with the second
 * condition by analytics 004, file 007), and PostgreSQL uses a partial index only for a query whose
 * conditions imply its predicate, so every report writes it with this function rather than by hand.
 */
export function humanEvents(alias: string): string {
  return `((${alias}.context ->> 'bot') is null and (${alias}.context ->> '${EXCLUDED_CONTEXT_KEY}') is null)`;
}

/**
 * The longest `events.page` (bytes of UTF-8) that the covering index `events_pages` (analytics 008,
 * file 011) holds. A btree entry holds at most 2,704 bytes and a read model never refuses an event
 * the API accepted (docs/DESIGN.md, invariant 7): with the user id, anonymous id and event name as long
 * as the contracts allow (200 UTF-16 units, 600 bytes each) an entry is full at a page of 855 bytes
 * (measured on PostgreSQL 15 with characters that do not compress). A page of a URL (at most 2,048
 * units) can be longer; such events are in `events_long_pages`.
 */
export const PAGE_INDEX_MAX_BYTES = 800;

/**
 * The SQL condition "the page fits `events_pages`" on `analytics.events` rows named `alias` (an
 * event without a page included): with `humanEvents`, that index's predicate, which a query must
 * state as written here for PostgreSQL to use the partial index.
 */
export function indexedPage(alias: string): string {
  return `coalesce(octet_length(${alias}.page), 0) <= ${PAGE_INDEX_MAX_BYTES}`;
}

/** The complement of `indexedPage`: a page too long for `events_pages` (the predicate of `events_long_pages`). */
export function longPage(alias: string): string {
  return `octet_length(${alias}.page) > ${PAGE_INDEX_MAX_BYTES}`;
}

/**
 * `sessions.source` of a visit with no referrer from another site and no `utm_source`, as Plausible
 * names it: written by the analytics projection (projections/src/analytics/sources.ts), and what
 * the reports count an event of no visit (or a visit without a source) as.
 */
export const DIRECT_SOURCE = 'Direct / None';

/**
 * The span of an `analytics.sessions` row named `alias` (a visit), both ends included as its
 * `first_seen` and `last_seen` are its events' instants: `tstzrange(first_seen, last_seen, '[]')`.
 * The expression of the GiST index `sessions_span` (analytics 007, file 010), written by this
 * function wherever a query means the index to serve it (`span @> instant`: the visits going on at
 * that instant).
 */
export function visitSpan(alias: string): string {
  return `tstzrange(${alias}.first_seen, ${alias}.last_seen, '[]')`;
}
