/**
 * The pipeline's health, from the operational read models the projections keep (`ops`), so the
 * query side reports lag without talking to Kafka: per projection its lag and failures, and over
 * the last `minutes` its throughput and freshness (projected time − received time).
 *
 * Freshness comes from ops.projection_freshness, a fixed log-scale histogram per projection and
 * minute (DDSketch's mapping, relative accuracy 2 %; projections/src/ops/activity.ts). The
 * minutes of the window are merged by adding counts, and a quantile is the nearest-rank one: the
 * representative value of the bucket holding the ⌈q·n⌉-th smallest sample. It is within
 * max(2 % of the exact nearest-rank quantile, 1 ms) (up to 30 days). Throughput comes from
 * ops.projection_throughput (rows applied per minute). Both are written in each batch's
 * transaction, so they are exact for the minutes they cover.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { TABLES } from '../db';
import { cursorTimestampSql, decodeCursor, encodeCursor } from '../http/cursor';
import { cursorParam, limitParam } from '../http/params';
import { defineRoute, type AnyRoute } from '../http/route';
import { NextCursor, Timestamp, Uuid, toCount, toIso, toIsoOrNull } from './schemas';

const Partition = z.object({
  topic: z.string(),
  partition: z.number().int(),
  next_offset: z.number().int(),
  high_watermark: z.number().int(),
  lag: z.number().int().meta({ description: 'max(0, high_watermark − next_offset).' }),
  last_processed_at: Timestamp.nullable(),
  updated_at: Timestamp,
});

/** The window of the throughput and freshness figures, in minutes ending now. */
export const MAX_WINDOW_MINUTES = 1440;
export const DEFAULT_WINDOW_MINUTES = 15;

export const PipelineQuery = z.strictObject({
  minutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_WINDOW_MINUTES)
    .default(DEFAULT_WINDOW_MINUTES)
    .meta({
      description:
        'Window of the throughput and freshness figures: the current UTC minute and the minutes − 1 before ' +
        `it, 1-${MAX_WINDOW_MINUTES} (default ${DEFAULT_WINDOW_MINUTES}; the projections keep 24 h).`,
    }),
});

const Throughput = z
  .object({
    applied: z
      .number()
      .int()
      .meta({ description: 'Rows applied to the read model in the window (duplicates excluded).' }),
    per_second: z
      .number()
      .meta({ description: 'applied ÷ the window’s length in seconds (from its first minute to now).' }),
    per_minute: z.array(z.object({ minute: Timestamp, applied: z.number().int() })).meta({
      description: 'One entry per minute of the window, oldest first; minutes with nothing applied are 0.',
    }),
  })
  .meta({ id: 'Throughput' });

const Freshness = z
  .object({
    count: z
      .number()
      .int()
      .meta({ description: 'Rows measured in the window (duplicates by event id included).' }),
    p50_ms: z.number().nullable().meta({
      description: 'Median of projected time − received time, ms, within max(2 %, 1 ms); null with no rows.',
    }),
    p99_ms: z.number().nullable().meta({
      description:
        '99th percentile of projected time − received time, ms, within max(2 %, 1 ms); null with no rows.',
    }),
  })
  .meta({ id: 'Freshness' });

export const Pipeline = z
  .object({
    window: z
      .object({
        minutes: z.number().int(),
        from: Timestamp.meta({ description: 'Start of the window’s first minute.' }),
        to: Timestamp.meta({ description: 'Now, as the database tells it.' }),
      })
      .meta({ description: 'What `throughput` and `freshness` cover.' }),
    projections: z.array(
      z.object({
        projection: z.string(),
        lag: z
          .number()
          .int()
          .meta({ description: 'Records not yet applied: the sum of the partitions’ lag.' }),
        last_processed_at: Timestamp.nullable().meta({ description: 'Latest over the partitions.' }),
        updated_at: Timestamp.nullable().meta({ description: 'When the status was last written.' }),
        retry_count: z.number().int().meta({ description: 'Records sent to the retry topics so far.' }),
        dlq_count: z.number().int().meta({ description: 'Records sent to the DLQ so far.' }),
        partitions: z.array(Partition),
        throughput: Throughput,
        freshness: Freshness,
      }),
    ),
  })
  .meta({ id: 'Pipeline' });

export const DlqQuery = z.strictObject({
  projection: z.string().min(1).max(200).optional().meta({ description: 'Only this projection’s DLQ.' }),
  cursor: cursorParam,
  limit: limitParam(50),
});

export const DlqRecord = z
  .object({
    projection: z.string(),
    dlq_partition: z.number().int(),
    dlq_offset: z.number().int(),
    project_id: Uuid.nullable().meta({
      description: 'Null when the record could not be attributed (console only).',
    }),
    original_topic: z.string(),
    original_partition: z.number().int(),
    original_offset: z.number().int(),
    error_code: z.string(),
    error_message: z.string(),
    attempts: z.number().int(),
    failed_at: Timestamp,
    key: z.string().nullable(),
    value_base64: z.string().nullable().meta({ description: 'The raw record, decodable or not.' }),
    replayed_at: Timestamp.nullable(),
  })
  .meta({ id: 'DlqRecord' });

export const DlqPage = z
  .object({ items: z.array(DlqRecord), next_cursor: NextCursor })
  .meta({ id: 'DlqPage' });

interface StatusRow {
  projection: string;
  topic: string;
  partition: number;
  next_offset: string;
  high_watermark: string;
  last_processed_at: Date | null;
  updated_at: Date;
}

const latest = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);

interface WindowRow {
  now: Date;
  start: Date;
}

interface FreshnessRow {
  projection: string;
  count: string;
  p50_ms: number | null;
  p99_ms: number | null;
}

const MINUTE_MS = 60_000;

/** Merges the window's histograms per projection and reads the nearest-rank p50 and p99 off them. */
const FRESHNESS_SQL = `
with merged as (
  select projection, bucket, min(value_ms) as value_ms, sum(count) as n
    from ${TABLES.projectionFreshness}
   where minute >= ? and minute < ?
   group by projection, bucket
), ranked as (
  select projection, value_ms,
         sum(n) over (partition by projection order by bucket) as below,
         sum(n) over (partition by projection) as total
    from merged
)
select projection, max(total) as count,
       min(value_ms) filter (where below >= greatest(1, ceil(0.5 * total))) as p50_ms,
       min(value_ms) filter (where below >= greatest(1, ceil(0.99 * total))) as p99_ms
  from ranked
 group by projection`;

export async function pipeline(
  db: Knex,
  minutes: number = DEFAULT_WINDOW_MINUTES,
): Promise<z.input<typeof Pipeline>> {
  const {
    rows: [window],
  } = await db.raw<{ rows: WindowRow[] }>(
    `select now() as now, date_trunc('minute', now()) - make_interval(mins => ?::int) as start`,
    [minutes - 1],
  );
  const start = window!.start.getTime();
  const end = start + minutes * MINUTE_MS;
  const [status, failures, throughput, freshness] = await Promise.all([
    db(TABLES.projectionStatus)
      .select<StatusRow[]>(
        'projection',
        'topic',
        'partition',
        'next_offset',
        'high_watermark',
        'last_processed_at',
        'updated_at',
      )
      .orderBy(['projection', 'topic', 'partition']),
    db(TABLES.failureCounts).select<Array<{ projection: string; stage: 'retry' | 'dlq'; count: string }>>(
      'projection',
      'stage',
      'count',
    ),
    db(TABLES.projectionThroughput)
      .select<Array<{ projection: string; minute: Date; applied: string }>>('projection', 'minute', 'applied')
      .where('minute', '>=', new Date(start))
      .andWhere('minute', '<', new Date(end)),
    db.raw<{ rows: FreshnessRow[] }>(FRESHNESS_SQL, [new Date(start), new Date(end)]),
  ]);
  const seconds = Math.max(1, (window!.now.getTime() - start) / 1000);
  type Entry = z.input<typeof Pipeline>['projections'][number];
  const byName = new Map<string, Entry>();
  const entry = (projection: string): Entry => {
    let e = byName.get(projection);
    if (!e) {
      e = {
        projection,
        lag: 0,
        last_processed_at: null,
        updated_at: null,
        retry_count: 0,
        dlq_count: 0,
        partitions: [],
        throughput: {
          applied: 0,
          per_second: 0,
          per_minute: Array.from({ length: minutes }, (_, i) => ({
            minute: toIso(new Date(start + i * MINUTE_MS)),
            applied: 0,
          })),
        },
        freshness: { count: 0, p50_ms: null, p99_ms: null },
      };
      byName.set(projection, e);
    }
    return e;
  };
  for (const row of status) {
    const e = entry(row.projection);
    // A high watermark read before the last commit can trail the checkpoint: that is no lag.
    const lag = Math.max(0, toCount(row.high_watermark) - toCount(row.next_offset));
    const lastProcessed = toIsoOrNull(row.last_processed_at);
    const updated = toIso(row.updated_at);
    e.lag += lag;
    e.last_processed_at = latest(e.last_processed_at ?? null, lastProcessed);
    e.updated_at = latest(e.updated_at ?? null, updated);
    e.partitions.push({
      topic: row.topic,
      partition: row.partition,
      next_offset: toCount(row.next_offset),
      high_watermark: toCount(row.high_watermark),
      lag,
      last_processed_at: lastProcessed,
      updated_at: updated,
    });
  }
  for (const row of failures) {
    const e = entry(row.projection);
    if (row.stage === 'retry') e.retry_count = toCount(row.count);
    else e.dlq_count = toCount(row.count);
  }
  for (const row of throughput) {
    const e = entry(row.projection);
    const applied = toCount(row.applied);
    e.throughput.applied += applied;
    e.throughput.per_minute[Math.round((row.minute.getTime() - start) / MINUTE_MS)]!.applied += applied;
  }
  for (const e of byName.values()) e.throughput.per_second = e.throughput.applied / seconds;
  for (const row of freshness.rows) {
    entry(row.projection).freshness = {
      count: toCount(row.count),
      p50_ms: row.p50_ms,
      p99_ms: row.p99_ms,
    };
  }
  return {
    window: { minutes, from: toIso(new Date(start)), to: toIso(window!.now) },
    projections: [...byName.values()].sort((a, b) => a.projection.localeCompare(b.projection)),
  };
}

interface DlqRow {
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
  failed_at_key: string;
}

export interface DlqInput {
  projectId: string;
  /** Console sessions also see records that could not be attributed to a project. */
  includeUnattributed: boolean;
  projection?: string;
  cursor?: string;
  limit: number;
}

export async function listDlq(db: Knex, input: DlqInput): Promise<z.input<typeof DlqPage>> {
  const q = db(TABLES.dlqRecords).select<DlqRow[]>([
    'projection',
    'dlq_partition',
    'dlq_offset',
    'project_id',
    'original_topic',
    'original_partition',
    'original_offset',
    'error_code',
    'error_message',
    'attempts',
    'failed_at',
    'key',
    'value_base64',
    'replayed_at',
    db.raw(`${cursorTimestampSql('failed_at')} as failed_at_key`),
  ]);
  q.where((w) => {
    w.where('project_id', input.projectId);
    if (input.includeUnattributed) w.orWhereNull('project_id');
  });
  if (input.projection !== undefined) q.where('projection', input.projection);
  if (input.cursor !== undefined) {
    const [failedAt, projection, partition, offset] = decodeCursor('dlq', input.cursor);
    q.whereRaw('(failed_at, projection, dlq_partition, dlq_offset) < (?::timestamptz, ?, ?, ?)', [
      failedAt,
      projection,
      partition,
      offset,
    ]);
  }
  const rows = await q
    .orderBy([
      { column: 'failed_at', order: 'desc' },
      { column: 'projection', order: 'desc' },
      { column: 'dlq_partition', order: 'desc' },
      { column: 'dlq_offset', order: 'desc' },
    ])
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      projection: r.projection,
      dlq_partition: r.dlq_partition,
      dlq_offset: toCount(r.dlq_offset),
      project_id: r.project_id,
      original_topic: r.original_topic,
      original_partition: r.original_partition,
      original_offset: toCount(r.original_offset),
      error_code: r.error_code,
      error_message: r.error_message,
      attempts: r.attempts,
      failed_at: toIso(r.failed_at),
      key: r.key,
      value_base64: r.value_base64,
      replayed_at: toIsoOrNull(r.replayed_at),
    })),
    next_cursor:
      rows.length > input.limit && last
        ? encodeCursor('dlq', [
            last.failed_at_key,
            last.projection,
            last.dlq_partition,
            toCount(last.dlq_offset),
          ])
        : null,
  };
}

export function opsRoutes(db: Knex): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/pipeline',
      tag: 'pipeline',
      summary: 'Each projection’s lag, failures, throughput and freshness',
      description:
        'Install-wide operational status (ops.projection_status, ops.failure_counts, ops.projection_throughput, ' +
        'ops.projection_freshness): it has no per-project rows, so any read key or console session may read it. ' +
        'Throughput and freshness cover the last `minutes`; freshness is projected time − received time, its ' +
        'percentiles read from a log-scale histogram within max(2 %, 1 ms) of the exact nearest-rank ones.',
      auth: 'caller',
      query: PipelineQuery,
      response: { status: 200, description: 'One entry per projection.', schema: Pipeline },
      handle: async ({ query }) => pipeline(db, query.minutes),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/dlq',
      tag: 'pipeline',
      summary: 'Dead-lettered records',
      description:
        "The caller's project's records, newest first; console sessions also see records that could not be " +
        'attributed to any project (project_id null).',
      auth: 'project',
      query: DlqQuery,
      response: { status: 200, description: 'A page of DLQ records.', schema: DlqPage },
      handle: async ({ auth, query }) =>
        listDlq(db, {
          projectId: auth.projectId,
          includeUnattributed: auth.caller.kind === 'console',
          limit: query.limit,
          ...(query.projection !== undefined ? { projection: query.projection } : {}),
          ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
        }),
    }),
  ];
}
