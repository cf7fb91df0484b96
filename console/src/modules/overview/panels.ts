/**
 * The dashboard's panels: top-N lists of the Stats API (POST /api/v2/query, docs/stats-api.md)
 * by one dimension, each with its tabs, for the Overview's range, zone and filters. Pure; the
 * store (stores/dashboard.ts) sends the queries.
 */
import type { StatsQuery, StatsResult } from '@/api/types';
import type { Range } from '@/shared/time';
import { statsFilters, type Filter } from '@/shared/filters';
import { dateRange, rankedQuery } from './stats';

export interface PanelTab {
  /** The Stats API dimension. */
  dimension: string;
  label: string;
  /** The first column's header on this tab (and in its CSV): what the rows are. */
  column: string;
}

export interface PanelDef {
  id: 'pages' | 'sources' | 'utm' | 'devices' | 'countries';
  title: string;
  /**
   * The card's heading, when the title alone could be mistaken for another report: the Overview
   * also lists pages by page views ("Pages by page views"), so this one says it ranks by visitors.
   */
  heading?: string;
  tabs: PanelTab[];
  /**
   * Lists only the visits that have a value of the tab's dimension, without the "(none)" row, as
   * Plausible's UTM tabs do: most visits carry no UTM value, and a "(none) 100%" row above the real
   * values would make the rows add up to more than all visitors. The percentages stay of all the
   * range's visitors. Elsewhere "(none)" says something ("Direct / None", a page view without a
   * URL, an address without a country) and stays.
   */
  valuesOnly?: boolean;
}

export const PANELS: readonly PanelDef[] = [
  {
    id: 'pages',
    title: 'Pages',
    heading: 'Pages by visitors',
    tabs: [
      { dimension: 'event:page', label: 'Top pages', column: 'Page' },
      { dimension: 'visit:entry_page', label: 'Entry pages', column: 'Entry page' },
      { dimension: 'visit:exit_page', label: 'Exit pages', column: 'Exit page' },
    ],
  },
  {
    id: 'sources',
    title: 'Sources',
    tabs: [
      { dimension: 'visit:source', label: 'Sources', column: 'Source' },
      { dimension: 'visit:channel', label: 'Channels', column: 'Channel' },
      { dimension: 'visit:referrer', label: 'Referrers', column: 'Referrer' },
    ],
  },
  {
    id: 'utm',
    title: 'UTM',
    valuesOnly: true,
    tabs: [
      { dimension: 'visit:utm_medium', label: 'Medium', column: 'UTM medium' },
      { dimension: 'visit:utm_source', label: 'Source', column: 'UTM source' },
      { dimension: 'visit:utm_campaign', label: 'Campaign', column: 'UTM campaign' },
      { dimension: 'visit:utm_term', label: 'Term', column: 'UTM term' },
      { dimension: 'visit:utm_content', label: 'Content', column: 'UTM content' },
    ],
  },
  {
    id: 'devices',
    title: 'Devices',
    tabs: [
      { dimension: 'visit:browser', label: 'Browser', column: 'Browser' },
      { dimension: 'visit:os', label: 'OS', column: 'Operating system' },
      { dimension: 'visit:device', label: 'Device', column: 'Device' },
    ],
  },
  {
    id: 'countries',
    title: 'Countries',
    tabs: [{ dimension: 'visit:country', label: 'Countries', column: 'Country' }],
  },
];

export type PanelId = PanelDef['id'];

/** Rows a panel shows first, and how many more each "More" asks for. */
export const PAGE_SIZE = 10;

/** One row of a panel: the dimension's value, its visitors and their share of all visitors. */
export interface PanelRow {
  value: string;
  visitors: number;
  /** Percent of the range's visitors (with the filters), 0–100, one decimal (`percentageOf`). */
  percentage: number;
}

export interface PanelData {
  dimension: string;
  rows: PanelRow[];
  /** Rows the query has in all (`meta.total_rows`): more than `rows.length` shows "More". */
  total: number;
}

/**
 * The top `limit` values of `dimension` by visitors (ties by value), with the number of rows in all.
 * Their percentage is not asked of the Stats API: each panel's `percentage` would count the range's
 * distinct visitors again, a third of a panel's time at 10 million events (bench/, reports). The
 * panels divide by one `visitorsQuery` instead (`percentageOf`).
 */
export function panelQuery(
  projectId: string,
  range: Range,
  timeZone: string,
  filters: readonly Filter[],
  dimension: string,
  limit: number,
): StatsQuery {
  return {
    ...rankedQuery(projectId, range, timeZone, filters, 'visitors', dimension, limit),
    include: { total_rows: true },
  };
}

/**
 * The filter that keeps the rows with a value of `dimension`: every present value contains "", a
 * missing one contains nothing (SQL null), so exactly the "(none)" row goes; it is the complement
 * of that row's own filter (`contains_not ""`, shared/filters.ts). `is_not ""` would not do: a
 * missing value matches the Stats API's negated operators.
 */
export const hasValue = (dimension: string): Filter => ({ dimension, op: 'contains', value: '' });

/**
 * The filters a panel's tab asks with: the dashboard's, and for a `valuesOnly` panel `hasValue` of
 * its dimension (its percentages still divide by `visitorsQuery`, which has only the dashboard's).
 */
export function tabFilters(def: PanelDef, dimension: string, filters: readonly Filter[]): Filter[] {
  return def.valuesOnly ? [...filters, hasValue(dimension)] : [...filters];
}

/** The range's visitors with the filters: what every panel's percentage divides by. */
export function visitorsQuery(
  projectId: string,
  range: Range,
  timeZone: string,
  filters: readonly Filter[],
): StatsQuery {
  return {
    site_id: projectId,
    metrics: ['visitors'],
    date_range: dateRange(range),
    ...(filters.length > 0 ? { filters: statsFilters(filters) } : {}),
    timezone: timeZone,
  };
}

/**
 * `visitors` as a percentage of `all`, rounded to one decimal as the Stats API's `percentage` is
 * (PostgreSQL's `round(100.0 * visitors / all, 1)`: halves away from zero, which for these
 * non-negative numbers is Math.round's upward half); 0 when there are no visitors at all.
 */
export function percentageOf(visitors: number, all: number): number {
  return all > 0 ? Math.round((1000 * visitors) / all) / 10 : 0;
}

/** A top-N answer's rows (each value with its metrics in the order asked) and how many in all. */
export function topList(result: StatsResult): {
  rows: Array<{ value: string; metrics: number[] }>;
  total: number;
} {
  const rows = result.results.map((r) => ({ value: r.dimensions[0] ?? '', metrics: r.metrics }));
  return { rows, total: result.meta.total_rows ?? rows.length };
}

/** A panel's rows from its answer (`panelQuery`) and the range's visitors (`visitorsQuery`). */
export function panelData(dimension: string, result: StatsResult, allVisitors: number): PanelData {
  const { rows, total } = topList(result);
  return {
    dimension,
    rows: rows.map(({ value, metrics }) => {
      const visitors = metrics[0] ?? 0;
      return { value, visitors, percentage: percentageOf(visitors, allVisitors) };
    }),
    total,
  };
}
