/**
 * The pipeline's health, from the operational read models the projections keep (`ops`), so the
 * query side reports lag without talking to Kafka: per projection its lag and failures, and over
 * the last `minutes` its throughput and freshness (projected time − received time).
 *
 * Freshness comes from ops.projection_freshness, a fixed log-scale histogram per projection and
 * minute (DDSketch's mapping, relative accuracy 2 %; `@eventlens/read-model`, freshness.ts). The
 * minutes of the window are merged by adding counts, and a quantile is the nearest-rank one: the
 * representative value of the bucket holding the ⌈q·n⌉-th smallest sample. It is within
 * max(2 % of the exact nearest-rank quantile, 1 ms) (up to 30 days). Throughput comes from
 * ops.projection_throughput (rows applied per minute). Both are written in each batch's
 * transaction, so they are exact for the minutes they cover.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import type {
  FailureCountsRow,
  ProjectionStatusRow,
  ProjectionThroughputRow,
  ReaderTables,
} from '@eventlens/read-model';
import { wholeNumberParam } from '../http/params';
import { defineRoute, type AnyRoute } from '../http/route';
import { Timestamp, toCount, toIso, toIsoOrNull } from './schemas';

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
  minutes: wholeNumberParam(1, MAX_WINDOW_MINUTES, DEFAULT_WINDOW_MINUTES).meta({
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
        updated_at: Timestamp.nullable().meta({
          description:
            'When the status was last written: every projections process writes it at least every 5 s, so one older than 30 s before `window.to` means none is running, and `lag` is as of then.',
        }),
        retry_count: z.number().int().meta({ description: 'Records sent to the retry topics so far.' }),
        dlq_count: z.number().int().meta({ description: 'Records sent to the DLQ so far.' }),
        partitions: z.array(Partition),
        throughput: Throughput,
        freshness: Freshness,
      }),
    ),
  })
  .meta({ id: 'Pipeline' });

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
const freshnessSql = (tables: ReaderTables) => `
with merged as (
  select projection, bucket, min(value_ms) as value_ms, sum(count) as n
    from ${tables.projectionFreshness}
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
  tables: ReaderTables,
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
    db(tables.projectionStatus)
      .select<ProjectionStatusRow[]>(
        'projection',
        'topic',
        'partition',
        'next_offset',
        'high_watermark',
        'last_processed_at',
        'updated_at',
      )
      .orderBy(['projection', 'topic', 'partition']),
    db(tables.failureCounts).select<FailureCountsRow[]>('projection', 'stage', 'count'),
    db(tables.projectionThroughput)
      .select<ProjectionThroughputRow[]>('projection', 'minute', 'applied')
      .where('minute', '>=', new Date(start))
      .andWhere('minute', '<', new Date(end)),
    db.raw<{ rows: FreshnessRow[] }>(freshnessSql(tables), [new Date(start), new Date(end)]),
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

export function opsRoutes(db: Knex, tables: ReaderTables): AnyRoute[] {
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
      handle: async ({ query }) => pipeline(db, tables, query.minutes),
    }),
  ];
}
