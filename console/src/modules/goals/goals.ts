/**
 * The Goals screen's questions to the Stats API (POST /api/v2/query, docs/stats-api.md, "Goals")
 * and what its answers become: pure functions; the view (GoalsView.vue) sends the queries.
 *
 * - **The table**: every goal of the project's settings, by `event:goal`: unique conversions
 *   (`visitors`, the goal's converters), total conversions (`events`, its completions) and the
 *   conversion rate (`conversion_rate`: converters as % of every visitor of the range, two decimals).
 *   The Stats API has no row for a goal nobody reached: its row is filled from the settings, with 0.
 *   The dashboard's filters narrow it, but for goal filters (each row is a goal already).
 * - **The comparison**: the same query over the previous period of equal length (the dashboard's
 *   KPI row compares the same way, modules/overview/stats.ts): counts change in whole percent
 *   ("new" from zero), the conversion rate in points, as the Stats API's comparisons give it. With
 *   it every visitor of both periods (`allVisitorsQuery`): a period without any has no rate (the
 *   KPI row's rule, overview/stats.ts `perVisit`), so a rate after it is "new" and one of it reads
 *   "no visits".
 * - **The breakdown**: one goal's converters by a dimension (source, page, country, …) with
 *   `group_conversion_rate`, each value's converters as % of that value's visitors.
 */
import type { GoalSetting, StatsQuery, StatsResult } from '@/api/types';
import { statsFilters, type Filter } from '@/shared/filters';
import type { Range } from '@/shared/time';
import { panelQuery, topList, visitorsQuery } from '@/modules/overview/panels';
import { dateRange } from '@/modules/overview/stats';
import { perVisit, periodDelta, type Delta } from '@/modules/overview/kpis';

export const GOAL_DIMENSION = 'event:goal';

export type GoalKind = 'event' | 'page';

export interface Goal {
  name: string;
  kind: GoalKind;
  /** The event name, or the page path pattern. */
  target: string;
}

/** A goal of the settings as the screen shows it. */
export function toGoal(goal: GoalSetting): Goal {
  return 'page_path' in goal && typeof goal.page_path === 'string'
    ? { name: goal.name, kind: 'page', target: goal.page_path }
    : { name: goal.name, kind: 'event', target: 'event_name' in goal ? goal.event_name : '' };
}

export const KIND_LABELS: Record<GoalKind, string> = { event: 'Event', page: 'Page pattern' };

/** The table's metrics, in the query's order. */
export const GOAL_METRICS = ['visitors', 'events', 'conversion_rate'] as const;
export type GoalMetric = (typeof GOAL_METRICS)[number];

export type GoalFigures = Record<GoalMetric, number>;

export type Period = 'current' | 'previous';

export interface GoalRow extends Goal {
  current: GoalFigures;
  /** The previous period's figures (zeros for a goal nobody reached then); null until known. */
  previous: GoalFigures | null;
  /** Every visitor of each period, what its conversion rates divide by (unknown: rates as answered). */
  allVisitors?: Record<Period, number>;
}

/** The filters a goal query keeps: the dashboard's, less its goal filters. */
export function withoutGoalFilters(filters: readonly Filter[]): Filter[] {
  return filters.filter((f) => f.dimension !== GOAL_DIMENSION);
}

/** Every goal reached in `range` (the settings fill the rest), narrowed by `filters`. */
export function goalsQuery(
  projectId: string,
  range: Range,
  timeZone: string,
  filters: readonly Filter[],
): StatsQuery {
  const kept = withoutGoalFilters(filters);
  return {
    site_id: projectId,
    metrics: [...GOAL_METRICS],
    date_range: dateRange(range),
    dimensions: [GOAL_DIMENSION],
    ...(kept.length > 0 ? { filters: statsFilters(kept) } : {}),
    timezone: timeZone,
  };
}

const ZERO: GoalFigures = { visitors: 0, events: 0, conversion_rate: 0 };

/** The answer's figures by goal name. */
export function figuresByGoal(result: StatsResult): Map<string, GoalFigures> {
  const byName = new Map<string, GoalFigures>();
  for (const row of result.results) {
    const name = row.dimensions[0];
    if (name === undefined) continue;
    byName.set(name, {
      visitors: row.metrics[0] ?? 0,
      events: row.metrics[1] ?? 0,
      conversion_rate: row.metrics[2] ?? 0,
    });
  }
  return byName;
}

/**
 * One row per goal of the settings, in their order, with its figures (0 for a goal the answer has
 * no row for) and, given the previous period's answer, its figures then.
 */
export function goalRows(
  goals: readonly GoalSetting[],
  current: StatsResult,
  previous: StatsResult | null,
  allVisitors?: Record<Period, number>,
): GoalRow[] {
  const now = figuresByGoal(current);
  const then = previous ? figuresByGoal(previous) : null;
  return goals.map((g) => ({
    ...toGoal(g),
    current: now.get(g.name) ?? { ...ZERO },
    previous: then ? (then.get(g.name) ?? { ...ZERO }) : null,
    ...(allVisitors ? { allVisitors } : {}),
  }));
}

/**
 * Every visitor of `range` with the table's filters: what its conversion rates divide by, asked
 * (for both periods) only to know whether there were any.
 */
export function allVisitorsQuery(
  projectId: string,
  range: Range,
  timeZone: string,
  filters: readonly Filter[],
): StatsQuery {
  return visitorsQuery(projectId, range, timeZone, withoutGoalFilters(filters));
}

/**
 * A goal's figure in a period: null for the conversion rate of a period without visitors, which
 * has no rate (`perVisit`, as the KPI row's rates), and for a previous period not known yet.
 */
export function goalFigure(row: GoalRow, metric: GoalMetric, period: Period): number | null {
  const figures = row[period];
  if (!figures) return null;
  return metric === 'conversion_rate' && row.allVisitors
    ? perVisit(figures.conversion_rate, row.allVisitors[period])
    : figures[metric];
}

/**
 * A figure's change against the previous period ("↑ 12%", "↓ 3.5 pts", "new", "no visits", "no
 * change"), as the KPI row's (overview/stats.ts, `periodDelta`): counts in whole percent ("new" from
 * zero), the conversion rate in percentage points, one decimal (the Stats API's comparison of it).
 * A null rate (a period without visitors) is "new" after it and "no visits" in it, uncoloured.
 */
export function change(metric: GoalMetric, current: number | null, previous: number | null): Delta {
  if (metric !== 'conversion_rate') return periodDelta(current, previous);
  // Nobody converted now, and there was nobody to convert before: "no change", as the counts beside
  // it say, rather than a 0% that reads as "new".
  const before = current === 0 && previous === null ? 0 : previous;
  return periodDelta(current, before, (d) => Math.round(d * 10) / 10);
}

/** The dimensions a goal breaks down by, with their labels. */
export const BREAKDOWNS: ReadonlyArray<{ dimension: string; label: string }> = [
  { dimension: 'visit:source', label: 'Source' },
  { dimension: 'visit:referrer', label: 'Referrer' },
  { dimension: 'event:page', label: 'Page' },
  { dimension: 'visit:entry_page', label: 'Entry page' },
  { dimension: 'visit:country', label: 'Country' },
  { dimension: 'visit:device', label: 'Device' },
  { dimension: 'visit:browser', label: 'Browser' },
  { dimension: 'visit:os', label: 'OS' },
  { dimension: 'visit:utm_source', label: 'UTM source' },
  { dimension: 'visit:utm_medium', label: 'UTM medium' },
  { dimension: 'visit:utm_campaign', label: 'UTM campaign' },
];

export const isBreakdown = (value: unknown): value is string => BREAKDOWNS.some((b) => b.dimension === value);

/** Rows a breakdown shows first, and how many more each "More" asks for. */
export const BREAKDOWN_PAGE = 10;

/**
 * One goal's converters by `dimension` (most first, ties by value), with each value's
 * `group_conversion_rate`, and the number of rows in all: a dashboard panel's query
 * (overview/panels.ts) narrowed to the goal, with the rate in place of the percentage.
 */
export function breakdownQuery(
  projectId: string,
  range: Range,
  timeZone: string,
  filters: readonly Filter[],
  goal: string,
  dimension: string,
  limit: number,
): StatsQuery {
  const narrowed = [...withoutGoalFilters(filters), goalFilter(goal)];
  return {
    ...panelQuery(projectId, range, timeZone, narrowed, dimension, limit),
    metrics: ['visitors', 'group_conversion_rate'],
  };
}

export interface BreakdownRow {
  value: string;
  /** The value's converters. */
  visitors: number;
  /** Converters as % of the value's visitors, 0–100, one decimal. */
  rate: number;
}

export interface Breakdown {
  goal: string;
  dimension: string;
  rows: BreakdownRow[];
  /** Rows in all (`meta.total_rows`): more than `rows.length` shows "More". */
  total: number;
}

export function breakdownData(goal: string, dimension: string, result: StatsResult): Breakdown {
  const { rows, total } = topList(result);
  return {
    goal,
    dimension,
    rows: rows.map(({ value, metrics }) => ({ value, visitors: metrics[0] ?? 0, rate: metrics[1] ?? 0 })),
    total,
  };
}

/** The filter a goal's drill-down adds: the events that reached it. */
export const goalFilter = (name: string): Filter => ({ dimension: GOAL_DIMENSION, op: 'is', value: name });
