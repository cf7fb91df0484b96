/**
 * The explorer's state in the URL, so that a copied link reproduces the view and Back/Forward
 * move through it: ?event_name=&user_id=&session_id=&from=&to= (ISO), &counted=true (only the
 * events the reports count), repeated `filter=` (report filters on any dimension,
 * shared/filters.ts: `filter=visit:source=Google`), &event=<id> for the open row, &live=1. A link
 * from before report filters, `path=/pricing`, reads as `filter=event:page=/pricing`.
 */
import type { LocationQuery, LocationQueryRaw } from 'vue-router';
import { QUERY } from '@/api';
import { andFilter, filtersFromQuery, filtersToQuery, type Filter } from '@/shared/filters';
import { eventParams, type ExplorerFilters } from '@/stores/explorer';

export interface ExplorerState {
  filters: ExplorerFilters;
  eventId: string | null;
  live: boolean;
}

const TEXT_KEYS = ['event_name', 'user_id', 'session_id', 'from', 'to'] as const;

const first = (v: LocationQuery[string] | undefined): string | undefined => {
  const value = Array.isArray(v) ? v[0] : v;
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
};

const instant = (v: string | undefined) =>
  v !== undefined && Number.isFinite(Date.parse(v)) ? v : undefined;

export function stateFromQuery(query: LocationQuery): ExplorerState {
  const filters: ExplorerFilters = {};
  for (const key of TEXT_KEYS) {
    const value = key === 'from' || key === 'to' ? instant(first(query[key])) : first(query[key]);
    if (value !== undefined) filters[key] = value;
  }
  // Only `true` is kept: the one value that narrows the list (the API also reads 1, false and 0).
  if (first(query.counted) === 'true') filters.counted = 'true';
  let reports: Filter[] = filtersFromQuery(query);
  const path = first(query.path);
  if (path !== undefined) reports = andFilter(reports, { dimension: 'event:page', op: 'is', value: path });
  if (reports.length > 0) filters.filters = reports;
  return { filters, eventId: first(query.event) ?? null, live: query.live === '1' };
}

export function stateToQuery(state: ExplorerState): LocationQueryRaw {
  const query: LocationQueryRaw = {};
  for (const key of TEXT_KEYS) {
    const value = state.filters[key];
    if (value) query[key] = value;
  }
  if (state.filters.counted === 'true') query.counted = 'true';
  const reports = filtersToQuery(state.filters.filters ?? []);
  if (reports) query.filter = reports;
  if (state.live) query.live = '1';
  if (state.eventId) query.event = state.eventId;
  return query;
}

/**
 * The "Download CSV" link: the query side's streamed export (GET /v1/events.csv) through this
 * origin's proxy, with the explorer's filters (report filters too) and the project (a plain link
 * carries the session cookie but no X-EventLens-Project header, so the project goes in `project_id`).
 */
export function csvExportHref(projectId: string, filters: ExplorerFilters): string {
  const params = new URLSearchParams({ project_id: projectId });
  for (const [key, value] of Object.entries(eventParams(filters))) if (value) params.set(key, value);
  return `${QUERY}/v1/events.csv?${params.toString()}`;
}
