/**
 * Applies a batch of event rows to the analytics read models, in the caller's transaction, with
 * one statement per table. The events, one row each, are COPYed straight into `events` (see
 * `insertEvents`); the aggregates, far fewer rows, each take their rows as a single JSON parameter
 * (json_to_recordset), which keeps the statement text constant and the parameter encoding native
 * (JSON.stringify).
 *
 * 1. copy into events under a savepoint; when an event id is already stored, roll back to it and
 *    copy into a staging table instead, then insert into events … select … on conflict do nothing
 *    returning (project_id, event_id)
 * 2. aggregate the rows that were inserted (./aggregate.ts), never the rows that were sent
 * 3. upsert sessions (the visits, with their entry event's attributes) and daily_users, then the
 *    shared counters: volume_minute, page_views_hour, bot_events_day, excluded_events_day,
 *    event_names
 */
import { copyCell, copyIn, ident, sqlState, type Queryable } from '../db';
import type { ApplyResult } from '../runtime/projection';
import { aggregate, utcBucketText, type Aggregates } from './aggregate';
import { V2_TEXT_FIELDS, type EventRow } from './rows';
import { VISIT_TEXT_FIELDS } from './visits';

/**
 * Timestamps travel as epoch milliseconds (cheaper than ISO text on both sides). The float8
 * division is exact to the microsecond for every millisecond in range, so nothing is rounded.
 */
const ts = (column: string) => `to_timestamp(${column}::float8 / 1000)`;

/** The columns of `sessions` that hold the entry event's visit attributes (./visits.ts), besides entry_url. */
const ENTRY_COLUMNS = ['entry_path', 'entry_referrer', 'source', ...VISIT_TEXT_FIELDS] as const;

export async function applyEvents(
  tx: Queryable,
  schema: string,
  rows: readonly EventRow[],
): Promise<ApplyResult> {
  if (rows.length === 0) return { applied: 0, failed: [] };
  const unique = dedupe(rows);
  const inserted = await insertEvents(tx, schema, unique);
  await upsertAggregates(tx, schema, aggregate(inserted));
  return { applied: inserted.length, failed: [] };
}

/**
 * First occurrence (lowest offset) wins. Not sorted: two batches only wait on each other's event
 * rows when they carry the same event id (a client retry split across partitions); the rare
 * deadlock that could follow is a transient error and the batch is retried.
 */
function dedupe(rows: readonly EventRow[]): EventRow[] {
  const seen = new Set<string>();
  const unique: EventRow[] = [];
  for (const row of rows) {
    const key = row.project_id + row.event_id;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(row);
  }
  return unique;
}

/**
 * The columns of `events` a batch writes with their types, in the order of a line of `eventLine`:
 * the COPY's column list and the staging table's shape (`insertNew`) both come from here.
 */
const EVENT_COLUMN_TYPES: readonly (readonly [name: string, type: string])[] = [
  ['project_id', 'uuid'],
  ['event_id', 'uuid'],
  ['event_name', 'text'],
  ['session_id', 'text'],
  ['user_id', 'text'],
  ['anonymous_id', 'text'],
  ['ts', 'timestamptz'],
  ['received_at', 'timestamptz'],
  ['url', 'text'],
  ['page', 'text'],
  ['referrer', 'text'],
  ['metadata', 'jsonb'],
  ['context', 'jsonb'],
  ...V2_TEXT_FIELDS.map((f) => [f, 'text'] as const),
  ['screen_width', 'integer'],
  ['screen_height', 'integer'],
  ['client_sent_at', 'timestamptz'],
  ['leave_duration_ms', 'double precision'],
  ['leave_scroll_depth', 'double precision'],
];
const EVENT_COLUMNS = EVENT_COLUMN_TYPES.map(([name]) => name);

/**
 * A timestamp (epoch ms) as COPY text, which timestamptz reads without a function call: ISO 8601
 * in UTC, exact to the millisecond (rows.ts keeps it within years 1000 to 9999). The text up to
 * the minute is memoised (`utcBucketText`); seconds and milliseconds are written here.
 */
export function copyTime(ms: number | null): string {
  if (ms === null) return '\\N';
  const inMinute = ms - Math.floor(ms / MINUTE) * MINUTE;
  const seconds = Math.floor(inMinute / 1000);
  const millis = inMinute - seconds * 1000;
  return `${utcMinute(ms)}${seconds < 10 ? '0' : ''}${seconds}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}
const MINUTE = 60_000;
/** YYYY-MM-DDTHH:MM: of a timestamp. */
const utcMinute = utcBucketText(MINUTE, 17);

/** A row as one line of COPY text, in EVENT_COLUMNS' order. */
function eventLine(r: EventRow): string {
  const v2 = r.v2;
  let line = `${r.project_id}\t${r.event_id}\t${copyCell(r.event_name)}\t${copyCell(r.session_id)}\t${copyCell(r.user_id)}\t${copyCell(r.anonymous_id)}\t${copyTime(r.ts)}\t${copyTime(r.received_at)}\t${copyCell(r.url)}\t${copyCell(r.page)}\t${copyCell(r.referrer)}\t${copyCell(r.metadata_json)}\t${copyCell(JSON.stringify(r.context))}`;
  if (v2 === undefined) line += NO_V2;
  else {
    for (const field of V2_TEXT_FIELDS) line += `\t${copyCell(v2[field])}`;
    line += `\t${copyCell(v2.screen_width)}\t${copyCell(v2.screen_height)}\t${copyTime(v2.client_sent_at)}`;
  }
  return `${line}\t${copyCell(r.leave_duration_ms)}\t${copyCell(r.leave_scroll_depth)}\n`;
}
const NO_V2 = '\t\\N'.repeat(V2_TEXT_FIELDS.length + 3);

/** unique_violation: an event id of the batch is already in `events`. */
const UNIQUE_VIOLATION = '23505';

/**
 * Inserts the batch's events (distinct ids) and returns the ones that were not stored yet.
 *
 * COPY straight into `events`, under a savepoint: nearly every batch holds only new events, and a
 * plain COPY costs PostgreSQL about a quarter to a third less CPU per row than going through a
 * staging table and an `insert … select … on conflict do nothing returning` (scripts/insert-probe.ts
 * on a loaded 2-core machine: copyDirect 51–60 µs, copyStagingDeleteInsert 78–81), and nothing
 * comes back for Node to parse. COPY cannot skip a conflict: an event id that is already stored
 * (a client retry appended twice, in an earlier batch or in one being applied on another
 * partition, which COPY waits for as an insert does) fails it with a unique violation. Then the
 * batch rolls back to the savepoint and takes `insertNew`, which stores only the new events and
 * says which they were, so every aggregate still counts each event once.
 */
async function insertEvents(tx: Queryable, schema: string, rows: EventRow[]): Promise<EventRow[]> {
  let text = '';
  for (const row of rows) text += eventLine(row);
  await tx.query('savepoint copy_events');
  try {
    await copyIn(tx, `${ident(schema)}.events (${EVENT_COLUMNS.join(', ')})`, text);
  } catch (error) {
    if (sqlState(error) !== UNIQUE_VIOLATION) throw error;
    await tx.query('rollback to savepoint copy_events');
    await tx.query('release savepoint copy_events');
    return insertNew(tx, schema, rows, text);
  }
  await tx.query('release savepoint copy_events');
  return rows;
}

/**
 * The staging table of `insertNew`: temporary (one per connection, never WAL-logged), emptied at
 * every commit, with EVENT_COLUMN_TYPES' columns in their order. Its name is the same in every schema
 * a connection serves; its shape does not depend on the schema.
 */
const STAGING = 'eventlens_events_staging';
const STAGING_COLUMNS = EVENT_COLUMN_TYPES.map(([name, type]) => `${name} ${type}`);

/**
 * The batch's COPY text (`eventLine`s) into the staging table, then one `insert … select … on
 * conflict do nothing returning`: the events already stored are skipped, and the rows that come
 * back are the ones inserted. The insert drains the staging table (`delete … returning`) so that a
 * second call in the same transaction (the savepoint halving of runtime/apply.ts) never sees the
 * first one's rows.
 */
async function insertNew(tx: Queryable, schema: string, rows: EventRow[], text: string): Promise<EventRow[]> {
  const columns = EVENT_COLUMNS.join(', ');
  // A no-op (with a notice) once the connection has it; rolled back with a failed batch, then made again.
  await tx.query(
    `create temp table if not exists ${STAGING} (${STAGING_COLUMNS.join(', ')}) on commit delete rows`,
  );
  await copyIn(tx, STAGING, text);
  const result = await tx.query<{ project_id: string; event_id: string }>(
    `with staged as (delete from ${STAGING} returning *)
     insert into ${ident(schema)}.events (${columns})
     select ${columns} from staged
     on conflict do nothing
     returning project_id, event_id`,
  );
  if (result.rows.length === rows.length) return rows;
  const inserted = new Set(result.rows.map((r) => r.project_id + r.event_id));
  return rows.filter((r) => inserted.has(r.project_id + r.event_id));
}

async function upsertAggregates(tx: Queryable, schema: string, agg: Aggregates): Promise<void> {
  const s = ident(schema);
  // Per-session and per-user rows first; the rows many batches share (a minute's count of a popular
  // event, a popular page, an event name) last, so their row locks are held for the shortest time
  // when partitions are applied concurrently.
  if (agg.sessions.length > 0) {
    // `t.*` is the stored row, `excluded.*` this batch's summary. Entry/exit move only to an
    // event that is strictly earlier/later by (ts, event_id), so arrival order does not matter;
    // the visit's attributes are the entry event's, so they move with entry_event_id, all together.
    // The visitor keys are a set: the stored ones, and this batch's when it brings one not among them.
    const entryEarlier = `(excluded.first_seen, excluded.entry_event_id) < (t.first_seen, t.entry_event_id)`;
    const exitLater = `(excluded.last_seen, excluded.exit_event_id) > (t.last_seen, t.exit_event_id)`;
    const take = (when: string, column: string) =>
      `${column} = case when ${when} then excluded.${column} else t.${column} end`;
    await tx.query(
      `insert into ${s}.sessions as t
         (project_id, session_id, user_id, anonymous_id, first_seen, last_seen, event_count, page_views,
          entry_url, exit_url, entry_event_id, exit_event_id, engagement_events, visitor_keys, exit_path,
          ${ENTRY_COLUMNS.join(', ')})
       select p, s, u, a, ${ts('f')}, ${ts('l')}, c, v, eu, xu, ei, xi, g, k, exit_path, ${ENTRY_COLUMNS.join(', ')}
         from json_to_recordset($1::json) as x(p uuid, s text, u text, a text, f bigint, l bigint,
                                               c bigint, v bigint, eu text, xu text, ei uuid, xi uuid,
                                               g bigint, k text[], exit_path text,
                                               ${ENTRY_COLUMNS.map((c) => `${c} text`).join(', ')})
       on conflict (project_id, session_id) do update set
         first_seen = least(t.first_seen, excluded.first_seen),
         last_seen = greatest(t.last_seen, excluded.last_seen),
         event_count = t.event_count + excluded.event_count,
         page_views = t.page_views + excluded.page_views,
         engagement_events = t.engagement_events + excluded.engagement_events,
         visitor_keys = case when excluded.visitor_keys <@ t.visitor_keys then t.visitor_keys
                             else array(select distinct unnest(t.visitor_keys || excluded.visitor_keys)) end,
         ${['entry_url', 'entry_event_id', ...ENTRY_COLUMNS].map((c) => take(entryEarlier, c)).join(',\n         ')},
         ${['exit_url', 'exit_event_id', 'exit_path'].map((c) => take(exitLater, c)).join(',\n         ')},
         user_id = case when excluded.user_id is null then t.user_id
                        when t.user_id is null then excluded.user_id
                        when ${exitLater} then excluded.user_id else t.user_id end,
         anonymous_id = case when excluded.anonymous_id is null then t.anonymous_id
                             when t.anonymous_id is null then excluded.anonymous_id
                             when ${exitLater} then excluded.anonymous_id else t.anonymous_id end`,
      [
        JSON.stringify(
          agg.sessions.map(
            (r) =>
              ({
                p: r.project_id,
                s: r.session_id,
                u: r.user_id,
                a: r.anonymous_id,
                f: r.first_seen,
                l: r.last_seen,
                c: r.event_count,
                v: r.page_views,
                eu: r.entry_url,
                xu: r.exit_url,
                ei: r.entry_event_id,
                xi: r.exit_event_id,
                g: r.engagement_events,
                k: r.visitor_keys,
                exit_path: r.exit_path,
                // ENTRY_COLUMNS, written out: a spread of a built object costs several µs per row.
                entry_path: r.entry_path,
                entry_referrer: r.entry_referrer,
                source: r.source,
                utm_source: r.utm_source,
                utm_medium: r.utm_medium,
                utm_campaign: r.utm_campaign,
                utm_term: r.utm_term,
                utm_content: r.utm_content,
                browser: r.browser,
                browser_version: r.browser_version,
                os: r.os,
                os_version: r.os_version,
                device_type: r.device_type,
                country: r.country,
              }) satisfies Record<(typeof ENTRY_COLUMNS)[number], string | null> & Record<string, unknown>,
          ),
        ),
      ],
    );
  }
  if (agg.dailyUsers.length > 0) {
    await tx.query(
      `insert into ${s}.daily_users (project_id, day, user_key)
       select p, d, k from json_to_recordset($1::json) as x(p uuid, d date, k text)
       on conflict do nothing`,
      [JSON.stringify(agg.dailyUsers.map((r) => ({ p: r.project_id, d: r.day, k: r.user_key })))],
    );
  }
  if (agg.volume.length > 0) {
    await tx.query(
      `insert into ${s}.volume_minute as t (project_id, minute, event_name, count)
       select p, ${ts('m')}, n, c from json_to_recordset($1::json) as x(p uuid, m bigint, n text, c bigint)
       on conflict (project_id, minute, event_name) do update set count = t.count + excluded.count`,
      [
        JSON.stringify(
          agg.volume.map((r) => ({ p: r.project_id, m: r.minute, n: r.event_name, c: r.count })),
        ),
      ],
    );
  }
  if (agg.pages.length > 0) {
    await tx.query(
      `insert into ${s}.page_views_hour as t (project_id, hour, path, views)
       select p, ${ts('h')}, u, v from json_to_recordset($1::json) as x(p uuid, h bigint, u text, v bigint)
       on conflict (project_id, hour, md5(path)) do update set views = t.views + excluded.views`,
      [JSON.stringify(agg.pages.map((r) => ({ p: r.project_id, h: r.hour, u: r.path, v: r.views })))],
    );
  }
  for (const [table, rows] of [
    ['bot_events_day', agg.bots],
    ['excluded_events_day', agg.excluded],
  ] as const) {
    if (rows.length === 0) continue;
    await tx.query(
      `insert into ${s}.${table} as t (project_id, day, count)
       select p, d, c from json_to_recordset($1::json) as x(p uuid, d date, c bigint)
       on conflict (project_id, day) do update set count = t.count + excluded.count`,
      [JSON.stringify(rows.map((r) => ({ p: r.project_id, d: r.day, c: r.count })))],
    );
  }
  if (agg.names.length > 0) {
    await tx.query(
      `insert into ${s}.event_names as t (project_id, event_name, count, last_seen)
       select p, n, c, ${ts('l')} from json_to_recordset($1::json) as x(p uuid, n text, c bigint, l bigint)
       on conflict (project_id, event_name) do update
         set count = t.count + excluded.count, last_seen = greatest(t.last_seen, excluded.last_seen)`,
      [
        JSON.stringify(
          agg.names.map((r) => ({ p: r.project_id, n: r.event_name, c: r.count, l: r.last_seen })),
        ),
      ],
    );
  }
}
