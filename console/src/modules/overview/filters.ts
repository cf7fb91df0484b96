/**
 * The dashboard's filters: each an `is` filter of the Stats API (`["is", dimension, [value]]`,
 * docs/stats-api.md) added by clicking a panel's row, applied to every KPI, the chart and every
 * panel. In the URL as repeated `filter=<dimension>=<value>` (a dimension never holds `=`; the
 * value is everything after the first one), so a copied link shows the same filtered dashboard.
 */
import type { LocationQuery } from 'vue-router';

export interface Filter {
  /** A Stats API dimension: `event:page`, `visit:source`, … */
  dimension: string;
  value: string;
}

/** Dimensions the panels filter by, with the chip's name for each. */
export const DIMENSION_LABELS: Record<string, string> = {
  'event:page': 'Page',
  'event:name': 'Event',
  'visit:entry_page': 'Entry page',
  'visit:exit_page': 'Exit page',
  'visit:source': 'Source',
  'visit:referrer': 'Referrer',
  'visit:utm_medium': 'UTM medium',
  'visit:utm_source': 'UTM source',
  'visit:utm_campaign': 'UTM campaign',
  'visit:utm_term': 'UTM term',
  'visit:utm_content': 'UTM content',
  'visit:browser': 'Browser',
  'visit:os': 'OS',
  'visit:device': 'Device',
  'visit:country': 'Country',
};

const DIMENSION = /^(event|visit):[a-z_:]+$/;

/** The filters in `query.filter`, in order, without malformed or unknown ones and duplicates. */
export function filtersFromQuery(query: LocationQuery): Filter[] {
  const raw = query.filter;
  const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
  const filters: Filter[] = [];
  for (const text of values) {
    const at = text.indexOf('=');
    if (at <= 0) continue;
    const dimension = text.slice(0, at);
    const value = text.slice(at + 1);
    if (!DIMENSION.test(dimension) || !(dimension in DIMENSION_LABELS)) continue;
    if (filters.some((f) => f.dimension === dimension && f.value === value)) continue;
    filters.push({ dimension, value });
  }
  return filters;
}

/** `filter` for the URL: undefined (no parameter) without filters. */
export function filtersToQuery(filters: readonly Filter[]): string[] | undefined {
  return filters.length === 0 ? undefined : filters.map((f) => `${f.dimension}=${f.value}`);
}

/**
 * `filters` with `next`: it replaces a filter of the same dimension (two `is` of one dimension
 * would match nothing), appended otherwise.
 */
export function withFilter(filters: readonly Filter[], next: Filter): Filter[] {
  return [...filters.filter((f) => f.dimension !== next.dimension), next];
}

export function withoutFilter(filters: readonly Filter[], gone: Filter): Filter[] {
  return filters.filter((f) => !(f.dimension === gone.dimension && f.value === gone.value));
}

/** As the Stats API's `filters`. */
export function statsFilters(filters: readonly Filter[]): [string, string, string[]][] {
  return filters.map((f) => ['is', f.dimension, [f.value]]);
}

/** "Source is Google". */
export function filterLabel(filter: Filter): string {
  return `${DIMENSION_LABELS[filter.dimension] ?? filter.dimension} is ${filter.value === '' ? '(none)' : filter.value}`;
}
