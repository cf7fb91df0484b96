/**
 * Report filters, one language for the dashboard and the explorer: the Stats API's
 * `[operator, dimension, [value]]` (docs/stats-api.md, Filters) on any report dimension, with the
 * operators is, is_not, contains and contains_not. The dashboard adds an `is` filter by clicking a
 * panel's row; the explorer takes the same filters (GET /v1/events `filters`), so a drill-down
 * carries them over unchanged.
 *
 * In the URL each is one `filter=<dimension><operator><value>` parameter: `=` is, `!=` is not,
 * `~` contains, `!~` does not contain (`filter=visit:source=Google`, `filter=event:page~/blog`). A
 * dimension never holds `=`, `!` or `~`, so the value is everything after the operator, `=`
 * included. A copied link shows the same filtered view.
 *
 * A missing value (the Stats API's "(none)" row) is `contains_not ""`: the Stats API's negated
 * operators pass a row without the property, and every present value contains "", so exactly the
 * rows without it pass.
 */
import type { LocationQuery } from 'vue-router';
import { countryName } from './countries';

export type FilterOp = 'is' | 'is_not' | 'contains' | 'contains_not';

export interface Filter {
  /** A Stats API dimension: `event:page`, `visit:source`, `event:props:plan`, … */
  dimension: string;
  op: FilterOp;
  value: string;
}

/** Dimensions a filter may name, with the chip's name for each (`event:props:<key>` besides). */
export const DIMENSION_LABELS: Record<string, string> = {
  'event:page': 'Page',
  'event:name': 'Event',
  'event:hostname': 'Host',
  // The project's goals by name (docs/stats-api.md, Goals); the explorer reads them too.
  'event:goal': 'Goal',
  'visit:entry_page': 'Entry page',
  'visit:exit_page': 'Exit page',
  'visit:entry_page_hostname': 'Entry page host',
  'visit:exit_page_hostname': 'Exit page host',
  'visit:source': 'Source',
  'visit:channel': 'Channel',
  'visit:referrer': 'Referrer',
  'visit:utm_medium': 'UTM medium',
  'visit:utm_source': 'UTM source',
  'visit:utm_campaign': 'UTM campaign',
  'visit:utm_term': 'UTM term',
  'visit:utm_content': 'UTM content',
  'visit:browser': 'Browser',
  'visit:browser_version': 'Browser version',
  'visit:os': 'OS',
  'visit:os_version': 'OS version',
  'visit:device': 'Device',
  'visit:country': 'Country',
  'visit:country_name': 'Country name',
};

/** The operators in the URL and on the chips. */
export const OPERATORS: ReadonlyArray<{ op: FilterOp; url: string; label: string }> = [
  { op: 'is', url: '=', label: 'is' },
  { op: 'is_not', url: '!=', label: 'is not' },
  { op: 'contains', url: '~', label: 'contains' },
  { op: 'contains_not', url: '!~', label: 'does not contain' },
];

/** A metadata key as a dimension (`event:props:plan`): letters, digits, `_`, `.` and `-`. */
const PROPERTY = /^event:props:[\w.-]{1,100}$/;
const ENTRY = /^(event:props:[\w.-]+|(?:event|visit):[a-z_]+)(!=|!~|=|~)([\s\S]*)$/;

export function isKnownDimension(dimension: string): boolean {
  return dimension in DIMENSION_LABELS || PROPERTY.test(dimension);
}

/** The Stats API's missing value, as its panels show it. */
export const NONE = '(none)';

/** The filter a panel's row stands for: `is` its value, or "no value" for the "(none)" row. */
export function rowFilter(dimension: string, value: string): Filter {
  return value === NONE ? { dimension, op: 'contains_not', value: '' } : { dimension, op: 'is', value };
}

const sameFilter = (a: Filter, b: Filter) =>
  a.dimension === b.dimension && a.op === b.op && a.value === b.value;

/** One filter's URL form: `visit:source=Google`. */
export function filterToText(filter: Filter): string {
  const op = OPERATORS.find((o) => o.op === filter.op)!;
  return `${filter.dimension}${op.url}${filter.value}`;
}

/** `visit:source=Google` as a filter, or undefined when malformed or of an unknown dimension. */
export function filterFromText(text: string): Filter | undefined {
  const m = ENTRY.exec(text);
  if (!m) return undefined;
  const [, dimension, url, value] = m;
  if (!isKnownDimension(dimension!)) return undefined;
  return { dimension: dimension!, op: OPERATORS.find((o) => o.url === url)!.op, value: value! };
}

/** The filters in `query.filter`, in order, without malformed or unknown ones and duplicates. */
export function filtersFromQuery(query: LocationQuery): Filter[] {
  const raw = query.filter;
  const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
  const filters: Filter[] = [];
  for (const text of values) {
    const filter = filterFromText(text);
    if (filter && !filters.some((f) => sameFilter(f, filter))) filters.push(filter);
  }
  return filters;
}

/** `filter` for the URL: undefined (no parameter) without filters. */
export function filtersToQuery(filters: readonly Filter[]): string[] | undefined {
  return filters.length === 0 ? undefined : filters.map(filterToText);
}

/**
 * `filters` with `next`: it replaces the filters of the same dimension (two `is` of one dimension
 * would match nothing), appended otherwise. What a click on a panel's row does.
 */
export function withFilter(filters: readonly Filter[], next: Filter): Filter[] {
  return [...filters.filter((f) => f.dimension !== next.dimension), next];
}

/** `filters` and `next`, unless it is there already: what the explorer's "Add" does. */
export function andFilter(filters: readonly Filter[], next: Filter): Filter[] {
  return filters.some((f) => sameFilter(f, next)) ? [...filters] : [...filters, next];
}

export function withoutFilter(filters: readonly Filter[], gone: Filter): Filter[] {
  return filters.filter((f) => !sameFilter(f, gone));
}

/** As the Stats API's `filters` (and GET /v1/events's, as JSON). */
export function statsFilters(filters: readonly Filter[]): [FilterOp, string, string[]][] {
  return filters.map((f) => [f.op, f.dimension, [f.value]]);
}

export function dimensionLabel(dimension: string): string {
  if (dimension.startsWith('event:props:')) return `Property ${dimension.slice('event:props:'.length)}`;
  return DIMENSION_LABELS[dimension] ?? dimension;
}

/**
 * How a whole value of `dimension` reads: a country code as its name (`DE` → "Germany"), any other
 * value as it is. The panels' rows and the filter chips show it; the value itself filters and links.
 */
export function valueLabel(dimension: string, value: string): string {
  return dimension === 'visit:country' ? countryName(value) : value;
}

/** "Source is Google", "Page does not contain /admin", "Country is Germany" (`DE`), "Country is (none)". */
export function filterLabel(filter: Filter): string {
  const name = dimensionLabel(filter.dimension);
  if (filter.op === 'contains_not' && filter.value === '') return `${name} is ${NONE}`;
  const op = OPERATORS.find((o) => o.op === filter.op)!;
  // Only is and is not hold a whole value; contains holds a part of one, shown as typed.
  const value =
    filter.op === 'is' || filter.op === 'is_not' ? valueLabel(filter.dimension, filter.value) : filter.value;
  return `${name} ${op.label} ${value === '' ? '""' : value}`;
}

/** Removable chips: a key (the URL form) and a label per filter. */
export function filterChips(filters: readonly Filter[]): Array<{ key: string; label: string }> {
  return filters.map((f) => ({ key: filterToText(f), label: filterLabel(f) }));
}
