/**
 * The overview's questions to the Stats API (POST /api/v2/query, docs/stats-api.md) and what its
 * answers become on screen: the KPI row with its deltas against the previous period, and the
 * volume chart's buckets. Pure functions; the store (stores/overview.ts) sends the queries.
 */
import type { StatsQuery, StatsResult, Volume } from '@/api/types';
import type { Range } from '@/shared/time';
import { statsFilters, type Filter } from '@/shared/filters';
import {
  formatBucket,
  formatDateTime,
  formatDuration,
  formatStatsBucket,
  fromInputValue,
  HOUR,
  toInputValue,
} from '@/shared/time';

/** The KPI row's metrics, in the order of the query and of the cards. */
export const KPI_METRICS = [
  'visitors',
  'visits',
  'pageviews',
  'views_per_visit',
  'bounce_rate',
  'visit_duration',
  'events',
] as const;
/**
 * The KPI row while a goal filters the dashboard: its conversions, as Plausible's dashboard shows
 * them. The visit figures would contradict one another there: the page views are the goal's page
 * views (none for an event goal) beside the views per visit of the visits that converted.
 */
export const GOAL_KPI_METRICS = ['visitors', 'events', 'conversion_rate'] as const;

export type KpiMetric = (typeof KPI_METRICS)[number] | (typeof GOAL_KPI_METRICS)[number];

export const KPI_LABELS: Record<KpiMetric, string> = {
  visitors: 'Visitors',
  visits: 'Visits',
  pageviews: 'Page views',
  views_per_visit: 'Views per visit',
  bounce_rate: 'Bounce rate',
  visit_duration: 'Visit duration',
  events: 'Events',
  conversion_rate: 'Conversion rate',
};

/** The cards' names of the goal row's figures (Plausible's): converters and completions. */
const GOAL_LABELS: Partial<Record<KpiMetric, string>> = {
  visitors: 'Unique conversions',
  events: 'Total conversions',
};

/**
 * The KPI row's metrics under `filters`: the conversions of the goals a filter names (`is` or
 * `contains`, the operators Plausible takes for goals), else the visits'. A goal left out (`is not`)
 * names no conversion: the visits' row.
 */
export function kpiMetrics(filters: readonly Filter[]): readonly KpiMetric[] {
  const goal = filters.some((f) => f.dimension === 'event:goal' && (f.op === 'is' || f.op === 'contains'));
  return goal ? GOAL_KPI_METRICS : KPI_METRICS;
}

/** A KPI card's name in a row of `metrics`. */
export function kpiLabel(metric: KpiMetric, metrics: readonly KpiMetric[]): string {
  // By content: a store hands the list on as a reactive copy, not the constant itself.
  return (metrics.includes('conversion_rate') ? GOAL_LABELS[metric] : undefined) ?? KPI_LABELS[metric];
}

/** The unit of a KPI whose number alone would not say it, for a CSV's reader (the cards show it). */
const KPI_UNITS: Partial<Record<KpiMetric, string>> = {
  bounce_rate: '%',
  conversion_rate: '%',
  visit_duration: 'seconds',
};

/** A KPI's name in a CSV: its card's name, with its unit where the number alone would not say it. */
export function kpiCsvLabel(metric: KpiMetric, metrics: readonly KpiMetric[]): string {
  const unit = KPI_UNITS[metric];
  return unit ? `${kpiLabel(metric, metrics)} (${unit})` : kpiLabel(metric, metrics);
}

/** The KPI values of the range and of the previous period of equal length, by metric. */
export interface Kpis {
  /** The row's metrics, in order (`kpiMetrics`); the others are 0 in the records. */
  metrics: readonly KpiMetric[];
  current: Record<KpiMetric, number>;
  previous: Record<KpiMetric, number>;
}

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

/** The KPI row's query; `filters` (the dashboard's, shared/filters.ts) narrow it. */
export function kpiQuery(
  projectId: string,
  range: Range,
  timeZone: string,
  filters: readonly Filter[] = [],
): StatsQuery {
  return {
    site_id: projectId,
    metrics: [...kpiMetrics(filters)],
    date_range: dateRange(range),
    ...(filters.length > 0 ? { filters: statsFilters(filters) } : {}),
    timezone: timeZone,
  };
}

/**
 * The one row of a query without dimensions, by metric: `metrics` in the query's order, every other
 * KPI 0 (zeros too when the API sent no row).
 */
export function kpiValues(
  result: StatsResult,
  metrics: readonly KpiMetric[] = KPI_METRICS,
): Record<KpiMetric, number> {
  const row = result.results[0]?.metrics ?? [];
  const all = [...new Set<KpiMetric>([...KPI_METRICS, ...GOAL_KPI_METRICS])];
  return Object.fromEntries(all.map((m) => [m, row[metrics.indexOf(m)] ?? 0])) as Record<KpiMetric, number>;
}

const number = new Intl.NumberFormat('en');
const decimals = new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** A KPI's value as shown: counts grouped, views per visit with 2 decimals, %, a duration. */
export function formatKpi(metric: KpiMetric, value: number): string {
  if (metric === 'views_per_visit') return decimals.format(value);
  // Whole percent; a conversion rate with the Stats API's two decimals.
  if (metric === 'bounce_rate' || metric === 'conversion_rate') return `${number.format(value)}%`;
  if (metric === 'visit_duration') return formatDuration(value * 1000);
  return number.format(value);
}

/** A figure's change against the previous period of equal length. */
export interface PeriodChange {
  direction: 'up' | 'down' | 'flat';
  /** "↑ 12%", "↓ 3 pts", "new" (from zero, or from a period without visits), "no change". */
  text: string;
  /** For screen readers: "up 12% on the previous period". */
  label: string;
}

/**
 * The change of a figure against the previous period: a relative change in whole percent (from
 * zero to something there is no percentage: "new"), or, given `points` (the difference rounded as
 * the figure is shown), in percentage points, for a figure that is itself a percentage (as
 * Plausible shows it). The KPI row's deltas and the Goals screen's changes.
 *
 * A null figure is one its period does not have (`perVisit`): a difference from the placeholder 0
 * the Stats API sends for it would be invented ("↑ 43 pts", or "↓ 43 pts" read as good news), so a
 * null previous figure is "new", as the counts beside it say, a null current one "no visits", and
 * none in either period "no change", as the counts (0 and 0) say.
 */
export function periodChange(
  current: number | null,
  previous: number | null,
  points?: (difference: number) => number,
): PeriodChange {
  if (current === previous)
    return { direction: 'flat', text: 'no change', label: 'no change on the previous period' };
  if (current === null)
    return { direction: 'flat', text: 'no visits', label: 'no visits in this period to compare' };
  if (previous === null) return { direction: 'up', text: 'new', label: 'new' };
  const direction = current > previous ? 'up' : 'down';
  let amount: string;
  if (points) {
    const difference = points(Math.abs(current - previous));
    amount = `${number.format(difference)} ${difference === 1 ? 'pt' : 'pts'}`;
  } else if (previous === 0) {
    return { direction, text: 'new', label: 'up from none in the previous period' };
  } else {
    amount = `${number.format(Math.round((Math.abs(current - previous) / previous) * 100))}%`;
  }
  const arrow = direction === 'up' ? '↑' : '↓';
  return { direction, text: `${arrow} ${amount}`, label: `${direction} ${amount} on the previous period` };
}

export interface Delta extends PeriodChange {
  /**
   * Whether the change is good news: more of everything, but less bounce. Null when flat, and when
   * either period has no such figure (`periodChange`): neither better nor worse than nothing.
   */
  good: boolean | null;
}

/** `periodChange` and whether it is good news: more, or with `lessIsBetter` less (the bounce rate). */
export function periodDelta(
  current: number | null,
  previous: number | null,
  points?: (difference: number) => number,
  lessIsBetter = false,
): Delta {
  const change = periodChange(current, previous, points);
  const neutral = change.direction === 'flat' || current === null || previous === null;
  return { ...change, good: neutral ? null : (change.direction === 'up') !== lessIsBetter };
}

/** The KPIs that are rates or averages over visits: no number in a period without visits. */
export const PER_VISIT_METRICS: ReadonlySet<KpiMetric> = new Set([
  'views_per_visit',
  'bounce_rate',
  'visit_duration',
]);

/**
 * A rate or an average over visits (bounce rate, views per visit, visit duration, a goal's
 * conversion rate) of a period with `visits`: null without visits. The Stats API sends a placeholder
 * 0 for it, which is no number, and its comparison gives `change: null`, as Plausible's does.
 */
export const perVisit = (value: number, visits: number): number | null => (visits > 0 ? value : null);

/**
 * A KPI's figure in one period: null for a per-visit metric of a period without visits
 * (`perVisit`). The KPI row's change reads it (`periodChange`) and says "no visits" for its
 * previous figure; the CSV leaves its cell empty.
 */
export function kpiFigure(metric: KpiMetric, kpis: Kpis, period: 'current' | 'previous'): number | null {
  const figures = kpis[period];
  return PER_VISIT_METRICS.has(metric) ? perVisit(figures[metric], figures.visits) : figures[metric];
}

/**
 * A KPI's change: in whole percent; a rate (itself a percentage) in points — the bounce rate's
 * whole, less being better; a conversion rate's to one decimal, as the Stats API's comparison.
 */
export function delta(metric: KpiMetric, kpis: Kpis): Delta {
  const current = kpiFigure(metric, kpis, 'current');
  const previous = kpiFigure(metric, kpis, 'previous');
  if (metric === 'bounce_rate') return periodDelta(current, previous, (d) => d, true);
  if (metric === 'conversion_rate') return periodDelta(current, previous, (d) => Math.round(d * 10) / 10);
  return periodDelta(current, previous);
}

/** The chart's data, whichever API bucketed it: a label per bucket, a series per event name. */
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
    series.push({ name: 'Other', data: buckets.map((_, i) => sum(rest.map(([, d]) => d[i]!))) });
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
        ...(b.other.total > 0 ? [{ name: 'Other', data: b.other.counts }] : []),
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
