/**
 * The dashboard's panels: top-N lists of the Stats API (POST /api/v2/query, docs/stats-api.md)
 * by one dimension, each with its tabs, for the Overview's range, zone and filters. Pure; the
 * store (stores/dashboard.ts) sends the queries.
 */
import type { StatsQuery, StatsResult } from '@/api/types';
import type { Range } from '@/shared/time';
import { statsFilters, type Filter } from '@/shared/filters';
import { dateRange } from './stats';

export interface PanelTab {
  /** The Stats API dimension. */
  dimension: string;
  label: string;
}

export interface PanelDef {
  id: 'pages' | 'sources' | 'utm' | 'devices' | 'countries';
  title: string;
  /** The first column's header. */
  column: string;
  tabs: PanelTab[];
}

export const PANELS: readonly PanelDef[] = [
  {
    id: 'pages',
    title: 'Pages',
    column: 'Page',
    tabs: [
      { dimension: 'event:page', label: 'Top pages' },
      { dimension: 'visit:entry_page', label: 'Entry pages' },
      { dimension: 'visit:exit_page', label: 'Exit pages' },
    ],
  },
  {
    id: 'sources',
    title: 'Sources',
    column: 'Source',
    tabs: [
      { dimension: 'visit:source', label: 'Sources' },
      { dimension: 'visit:referrer', label: 'Referrers' },
    ],
  },
  {
    id: 'utm',
    title: 'UTM',
    column: 'Value',
    tabs: [
      { dimension: 'visit:utm_medium', label: 'Medium' },
      { dimension: 'visit:utm_source', label: 'Source' },
      { dimension: 'visit:utm_campaign', label: 'Campaign' },
      { dimension: 'visit:utm_term', label: 'Term' },
      { dimension: 'visit:utm_content', label: 'Content' },
    ],
  },
  {
    id: 'devices',
    title: 'Devices',
    column: 'Device',
    tabs: [
      { dimension: 'visit:browser', label: 'Browser' },
      { dimension: 'visit:os', label: 'OS' },
      { dimension: 'visit:device', label: 'Device' },
    ],
  },
  {
    id: 'countries',
    title: 'Countries',
    column: 'Country',
    tabs: [{ dimension: 'visit:country', label: 'Countries' }],
  },
];

export type PanelId = PanelDef['id'];

/** Rows a panel shows first, and how many more each "More" asks for. */
export const PAGE_SIZE = 10;

/** One row of a panel: the dimension's value, its visitors and their share of all visitors. */
export interface PanelRow {
  value: string;
  visitors: number;
  /** Percent of the range's visitors (with the filters), 0–100. */
  percentage: number;
}

export interface PanelData {
  dimension: string;
  rows: PanelRow[];
  /** Rows the query has in all (`meta.total_rows`): more than `rows.length` shows "More". */
  total: number;
}

/**
 * The top `limit` values of `dimension` by visitors (ties by value), with their percentage and
 * the number of rows in all.
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
    site_id: projectId,
    metrics: ['visitors', 'percentage'],
    date_range: dateRange(range),
    dimensions: [dimension],
    ...(filters.length > 0 ? { filters: statsFilters(filters) } : {}),
    order_by: [
      ['visitors', 'desc'],
      [dimension, 'asc'],
    ],
    include: { total_rows: true },
    pagination: { limit, offset: 0 },
    timezone: timeZone,
  };
}

export function panelData(dimension: string, result: StatsResult): PanelData {
  const rows = result.results.map((r) => ({
    value: r.dimensions[0] ?? '',
    visitors: r.metrics[0] ?? 0,
    percentage: r.metrics[1] ?? 0,
  }));
  return { dimension, rows, total: result.meta.total_rows ?? rows.length };
}
