/**
 * A report screen's range and filters in its URL (the Overview, Goals, a public dashboard):
 * ?range=24h, or ?range=custom&from=…&to=… (ISO), and the filters as repeated `filter=`
 * (shared/filters.ts); the Overview adds &breakdown=1.
 */
import { computed } from 'vue';
import { useRoute, useRouter, type LocationQuery, type LocationQueryRaw } from 'vue-router';
import { filtersFromQuery, filtersToQuery, rowFilter, withFilter, type Filter } from '@/shared/filters';
import { isPreset, type RangeSpec } from '@/shared/time';

const first = (v: LocationQuery[string] | undefined) => (Array.isArray(v) ? v[0] : v) ?? undefined;

export function specFromQuery(query: LocationQuery): RangeSpec {
  const range = first(query.range);
  if (range === 'custom') {
    const from = Date.parse(first(query.from) ?? '');
    const to = Date.parse(first(query.to) ?? '');
    if (Number.isFinite(from) && Number.isFinite(to) && from < to) return { kind: 'custom', from, to };
  }
  return { kind: 'preset', preset: isPreset(range) ? range : '24h' };
}

export function specToQuery(spec: RangeSpec): LocationQueryRaw {
  if (spec.kind === 'preset') return { range: spec.preset };
  return { range: 'custom', from: new Date(spec.from).toISOString(), to: new Date(spec.to).toISOString() };
}

/**
 * The current route's range and filters, and their changes, each pushed as a history entry (Back
 * returns to the previous view); `setQuery` changes other parameters of the screen alike.
 */
export function useReportQuery() {
  const route = useRoute();
  const router = useRouter();
  const spec = computed(() => specFromQuery(route.query));
  const filters = computed(() => filtersFromQuery(route.query));

  function setQuery(patch: LocationQueryRaw): void {
    void router.push({ query: { ...route.query, ...patch } });
  }
  /** A preset drops a custom range's ends. */
  const setSpec = (next: RangeSpec) =>
    setQuery({ ...specToQuery(next), ...(next.kind === 'preset' ? { from: undefined, to: undefined } : {}) });
  const setFilters = (next: readonly Filter[]) => setQuery({ filter: filtersToQuery(next) });
  /** A panel row's value as an `is` filter, in place of a filter of its dimension. */
  const addFilter = (dimension: string, value: string) =>
    setFilters(withFilter(filters.value, rowFilter(dimension, value)));

  return { spec, filters, setQuery, setSpec, setFilters, addFilter };
}
