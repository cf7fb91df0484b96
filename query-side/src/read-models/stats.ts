/**
 * Charts and counters over the aggregate read models (never a scan of `analytics.events`).
 *
 * Ranges are [from, to), default the last 24 hours. Aggregates have a resolution, and a bucket
 * counts when it overlaps the range: `from` is in effect rounded down to the start of its minute
 * (volume, events), hour (page views) or UTC day (unique users). All buckets are UTC.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import type { ReaderTables } from '@eventlens/read-model';
import { invalidField } from '../http/errors';
import {
  fromParam,
  iso,
  limitParam,
  resolveRange,
  textFilter,
  toParam,
  wholeNumberParam,
  type Range,
} from '../http/params';
import { defineRoute, type AnyRoute } from '../http/route';
import { NotCounted, notCounted, Overview, OverviewQuery, overview } from './overview';
import { Timestamp, toCount, toIso } from './schemas';

const MINUTE_MS = 60_000;
export const INTERVAL_MS = { minute: MINUTE_MS, hour: 60 * MINUTE_MS, day: 24 * 60 * MINUTE_MS } as const;
export type Interval = keyof typeof INTERVAL_MS;
/**
 * A range may span at most this many intervals (7 days of minutes, 420 days of hours): longer is a
 * 400 naming `interval`. With a partial first bucket that is at most MAX_INTERVALS + 1 buckets.
 */
export const MAX_INTERVALS = 7 * 24 * 60;

const RangeQuery = { from: fromParam, to: toParam };

export const VolumeQuery = z.strictObject({
  ...RangeQuery,
  interval: z
    .enum(['minute', 'hour', 'day'])
    .default('hour')
    .meta({
      description: `Bucket width (UTC). The range may span at most ${MAX_INTERVALS} intervals (7 days of minutes).`,
    }),
  event_name: textFilter('Only this event name.'),
  breakdown: z
    .enum(['event_name'])
    .optional()
    .meta({ description: 'Also split the buckets by event name: the top `top` names plus "other".' }),
  top: wholeNumberParam(1, 20, 5).meta({
    description: 'With breakdown: how many names get their own series (1-20, default 5).',
  }),
});

const Series = z.object({
  event_name: z.string(),
  total: z.number().int(),
  counts: z.array(z.number().int()).meta({ description: 'One count per bucket, aligned with `buckets`.' }),
});

export const Volume = z
  .object({
    from: Timestamp,
    to: Timestamp,
    interval: z.enum(['minute', 'hour', 'day']),
    buckets: z.array(z.object({ start: Timestamp, count: z.number().int() })).meta({
      description:
        'Every bucket from the one holding `from` to the one holding the last instant before `to`, zero-filled.',
    }),
    breakdown: z
      .object({
        series: z.array(Series).meta({ description: 'The top names by total in the range, largest first.' }),
        other: z
          .object({ total: z.number().int(), counts: z.array(z.number().int()) })
          .meta({ description: 'Every other name, summed.' }),
      })
      .nullable()
      .meta({ description: 'Present when breakdown=event_name, else null.' }),
  })
  .meta({ id: 'Volume' });

export const TopQuery = z.strictObject({ ...RangeQuery, limit: limitParam(10, 100) });

export const TopEvents = z
  .object({
    from: Timestamp,
    to: Timestamp,
    items: z.array(z.object({ event_name: z.string(), count: z.number().int() })),
  })
  .meta({ id: 'TopEvents' });

export const TopPages = z
  .object({
    from: Timestamp,
    to: Timestamp,
    items: z.array(z.object({ path: z.string(), views: z.number().int() })),
  })
  .meta({ id: 'TopPages' });

export const EventNamesQuery = z.strictObject({
  prefix: z.string().max(200).optional().meta({ description: 'Case-insensitive prefix of the name.' }),
  limit: limitParam(20, 100),
});

export const EventNames = z
  .object({
    items: z.array(
      z.object({
        event_name: z.string(),
        count: z.number().int().meta({ description: 'All-time count.' }),
        last_seen: Timestamp,
      }),
    ),
  })
  .meta({ id: 'EventNames' });

function rangeOf(query: { from?: number; to?: number }, now: number): Range {
  const range = resolveRange(query.from, query.to, now);
  if (typeof range === 'string') throw invalidField('from', range);
  return range;
}

const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;

/** Bucket starts (epoch ms) from the bucket holding `from` to the one holding `to - 1 ms`. */
export function bucketStarts(range: Range, interval: Interval): number[] | undefined {
  const step = INTERVAL_MS[interval];
  if (range.to - range.from > MAX_INTERVALS * step) return undefined;
  const first = floorTo(range.from, step);
  const count = Math.floor((range.to - 1 - first) / step) + 1;
  return Array.from({ length: count }, (_, i) => first + i * step);
}

export interface VolumeInput {
  projectId: string;
  range: Range;
  interval: Interval;
  event_name?: string;
  breakdown?: 'event_name';
  top: number;
}

export async function volume(
  db: Knex,
  tables: ReaderTables,
  input: VolumeInput,
): Promise<z.input<typeof Volume>> {
  const starts = bucketStarts(input.range, input.interval);
  if (!starts) {
    throw invalidField(
      'interval',
      `${input.interval} allows a range of at most ${MAX_INTERVALS} ${input.interval}s: ${input.interval === 'day' ? 'use a shorter range' : 'use a wider interval or a shorter range'}`,
    );
  }
  const index = new Map(starts.map((start, i) => [start, i]));
  const base = () => {
    const q = db(tables.volumeMinute)
      .where('project_id', input.projectId)
      .where('minute', '>=', iso(starts[0]!))
      .where('minute', '<', iso(input.range.to));
    if (input.event_name !== undefined) q.where('event_name', input.event_name);
    return q;
  };
  const bucketSql = db.raw('date_trunc(?, minute) as bucket', [input.interval]);

  const [rows, top] = await Promise.all([
    base()
      .select<Array<{ bucket: Date; count: string }>>(bucketSql, db.raw('sum(count) as count'))
      .groupBy('bucket'),
    input.breakdown === 'event_name'
      ? base()
          .select<Array<{ event_name: string; total: string }>>('event_name', db.raw('sum(count) as total'))
          .groupBy('event_name')
          .orderBy([
            { column: 'total', order: 'desc' },
            { column: 'event_name', order: 'asc' },
          ])
          .limit(input.top)
      : undefined,
  ]);
  const totals = new Array<number>(starts.length).fill(0);
  for (const row of rows) {
    const i = index.get(new Date(row.bucket).getTime());
    if (i !== undefined) totals[i] = toCount(row.count);
  }

  let breakdown: z.input<typeof Volume>['breakdown'] = null;
  if (top) {
    const names = top.map((t) => t.event_name);
    const series = new Map(names.map((name) => [name, new Array<number>(starts.length).fill(0)]));
    if (names.length > 0) {
      const split = await base()
        .whereIn('event_name', names)
        .select<Array<{ bucket: Date; event_name: string; count: string }>>(
          bucketSql,
          'event_name',
          db.raw('sum(count) as count'),
        )
        .groupBy('bucket', 'event_name');
      for (const row of split) {
        const i = index.get(new Date(row.bucket).getTime());
        const counts = series.get(row.event_name);
        if (i !== undefined && counts) counts[i] = toCount(row.count);
      }
    }
    const other = totals.map(
      (total, i) => total - names.reduce((sum, name) => sum + series.get(name)![i]!, 0),
    );
    breakdown = {
      series: top.map((t) => ({
        event_name: t.event_name,
        total: toCount(t.total),
        counts: series.get(t.event_name)!,
      })),
      other: { total: other.reduce((a, b) => a + b, 0), counts: other },
    };
  }

  return {
    from: iso(input.range.from),
    to: iso(input.range.to),
    interval: input.interval,
    buckets: starts.map((start, i) => ({ start: iso(start), count: totals[i]! })),
    breakdown,
  };
}

export async function topEvents(
  db: Knex,
  tables: ReaderTables,
  projectId: string,
  range: Range,
  limit: number,
) {
  const rows = await db(tables.volumeMinute)
    .select<Array<{ event_name: string; count: string }>>('event_name', db.raw('sum(count) as count'))
    .where('project_id', projectId)
    .where('minute', '>=', db.raw("date_trunc('minute', ?::timestamptz)", [iso(range.from)]))
    .where('minute', '<', iso(range.to))
    .groupBy('event_name')
    .orderBy([
      { column: 'count', order: 'desc' },
      { column: 'event_name', order: 'asc' },
    ])
    .limit(limit);
  return {
    from: iso(range.from),
    to: iso(range.to),
    items: rows.map((r) => ({ event_name: r.event_name, count: toCount(r.count) })),
  };
}

export async function topPages(
  db: Knex,
  tables: ReaderTables,
  projectId: string,
  range: Range,
  limit: number,
) {
  const rows = await db(tables.pageViewsHour)
    .select<Array<{ path: string; views: string }>>('path', db.raw('sum(views) as views'))
    .where('project_id', projectId)
    .where('hour', '>=', db.raw("date_trunc('hour', ?::timestamptz)", [iso(range.from)]))
    .where('hour', '<', iso(range.to))
    .groupBy('path')
    .orderBy([
      { column: 'views', order: 'desc' },
      { column: 'path', order: 'asc' },
    ])
    .limit(limit);
  return {
    from: iso(range.from),
    to: iso(range.to),
    items: rows.map((r) => ({ path: r.path, views: toCount(r.views) })),
  };
}

export async function eventNames(
  db: Knex,
  tables: ReaderTables,
  projectId: string,
  prefix: string | undefined,
  limit: number,
) {
  const q = db(tables.eventNames)
    .select<Array<{ event_name: string; count: string; last_seen: Date }>>('event_name', 'count', 'last_seen')
    .where('project_id', projectId);
  if (prefix) q.whereRaw('starts_with(lower(event_name), lower(?))', [prefix]);
  const rows = await q
    .orderBy([
      { column: 'count', order: 'desc' },
      { column: 'event_name', order: 'asc' },
    ])
    .limit(limit);
  return {
    items: rows.map((r) => ({
      event_name: r.event_name,
      count: toCount(r.count),
      last_seen: toIso(r.last_seen),
    })),
  };
}

export function statsRoutes(db: Knex, tables: ReaderTables, now: () => number): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/stats/overview',
      tag: 'stats',
      summary: 'Counters for a range',
      description: 'Events, unique users, sessions and page views in [from, to), default the last 24 hours.',
      auth: 'project',
      query: OverviewQuery,
      response: { status: 200, description: 'The counters.', schema: Overview },
      handle: async ({ auth, query }) => overview(db, tables, auth.projectId, rangeOf(query, now())),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/stats/not-counted',
      tag: 'stats',
      summary: 'What the reports leave out of a range',
      description:
        'Bot events and events from the project’s excluded address ranges in [from, to), default the ' +
        'last 24 hours: the two counters of /v1/stats/overview that every report leaves out, alone ' +
        '(two sums over per-day rows).',
      auth: 'project',
      query: OverviewQuery,
      response: { status: 200, description: 'The two counts.', schema: NotCounted },
      handle: async ({ auth, query }) => notCounted(db, tables, auth.projectId, rangeOf(query, now())),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/stats/volume',
      tag: 'stats',
      summary: 'Events per bucket, zero-filled',
      description: `From volume_minute. The range may span at most ${MAX_INTERVALS} intervals: 7 days of minutes, 420 days of hours.`,
      auth: 'project',
      query: VolumeQuery,
      response: { status: 200, description: 'The buckets, and the breakdown when asked.', schema: Volume },
      handle: async ({ auth, query }) =>
        volume(db, tables, {
          projectId: auth.projectId,
          range: rangeOf(query, now()),
          interval: query.interval,
          top: query.top,
          ...(query.event_name !== undefined ? { event_name: query.event_name } : {}),
          ...(query.breakdown !== undefined ? { breakdown: query.breakdown } : {}),
        }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/stats/top-events',
      tag: 'stats',
      summary: 'Most frequent event names in a range',
      auth: 'project',
      query: TopQuery,
      response: { status: 200, description: 'Names by count, largest first.', schema: TopEvents },
      handle: async ({ auth, query }) =>
        topEvents(db, tables, auth.projectId, rangeOf(query, now()), query.limit),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/stats/top-pages',
      tag: 'stats',
      summary: 'Most viewed pages (URL paths) in a range',
      auth: 'project',
      query: TopQuery,
      response: { status: 200, description: 'Paths by page views, largest first.', schema: TopPages },
      handle: async ({ auth, query }) =>
        topPages(db, tables, auth.projectId, rangeOf(query, now()), query.limit),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/event-names',
      tag: 'explorer',
      summary: 'Event name suggestions',
      description: 'Known names, most frequent first (all-time counts), optionally by prefix.',
      auth: 'project',
      query: EventNamesQuery,
      response: { status: 200, description: 'Matching names.', schema: EventNames },
      handle: async ({ auth, query }) => eventNames(db, tables, auth.projectId, query.prefix, query.limit),
    }),
  ];
}
