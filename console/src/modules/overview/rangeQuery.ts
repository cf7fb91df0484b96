/**
 * A report screen's range and filters in its URL (the Overview, Goals, a public dashboard):
 * ?range=24h, or ?range=custom&from=…&to=… (ISO), and the filters as repeated `filter=`
 * (shared/filters.ts); the Overview adds &breakdown=1.
 */
import { computed } from 'vue';
import { useRoute, useRouter, type LocationQuery, type LocationQueryRaw } from 'vue-router';
import { filtersFromQuery, filtersToQuery, rowFilter, withFilter, type Filter } from '@/shared/filters';
import { isPreset, outsideCalendar, PRESETS, type RangeSpec } from '@/shared/time';

const first = (v: LocationQuery[string] | undefined) => (Array.isArray(v) ? v[0] : v) ?? undefined;

/** The range a link asks for, and, when it could not be read, what the page says instead. */
export interface LinkRange {
  spec: RangeSpec;
  /** "The link’s range “from=abc” is not a date; showing the last 24 hours", or null. */
  problem: string | null;
}

/**
 * An instant of a link: an ISO 8601 date, with a time or not (`2025-03-01T10:00:00.000Z`). A
 * four-digit year keeps the range, its end's minute and its previous period within what a Date
 * can hold (a `to` in the year 275760 made the range line and every query throw); Date.parse alone
 * also reads "1" as 2001.
 */
function linkInstant(text: string | undefined): number | undefined {
  const ms = text !== undefined && /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/** The part of the link at fault, as the page quotes it: “from=abc”, cut short when long. */
const quote = (key: string, value: string) =>
  `“${key}=${value.length > 40 ? `${value.slice(0, 40)}…` : value}”`;

/** What a link's range that cannot be read shows: the default, the last 24 hours, saying why. */
const unread = (reason: string): LinkRange => ({
  spec: { kind: 'preset', preset: '24h' },
  problem: `The link’s range ${reason}; showing the last 24 hours`,
});

/**
 * The range of a report screen's URL. One it cannot read (a `from` that is no date, a custom range
 * without its end or ending before it starts, an unknown `range`, `from`/`to` without
 * `range=custom`) is the last 24 hours, as without any, and says so: silently showing another range
 * than the link's would pass for its figures.
 */
export function rangeFromQuery(query: LocationQuery): LinkRange {
  const range = first(query.range);
  const text = { from: first(query.from), to: first(query.to) };
  if (range === 'custom') {
    const from = linkInstant(text.from);
    const to = linkInstant(text.to);
    if (from !== undefined && to !== undefined) {
      if (from >= to) return unread(`${quote('to', text.to!)} is not after its “from”`);
      const outside = outsideCalendar(from, to);
      return outside ? unread(outside) : { spec: { kind: 'custom', from, to }, problem: null };
    }
    const key = from === undefined ? 'from' : 'to';
    const value = text[key];
    return unread(value === undefined ? `has no “${key}”` : `${quote(key, value)} is not a date`);
  }
  if (isPreset(range)) return { spec: { kind: 'preset', preset: range }, problem: null };
  if (range !== undefined)
    return unread(`${quote('range', range)} is not one of ${Object.keys(PRESETS).join(', ')}, custom`);
  const stray = text.from !== undefined ? 'from' : text.to !== undefined ? 'to' : null;
  if (stray) return unread(`${quote(stray, text[stray]!)} comes without “range=custom”`);
  return { spec: { kind: 'preset', preset: '24h' }, problem: null };
}

export function specToQuery(spec: RangeSpec): LocationQueryRaw {
  if (spec.kind === 'preset') return { range: spec.preset };
  return { range: 'custom', from: new Date(spec.from).toISOString(), to: new Date(spec.to).toISOString() };
}

/** What a report screen last showed (the Overview's store): for which project, over what, filtered how. */
export interface LastShown {
  projectId: string | null;
  spec: RangeSpec;
  filters: readonly Filter[];
}

/**
 * The current route's range and filters, and their changes, each pushed as a history entry (Back
 * returns to the previous view); `setQuery` changes other parameters of the screen alike. With
 * `adopt`, a screen opened without a range or filters (from the navigation) takes the ones `last`
 * showed for `projectId` and puts them in its URL: the Overview and Goals keep each other's.
 */
export function useReportQuery(adopt?: { projectId: string; last: LastShown }) {
  const route = useRoute();
  const router = useRouter();
  const link = computed(() => rangeFromQuery(route.query));
  const adopted =
    adopt &&
    route.query.range === undefined &&
    route.query.filter === undefined &&
    adopt.last.projectId === adopt.projectId
      ? { spec: adopt.last.spec, filters: [...adopt.last.filters] }
      : null;
  if (adopted) {
    void router.replace({
      query: { ...route.query, ...specToQuery(adopted.spec), filter: filtersToQuery(adopted.filters) },
    });
  }
  // Until the replaced URL is the route, the adopted ones (not the default, which would be fetched).
  const pending = () => adopted !== null && route.query.range === undefined;
  const spec = computed<RangeSpec>(() => (pending() ? adopted!.spec : link.value.spec));
  /** Why the link's range was not taken, said on the page; null when it was. */
  const rangeProblem = computed(() => link.value.problem);
  const filters = computed<Filter[]>(() => (pending() ? adopted!.filters : filtersFromQuery(route.query)));

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

  return { spec, rangeProblem, filters, setQuery, setSpec, setFilters, addFilter };
}
