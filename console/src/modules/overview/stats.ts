/**
 * The overview's questions to the Stats API (POST /api/v2/query, docs/stats-api.md) and what its
 * answers become on screen: the ranges they ask over, the volume chart's buckets and the top lists.
 * The KPI row is kpis.ts's. Pure functions; the store (stores/overview.ts) sends the queries.
 */
import type { StatsQuery, StatsResult, Volume } from '@/api/types';
import type { Range } from '@/shared/time';
import { statsFilters, type Filter } from '@/shared/filters';
import {
  formatBucket,
  formatDateTime,
  formatStatsBucket,
  fromInputValue,
  HOUR,
  toInputValue,
} from '@/shared/time';

/**
 * A range as the Stats API's `date_range`: two instants, both included by the API. Epoch
 * milliseconds become ISO 8601 in UTC; the API then counts days and buckets in `timezone`.
 */
export function dateRange(range: Range): [string, string] {
  return [new Date(range.from).toISOString(), new Date(range.to).toISOString()];
}

/**
 * The period before `range`, of the same length, ending 1 ms before it starts (the API includes
 * both ends, so the two periods share no instant): Plausible's "previous period", asked as a second
 * query because the API's `include.comparisons` takes only whole local days, and these are instants.
 * Both hold the same milliseconds, ends included (`to - from + 1`): a custom range of two whole days
 * (to 23:59:59.999) compares with exactly the two whole days before it.
 */
export function previousRange(range: Range): Range {
  return { from: range.from - (range.to - range.from + 1), to: range.from - 1 };
}

/** The chart's data, whichever API bucketed it: a label per bucket, a series per event name. */
/** The series of a breakdown that sums the event names not shown apart. */
export const OTHER_SERIES = 'Other';

export interface ChartData {
  unit: 'minute' | 'hour' | 'day' | 'week' | 'month';
  labels: string[];
  /** Where each bucket starts (epoch ms): a bucket ends where the next starts, the last at `to`. */
  starts: number[];
  series: Array<{ name: string; data: number[] }>;
  from: number;
  to: number;
  /** Whether the series are a breakdown by event name (stacked). */
  breakdown: boolean;
}

/**
 * The Stats API's buckets the chart asks for. Minutes only with filters: unfiltered minute buckets
 * come from GET /v1/stats/volume (cheaper, from the read models), which cannot filter.
 */
export type StatsUnit = 'minute' | 'hour' | 'day' | 'week' | 'month';

/**
 * Events per bucket, with `time_labels` so empty buckets show; by event name with the breakdown;
 * narrowed by `filters`.
 */
export function chartQuery(
  projectId: string,
  range: Range,
  timeZone: string,
  unit: StatsUnit,
  breakdown: boolean,
  filters: readonly Filter[] = [],
): StatsQuery {
  return {
    site_id: projectId,
    metrics: ['events'],
    date_range: dateRange(range),
    dimensions: breakdown ? [`time:${unit}`, 'event:name'] : [`time:${unit}`],
    ...(filters.length > 0 ? { filters: statsFilters(filters) } : {}),
    include: { time_labels: true },
    timezone: timeZone,
  };
}

/**
 * The Overview's two top lists: events by name and page views by page, exact for the range and
 * narrowed by the dashboard's filters like every other report (the same engine as the panels).
 */
export const TOP_LISTS = {
  events: { metric: 'events', dimension: 'event:name', action: 'Loading the top events' },
  pages: { metric: 'pageviews', dimension: 'event:page', action: 'Loading the top pages' },
} as const;
export type TopList = keyof typeof TOP_LISTS;

/** A top list's row: the event name or page (`(none)` for page views without a URL) and its count. */
export interface TopItem {
  value: string;
  count: number;
}

/**
 * `metric` by `dimension`, the `limit` largest rows, then by value, over `range` in `timeZone`,
 * narrowed by `filters`: the question of a top list and of a dashboard panel (panels.ts).
 */
export function rankedQuery(
  projectId: string,
  range: Range,
  timeZone: string,
  filters: readonly Filter[],
  metric: string,
  dimension: string,
  limit: number,
): StatsQuery {
  return {
    site_id: projectId,
    metrics: [metric],
    date_range: dateRange(range),
    dimensions: [dimension],
    ...(filters.length > 0 ? { filters: statsFilters(filters) } : {}),
    order_by: [
      [metric, 'desc'],
      [dimension, 'asc'],
    ],
    pagination: { limit, offset: 0 },
    timezone: timeZone,
  };
}

/** A top list's 10 rows as one Stats API query. */
export function topQuery(
  projectId: string,
  range: Range,
  timeZone: string,
  filters: readonly Filter[],
  list: TopList,
): StatsQuery {
  const { metric, dimension } = TOP_LISTS[list];
  return rankedQuery(projectId, range, timeZone, filters, metric, dimension, 10);
}

/** A top list's answer as its rows. */
export function topItems(result: StatsResult): TopItem[] {
  return result.results.map((r) => ({ value: String(r.dimensions[0]), count: r.metrics[0] ?? 0 }));
}

/**
 * The Stats API's rows as chart series over its `time_labels` (every bucket of the range's local
 * days, in the query's zone), less the buckets wholly outside the range. With the breakdown: the `top` names by total, each its series, the rest "Other",
 * as GET /v1/stats/volume does.
 */
export function chartFromStats(
  result: StatsResult,
  unit: StatsUnit,
  range: Range,
  timeZone: string,
  breakdown: boolean,
  top = 5,
): ChartData {
  const labelled = result.meta.time_labels ?? [...new Set(result.results.map((r) => r.dimensions[0]!))];
  const buckets = overlapping(labelled, range, timeZone);
  const index = new Map(buckets.map((b, i) => [b, i]));
  // A minute's label reads as an hour's does: month-day and wall-clock hh:mm.
  const labels = buckets.map((b) => formatStatsBucket(b, unit === 'minute' ? 'hour' : unit));
  const starts = buckets.map((b) => wallClockStart(b, timeZone) ?? range.from);
  const base = { unit, labels, starts, from: range.from, to: range.to, breakdown };
  if (!breakdown) {
    const data = buckets.map(() => 0);
    for (const row of result.results) {
      const i = index.get(row.dimensions[0]!);
      if (i !== undefined) data[i] = row.metrics[0] ?? 0;
    }
    return { ...base, series: [{ name: 'Events', data }] };
  }
  const byName = new Map<string, number[]>();
  for (const row of result.results) {
    const i = index.get(row.dimensions[0]!);
    if (i === undefined) continue;
    const name = row.dimensions[1]!;
    let data = byName.get(name);
    if (!data) byName.set(name, (data = buckets.map(() => 0)));
    data[i]! += row.metrics[0] ?? 0;
  }
  const sum = (d: number[]) => d.reduce((a, b) => a + b, 0);
  const ranked = [...byName].sort((a, b) => sum(b[1]) - sum(a[1]) || a[0].localeCompare(b[0]));
  const series = ranked.slice(0, top).map(([name, data]) => ({ name, data }));
  const rest = ranked.slice(top);
  if (rest.length > 0) {
    series.push({ name: OTHER_SERIES, data: buckets.map((_, i) => sum(rest.map(([, d]) => d[i]!))) });
  }
  return { ...base, series };
}

/**
 * The instant a bucket's wall-clock start (`2025-03-01 10:00:00`, `2025-03-01`) is in the zone; on
 * the day clocks go back, the first of the repeated hour's two instants.
 */
export function wallClockStart(label: string, timeZone: string): number | undefined {
  const text = /^\d{4}-\d{2}-\d{2}$/.test(label) ? `${label}T00:00` : label.replace(' ', 'T');
  const at = fromInputValue(text, timeZone);
  if (at === undefined) return undefined;
  const hourEarlier = at - HOUR;
  return toInputValue(hourEarlier, timeZone) === toInputValue(at, timeZone) ? hourEarlier : at;
}

/**
 * The buckets that overlap the range: `time_labels` covers whole local days (as Plausible's), a
 * range of instants need not. A bucket overlaps when it starts no later than the range's end and
 * the next bucket starts after the range's start; both compared as the zone's wall-clock times,
 * which sort as text (`2025-03-01` < `2025-03-01 10:00:00` < `2025-03-02`).
 */
function overlapping(labels: string[], range: Range, timeZone: string): string[] {
  const from = formatDateTime(range.from, timeZone);
  const to = formatDateTime(range.to, timeZone);
  return labels.filter((label, i) => {
    const next = labels[i + 1];
    return label <= to && (next === undefined || next > from);
  });
}

/**
 * Minute buckets come from GET /v1/stats/volume: a UTC minute is a minute of every zone (offsets
 * are whole minutes), so its labels in the zone are its buckets too.
 */
export function chartFromVolume(volume: Volume, timeZone: string): ChartData {
  const labels = volume.buckets.map((b) => formatBucket(b.start, volume.interval, timeZone));
  const b = volume.breakdown;
  const series = b
    ? [
        ...b.series.map((s) => ({ name: s.event_name, data: s.counts })),
        ...(b.other.total > 0 ? [{ name: OTHER_SERIES, data: b.other.counts }] : []),
      ]
    : [{ name: 'Events', data: volume.buckets.map((x) => x.count) }];
  return {
    unit: volume.interval,
    labels,
    starts: volume.buckets.map((x) => Date.parse(x.start)),
    series,
    from: Date.parse(volume.from),
    to: Date.parse(volume.to),
    breakdown: b !== null,
  };
}
