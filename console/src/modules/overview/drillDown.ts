/**
 * Drill-down: from any number on the dashboard to the explorer, showing the events behind it. The
 * explorer gets the dashboard's range, its active filters and the clicked thing's own filter, all
 * in its URL (explorerQuery.ts), so the link is shareable and Back returns to the dashboard. Every
 * link asks for the counted events only (`counted=true`): the dashboard's numbers leave out bot and
 * excluded traffic, so the list behind a number holds that number's events and no others:
 *
 * - a panel's row (page, entry/exit page, source, referrer, UTM value, browser, OS, device,
 *   country): `is` that value (`rowFilter`: the "(none)" row is the missing value), replacing a
 *   dashboard filter of the same dimension;
 * - a KPI: its range and filters (page views: the `page_view` events);
 * - a bucket of the time series: that bucket within the range (and with the breakdown its event
 *   name; "Other": `is_not` each event name the chart shows apart);
 * - a top event: its name; a top page: its page views.
 *
 * A preset range ("last 24 hours") opens the explorer from its start with no end, so events that
 * arrive later show too; a custom range and a bucket give both ends. Pure functions.
 */
import type { RouteLocationRaw } from 'vue-router';
import { andFilter, filtersToQuery, rowFilter, withFilter, type Filter } from '@/shared/filters';
import type { Range } from '@/shared/time';
import { OTHER_SERIES, type ChartData } from './stats';
import type { KpiMetric } from './kpis';

export interface DrillScope {
  projectId: string;
  /** The dashboard's range as it was fetched. */
  range: Range;
  /** A preset: the explorer's range is left open at the end. */
  openEnd: boolean;
  /** The dashboard's active filters. */
  filters: readonly Filter[];
}

interface Narrowing {
  filter?: Filter;
  event_name?: string;
  /** A part of the range (a bucket): both ends are set. */
  within?: Range;
  /** Event names left out, each as an `is_not` filter (a breakdown's "Other"). */
  otherThan?: readonly string[];
}

const iso = (ms: number) => new Date(ms).toISOString();

export function explorerLink(scope: DrillScope, narrowing: Narrowing = {}): RouteLocationRaw {
  let filters = narrowing.filter ? withFilter(scope.filters, narrowing.filter) : [...scope.filters];
  for (const name of narrowing.otherThan ?? [])
    filters = andFilter(filters, { dimension: 'event:name', op: 'is_not', value: name });
  const range = narrowing.within ?? scope.range;
  const closed = narrowing.within !== undefined || !scope.openEnd;
  return {
    name: 'explorer',
    params: { projectId: scope.projectId },
    query: {
      counted: 'true',
      ...(narrowing.event_name !== undefined ? { event_name: narrowing.event_name } : {}),
      from: iso(range.from),
      // A Range includes its `to`; the explorer's `to` is where it stops ([from, to)): 1 ms later,
      // so a custom range to 11:30 (its minute included) opens as 11:31, and the explorer's "To"
      // field shows 11:30, its last minute, as the dashboard's picker did (ExplorerFilters.vue).
      ...(closed ? { to: iso(range.to + 1) } : {}),
      ...(filters.length > 0 ? { filter: filtersToQuery(filters) } : {}),
    },
  };
}

/** A panel's row: the events with that value (`dimension` is the panel tab's). */
export function panelRowLink(scope: DrillScope, dimension: string, value: string): RouteLocationRaw {
  return explorerLink(scope, { filter: rowFilter(dimension, value) });
}

/** A KPI: the events of the range with the filters; page views are the page_view events. */
export function kpiLink(scope: DrillScope, metric: KpiMetric): RouteLocationRaw {
  return explorerLink(scope, metric === 'pageviews' ? { event_name: 'page_view' } : {});
}

/** Where bucket `index` of the chart starts and ends (included, as a Range's), within the range. */
export function bucketRange(chart: ChartData, index: number): Range {
  const start = chart.starts[index] ?? chart.from;
  const next = chart.starts[index + 1];
  return {
    from: Math.max(start, chart.from),
    to: next === undefined ? chart.to : Math.min(next - 1, chart.to),
  };
}

/**
 * A bucket of the time series, and with the breakdown the series' event name; the "Other" series
 * is the events of none of the names the chart shows apart, so it opens on exactly those.
 */
export function bucketLink(
  scope: DrillScope,
  chart: ChartData,
  index: number,
  series?: string,
): RouteLocationRaw {
  const within = bucketRange(chart, index);
  if (!chart.breakdown || series === undefined) return explorerLink(scope, { within });
  if (series !== OTHER_SERIES) return explorerLink(scope, { within, event_name: series });
  const named = chart.series.map((s) => s.name).filter((n) => n !== OTHER_SERIES);
  return explorerLink(scope, { within, otherThan: named });
}

/** A top event's events. */
export function eventNameLink(scope: DrillScope, name: string): RouteLocationRaw {
  return explorerLink(scope, { event_name: name });
}

/** A top page's page views (top pages count the page views of each path). */
export function topPageLink(scope: DrillScope, path: string): RouteLocationRaw {
  return explorerLink(scope, { event_name: 'page_view', filter: rowFilter('event:page', path) });
}
