/**
 * The Stats API's filters (Plausible's `[operator, dimension, [values…]]`, `["and"|"or", […]]`,
 * `["not", filter]`): their types and operators, and `parseFilters`, which validates a request's
 * JSON against them. Also the explorer's (read-models/events.ts).
 */
import { LIMITS, pagePatternRegex } from '@eventlens/contracts';
import { parseDimension, type PropertyDimension } from './dimensions';
import { QueryError } from './errors';

export const FILTER_OPERATORS = [
  'is',
  'is_not',
  'contains',
  'contains_not',
  'matches',
  'matches_not',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/**
 * Plausible's wildcard operators, each the regular-expression operator it is parsed into: a value is
 * a pattern where `**` is any characters and `*` any characters but `/`, the rest literal, matched
 * against the whole value (contracts' pagePatternRegex, the rule of page goals and funnel steps). So
 * `/blog/*` is a post of the blog and not the blog's own pages below it; `/blog/**` is all of them.
 */
export const WILDCARD_OPERATORS = {
  matches_wildcard: 'matches',
  matches_wildcard_not: 'matches_not',
} as const satisfies Record<string, FilterOperator>;

/** Plausible's behavioral operators: whether the row's visit has (not) done an event matching a filter. */
export const BEHAVIORAL_OPERATORS = ['has_done', 'has_not_done'] as const;
export type BehavioralOperator = (typeof BEHAVIORAL_OPERATORS)[number];

export type Filter =
  | { op: FilterOperator; dimension: PropertyDimension; values: string[]; caseSensitive: boolean }
  | { op: 'and' | 'or'; filters: Filter[] }
  | { op: 'not'; filter: Filter }
  | { op: BehavioralOperator; filter: Filter };

const MAX_FILTER_DEPTH = 6;
const MAX_FILTER_VALUES = 100;
/** The longest value a filter compares with, in UTF-16 code units: the longest URL an event may carry. */
const MAX_FILTER_VALUE_LENGTH = LIMITS.urlMaxLength;

function parseFilter(raw: unknown, field: string, depth: number): Filter {
  if (depth > MAX_FILTER_DEPTH) throw new QueryError(field, `filters nest at most ${MAX_FILTER_DEPTH} deep`);
  if (!Array.isArray(raw) || typeof raw[0] !== 'string') throw new QueryError(field, 'must be [operator, …]');
  const op = raw[0];
  if (op === 'and' || op === 'or') {
    const list: unknown = raw[1];
    if (raw.length !== 2 || !Array.isArray(list) || list.length === 0)
      throw new QueryError(field, `must be ["${op}", [filter, …]] with at least one filter`);
    return { op, filters: list.map((f, i) => parseFilter(f, `${field}.1.${i}`, depth + 1)) };
  }
  if (op === 'not') {
    if (raw.length !== 2) throw new QueryError(field, 'must be ["not", filter]');
    return { op, filter: parseFilter(raw[1], `${field}.1`, depth + 1) };
  }
  if ((BEHAVIORAL_OPERATORS as readonly string[]).includes(op)) {
    if (raw.length !== 2) throw new QueryError(field, `must be ["${op}", filter]`);
    const inner = parseFilter(raw[1], `${field}.1`, depth + 1);
    // As Plausible: the filter is on the events of the visit, and says nothing of another visit.
    const wrong = innerProblem(inner, op);
    if (wrong) throw new QueryError(`${field}.1`, `${op} takes a filter on event dimensions only: ${wrong}`);
    return { op: op as BehavioralOperator, filter: inner };
  }
  const wildcard = Object.hasOwn(WILDCARD_OPERATORS, op);
  if (!wildcard && !(FILTER_OPERATORS as readonly string[]).includes(op)) {
    throw new QueryError(`${field}.0`, `unknown or unsupported operator '${op}'`);
  }
  if (raw.length < 3 || raw.length > 4)
    throw new QueryError(field, 'must be [operator, dimension, [values…]]');
  if (typeof raw[1] !== 'string') throw new QueryError(`${field}.1`, 'must be a dimension name');
  const dimension = parseDimension(raw[1], `${field}.1`, false) as PropertyDimension;
  const values: unknown = raw[2];
  if (!Array.isArray(values) || values.length === 0 || values.length > MAX_FILTER_VALUES)
    throw new QueryError(`${field}.2`, `must be 1 to ${MAX_FILTER_VALUES} strings`);
  values.forEach((v: unknown, i) => {
    if (typeof v !== 'string') throw new QueryError(`${field}.2.${i}`, 'must be a string');
    if (v.length > MAX_FILTER_VALUE_LENGTH)
      throw new QueryError(
        `${field}.2.${i}`,
        `is ${v.length.toLocaleString('en-US')} characters, over the limit of ${MAX_FILTER_VALUE_LENGTH.toLocaleString('en-US')} (the longest URL an event may carry)`,
      );
  });
  let caseSensitive = true;
  if (raw.length === 4) {
    const modifiers: unknown = raw[3];
    const keys = modifiers && typeof modifiers === 'object' ? Object.keys(modifiers) : ['?'];
    const value = (modifiers as { case_sensitive?: unknown } | null)?.case_sensitive;
    if (keys.some((k) => k !== 'case_sensitive') || (value !== undefined && typeof value !== 'boolean'))
      throw new QueryError(`${field}.3`, 'the only modifier is {"case_sensitive": boolean}');
    caseSensitive = value !== false;
  }
  if (wildcard) {
    const regexOp = WILDCARD_OPERATORS[op as keyof typeof WILDCARD_OPERATORS];
    return { op: regexOp, dimension, values: (values as string[]).map(pagePatternRegex), caseSensitive };
  }
  return { op: op as FilterOperator, dimension, values: values as string[], caseSensitive };
}

/** Why `filter` cannot be the filter of `op` (has_done or has_not_done), or undefined when it can. */
function innerProblem(filter: Filter, op: string): string | undefined {
  if ('filters' in filter) return filter.filters.map((f) => innerProblem(f, op)).find((p) => p !== undefined);
  if ((BEHAVIORAL_OPERATORS as readonly string[]).includes(filter.op))
    return `${filter.op} cannot be nested in ${op}`;
  if ('filter' in filter) return innerProblem(filter.filter, op);
  return filter.dimension.startsWith('event:')
    ? undefined
    : `${filter.dimension} is of the visit, not of its events: filter on it beside ${op}`;
}

/**
 * A request's `filters` (the JSON of `[operator, dimension, [values…]]`, `["and"|"or", […]]`,
 * `["not", filter]`) as the compiler takes them (plan.ts, `filterSql`), or a `QueryError` naming the
 * one at fault by its path from `field` (`filters.1.1`). Names are checked against what EventLens
 * implements; `event:goal` is accepted here, and means something only to a caller that has the
 * project's goals (parseQuery's `goals`).
 */
export function parseFilters(raw: readonly unknown[], field = 'filters'): Filter[] {
  return raw.map((f, i) => parseFilter(f, `${field}.${i}`, 0));
}

/** Whether `filter` names `dimension` anywhere in its tree. */
export function filterNames(filter: Filter, dimension: PropertyDimension): boolean {
  if ('filters' in filter) return filter.filters.some((f) => filterNames(f, dimension));
  if ('filter' in filter) return filterNames(filter.filter, dimension);
  return filter.dimension === dimension;
}

/**
 * Whether `filter` filters the events themselves: an `event:*` filter anywhere in its tree but inside
 * `has_done`/`has_not_done`, which choose visits.
 */
export function filtersEvents(filter: Filter): boolean {
  if ('filters' in filter) return filter.filters.some(filtersEvents);
  if (filter.op === 'has_done' || filter.op === 'has_not_done') return false;
  if ('filter' in filter) return filtersEvents(filter.filter);
  return filter.dimension.startsWith('event:');
}
