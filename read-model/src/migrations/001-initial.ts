/**
 * Migration 001 of every kind: the read models as the `create … if not exists` DDL of the releases
 * before the version table built them, statement for statement. It stays idempotent on purpose:
 * run on a schema one of those releases made (which has no version table), it creates what is
 * missing (`add column if not exists` included, so a schema of an even older release gains the
 * columns added since) and touches no row; the migrator then records it, and later migrations run
 * as on a fresh schema. Migrations after this one are plain DDL: the version table runs each once.
 *
 * Times are timestamptz; ids given by clients are text (bounded by the contracts), ids made by
 * EventLens are uuid. The SQL names its schema only through the `schema` parameter, because a
 * rebuild migrates `<schema>_rebuild` and renames it into place.
 *
 * Why some columns exist:
 * - `sessions.entry_event_id`, `sessions.exit_event_id` (uuid): the event that set entry_url /
 *   exit_url. Ties on ts are broken by event id, so the entry and exit URLs are the same whatever
 *   order the events arrive in (across batches, partitions, retries).
 * - `dlq_records.generation` and the unique index `dlq_records_origin` on (projection, original
 *   coordinates, generation): a failed record forwarded twice (a worker crashed after producing to
 *   the retry topic and before committing) is indexed once. The generation counts DLQ replays, so a
 *   record that fails again after a replay gets a new row.
 * - `console_sessions.started_at`, `expires_at` nullable: a revocation that arrives before its
 *   start makes the row with null start and expiry; the start fills them in. The query side
 *   refuses a session whose row has `revoked_at`.
 */

import { ident as q } from '../catalog';

/** Every schema's Kafka checkpoints, moved in each batch's transaction. */
export function checkpointsDdl(schema: string): string {
  return `
create table if not exists ${q(schema)}.checkpoints (
  topic        text    not null,
  partition    integer not null,
  next_offset  bigint  not null,   -- the offset of the next record to apply
  updated_at   timestamptz not null default now(),
  primary key (topic, partition)
);`;
}

/** SQL text (several statements): the `analytics` schema, built from eventlens.events in one transaction per batch. */
export function analyticsDdl(schema: string): string {
  const s = q(schema);
  return `
create schema if not exists ${s};
${checkpointsDdl(schema)}

-- The explorer. One row per (project, event id): a client retry appended twice counts once.
create table if not exists ${s}.events (
  project_id    uuid        not null,
  event_id      uuid        not null,
  event_name    text        not null,
  session_id    text,
  user_id       text,
  anonymous_id  text,
  ts            timestamptz not null,  -- when it happened (client clock)
  received_at   timestamptz not null,  -- when the ingestion API accepted it
  url           text,
  referrer      text,
  metadata      jsonb       not null default '{}',
  context       jsonb       not null default '{}',
  primary key (project_id, event_id)
);
-- Keyset pagination, latest first: (ts, event_id) is the cursor.
create index if not exists events_keyset on ${s}.events (project_id, ts desc, event_id desc);
create index if not exists events_by_name on ${s}.events (project_id, event_name, ts desc, event_id desc);
create index if not exists events_by_user on ${s}.events (project_id, user_id, ts desc, event_id desc) where user_id is not null;
create index if not exists events_by_session on ${s}.events (project_id, session_id, ts desc, event_id desc) where session_id is not null;
-- EventTracked v2 (docs/contracts.md): the typed page context and what the ingestion API derived from
-- the request; null for records written as v1.
alter table ${s}.events
  add column if not exists page_title      text,
  add column if not exists utm_source      text,
  add column if not exists utm_medium      text,
  add column if not exists utm_campaign    text,
  add column if not exists utm_term        text,
  add column if not exists utm_content     text,
  add column if not exists screen_width    integer,
  add column if not exists screen_height   integer,
  add column if not exists language        text,
  add column if not exists time_zone       text,
  add column if not exists client_sent_at  timestamptz,
  add column if not exists browser         text,
  add column if not exists browser_version text,
  add column if not exists os              text,
  add column if not exists os_version      text,
  add column if not exists device_type     text,
  add column if not exists country         text;

-- The volume chart: events per minute and event name, derived from rows actually inserted.
create table if not exists ${s}.volume_minute (
  project_id  uuid        not null,
  minute      timestamptz not null,
  event_name  text        not null,
  count       bigint      not null,
  primary key (project_id, minute, event_name)
);

create table if not exists ${s}.sessions (
  project_id    uuid        not null,
  session_id    text        not null,
  user_id       text,
  anonymous_id  text,
  first_seen    timestamptz not null,
  last_seen     timestamptz not null,
  event_count   bigint      not null,
  page_views    bigint      not null default 0,
  entry_url     text,        -- url of the earliest event (by ts)
  exit_url      text,        -- url of the latest event (by ts)
  primary key (project_id, session_id)
);
-- The events that set entry_url and exit_url (ties on ts broken by event id), and the duration.
alter table ${s}.sessions add column if not exists entry_event_id uuid;
alter table ${s}.sessions add column if not exists exit_event_id uuid;
alter table ${s}.sessions add column if not exists duration_ms bigint
  generated always as ((extract(epoch from (last_seen - first_seen)) * 1000)::bigint) stored;
create index if not exists sessions_recent on ${s}.sessions (project_id, last_seen desc, session_id desc);

-- Top pages: page_view events per hour and URL path (no query string).
create table if not exists ${s}.page_views_hour (
  project_id  uuid        not null,
  hour        timestamptz not null,
  path        text        not null,
  views       bigint      not null,
  primary key (project_id, hour, path)
);

-- Unique users per day: user_id when identified, else anonymous_id.
create table if not exists ${s}.daily_users (
  project_id  uuid not null,
  day         date not null,
  user_key    text not null,
  primary key (project_id, day, user_key)
);

-- Bot traffic (events the ingestion API marked with context.bot), counted apart per UTC day:
-- every other aggregate leaves it out, so the reports show people only.
create table if not exists ${s}.bot_events_day (
  project_id  uuid   not null,
  day         date   not null,
  count       bigint not null,
  primary key (project_id, day)
);

-- Per-minute event names, for the explorer's name suggestions and top events.
create table if not exists ${s}.event_names (
  project_id  uuid        not null,
  event_name  text        not null,
  count       bigint      not null,
  last_seen   timestamptz not null,
  primary key (project_id, event_name)
);`;
}

/** SQL text (several statements): the `admin` schema, built from eventlens.admin. */
export function adminDdl(schema: string): string {
  const s = q(schema);
  return `
create schema if not exists ${s};
${checkpointsDdl(schema)}

create table if not exists ${s}.projects (
  project_id  uuid        primary key,
  name        text        not null,
  created_at  timestamptz not null,
  created_by  text
);

create table if not exists ${s}.api_keys (
  key_id      uuid        primary key,
  project_id  uuid        not null,
  kind        text        not null check (kind in ('write', 'read')),
  name        text        not null,
  key_hash    text        not null unique,  -- hex SHA-256; the key itself is never stored
  key_prefix  text        not null,
  issued_at   timestamptz not null,
  revoked_at  timestamptz
);
create index if not exists api_keys_by_project on ${s}.api_keys (project_id, issued_at desc);

create table if not exists ${s}.users (
  user_id        uuid        primary key,
  email          text        not null unique,
  name           text,
  password_hash  text        not null,
  registered_at  timestamptz not null
);

-- Console logins (ConsoleSessionStarted) and their revocations (ConsoleSessionRevoked), per session id.
create table if not exists ${s}.console_sessions (
  session_id  uuid        primary key,
  user_id     uuid        not null,
  started_at  timestamptz,
  expires_at  timestamptz,
  user_agent  text,
  revoked_at  timestamptz,
  revoked_by  text
);
create index if not exists console_sessions_by_user on ${s}.console_sessions (user_id, started_at desc);`;
}

/**
 * SQL text (several statements): the operational read models, the DLQ contents (so the console can show failed events) and each
 * projection's progress (so the query side can report lag without talking to Kafka).
 */
export function opsDdl(schema: string): string {
  const s = q(schema);
  return `
create schema if not exists ${s};
${checkpointsDdl(schema)}

create table if not exists ${s}.dlq_records (
  projection        text        not null,
  dlq_partition     integer     not null,
  dlq_offset        bigint      not null,
  project_id        uuid,               -- when the record could be attributed to a project
  original_topic    text        not null,
  original_partition integer    not null,
  original_offset   bigint      not null,
  error_code        text        not null,
  error_message     text        not null,
  attempts          integer     not null,
  failed_at         timestamptz not null,
  key               text,
  value_base64      text,               -- the raw record, decodable or not
  replayed_at       timestamptz,
  primary key (projection, dlq_partition, dlq_offset)
);
create index if not exists dlq_recent on ${s}.dlq_records (projection, failed_at desc);
-- A record forwarded twice is indexed once; a replay that fails again makes a new generation.
alter table ${s}.dlq_records add column if not exists generation integer not null default 0;
create unique index if not exists dlq_records_origin on ${s}.dlq_records
  (projection, original_topic, original_partition, original_offset, generation);

-- DLQ replays requested through the admin topic, each run once (written with the ops checkpoint).
create table if not exists ${s}.dlq_replay_requests (
  request_id        uuid        primary key,
  projection        text        not null,
  requested_at      timestamptz not null,
  requested_by      text,
  handled_at        timestamptz not null default now(),
  replayed          integer     not null default 0
);

create table if not exists ${s}.projection_status (
  projection        text        not null,
  topic             text        not null,
  partition         integer     not null,
  next_offset       bigint      not null,  -- checkpoint
  high_watermark    bigint      not null,  -- log end offset when last looked
  last_processed_at timestamptz,
  updated_at        timestamptz not null default now(),
  primary key (projection, topic, partition)
);

-- Per projection and UTC minute, the rows applied and a log-scale histogram of their freshness
-- (freshness.ts), written in each batch's transaction and pruned after 24 h.
create table if not exists ${s}.projection_throughput (
  minute      timestamptz not null,
  projection  text        not null,
  applied     bigint      not null,   -- rows that changed the read model
  primary key (minute, projection)
);
create table if not exists ${s}.projection_freshness (
  minute      timestamptz not null,
  projection  text        not null,
  bucket      smallint    not null,   -- DDSketch bucket index: (γ^(bucket-1), γ^bucket] ms
  value_ms    double precision not null,  -- the bucket's representative freshness, ms
  count       bigint      not null,
  primary key (minute, projection, bucket)
);

-- The contracts as the operator sees them (projections' ops/contracts.ts): records
-- taken per projection and writer schema id (in each batch's transaction), and the registry's
-- subjects, levels and versions (replaced by the status refresher).
create table if not exists ${s}.schema_versions_seen (
  projection  text    not null,
  schema_id   integer not null,   -- the writer schema id of the records (Confluent wire format)
  records     bigint  not null,
  primary key (projection, schema_id)
);
create table if not exists ${s}.contract_subjects (
  record        text        primary key,   -- the Avro record name, e.g. EventTracked
  subject       text        not null,      -- its registry subject
  compatibility text,                      -- the level the registry enforces; null: none
  refreshed_at  timestamptz not null
);
create table if not exists ${s}.contract_versions (
  subject    text    not null,
  version    integer not null,
  schema_id  integer not null,
  primary key (subject, version)
);

create table if not exists ${s}.failure_counts (
  projection  text    not null,
  stage       text    not null check (stage in ('retry', 'dlq')),
  count       bigint  not null,
  primary key (projection, stage)
);`;
}
