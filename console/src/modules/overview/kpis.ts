/**
 * The KPI row: its metrics (the visits' figures, or a goal's conversions while a goal filters),
 * their query and values, how each is shown, and its change against the previous period of equal
 * length (stats.ts, `previousRange`). Pure functions; the store (stores/overview.ts) sends the queries.
 */
import type { StatsQuery, StatsResult } from '@/api/types';
import { statsFilters, type Filter } from '@/shared/filters';
import { formatDuration, type Range } from '@/shared/time';
import { dateRange } from './stats';

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
