/**
 * The SQL pieces the planner (plan.ts), the goals' SQL (goal-sql.ts), funnels and the explorer
 * share: the bindings (`Binder`), an event property's expression (`eventSql`) and an operator's
 * predicate (`positiveSql`). Every value the client sent is a bound parameter, never SQL text.
 */
import { DIRECT_SOURCE, escapeForKnex } from '@eventlens/read-model';
import type { PropertyDimension } from './dimensions';

/** The host of an absolute URL, without user info or port. */
const HOSTNAME = '^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]*)';

/** A visitor's key over events `e` (docs/DESIGN.md, "Visits"): null for an event with neither id. */
export const VISITOR_SQL = 'coalesce(e.user_id, e.anonymous_id)';

/**
 * The events (`n`) and page views (`pv`) of a group of rows `alias` of one visitor (and dimension
 * values), each row one visit's counts in the range. Summed as integers: PostgreSQL's sum of an
 * integer keeps a bigint per group, its sum of a bigint a 128-bit state allocated per group, which
 * doubled the grouping's time (the KPI row over 7 days of the bench's 10 million events, 84,000
 * visitors: 220 → 160 ms). A row is one visit's events, far below 2^31; the sums are bigints.
 */
export const groupCountsSql = (alias: string) =>
  `sum(${alias}.n::integer) as n, sum(${alias}.pv::integer) as pv`;

export class Binder {
  readonly bindings: unknown[] = [];
  /** A placeholder for `value` (knex.raw's `?`), cast when PostgreSQL cannot infer the type. */
  bind(value: unknown, cast?: string): string {
    this.bindings.push(value);
    return cast ? `?::${cast}` : '?';
  }
}

/**
 * The host of the URL in `column` (a SQL expression), lower case, as a SQL expression: text, null
 * without a URL. The pattern is this module's constant, so it binds nothing: its `?`s are escaped
 * for knex.raw, which every statement here runs through (`escapeForKnex`).
 */
export function hostnameSql(column: string): string {
  return `lower(substring(${column} from ${escapeForKnex(`'${HOSTNAME}'`)}))`;
}

/** The path of an http(s) URL: from the first `/` after the host to the query or fragment. */
const HTTP_PATH = '^[hH][tT][tT][pP][sS]?://[^/?#]*([^?#]*)';

/**
 * Plausible's `visit:referrer` over a visit row `alias` (its ingestion's `clean_referrer` and
 * `parse_referrer`), from the entry's referrer as sent (`entry_referrer`): an http(s) URL's host
 * (`hostnameSql`: lower case, no user info or port) without a leading `www.`, then its path without
 * trailing slashes (`news.ycombinator.com`, `google.com/search`; query and fragment left out). None,
 * another kind of URL, or the entry page's own host (internal navigation; `www.` and case ignored,
 * as the source's rule) is `Direct / None`, as Plausible shows it. A text expression, never null.
 */
export function referrerSql(alias: string): string {
  const host = (column: string) => `regexp_replace(${hostnameSql(column)}, '^www\\.', '')`;
  const referrerHost = host(`${alias}.entry_referrer`);
  const path = `rtrim(substring(${alias}.entry_referrer from ${escapeForKnex(`'${HTTP_PATH}'`)}), '/')`;
  // Only http(s) has a path here; another scheme's URL (android-app://…) names no site.
  return (
    `(case when ${path} is not null and ${referrerHost} <> ''` +
    ` and ${referrerHost} is distinct from ${host(`${alias}.entry_url`)}` +
    ` then ${referrerHost} || ${path} else '${DIRECT_SOURCE}' end)`
  );
}

/** A property dimension over an events row aliased `alias`, or undefined for a visit dimension or `event:goal`. */
export function eventSql(dimension: PropertyDimension, alias: string, b: Binder): string | undefined {
  if (dimension === 'event:name') return `${alias}.event_name`;
  // Written by the analytics projection (pagePath) for every event with a URL (read-model migration
  // 009): a read, not an expression over each URL.
  if (dimension === 'event:page') return `${alias}.page`;
  if (dimension === 'event:hostname') return hostnameSql(`${alias}.url`);
  if (dimension.startsWith('event:props:'))
    return `(${alias}.metadata ->> ${b.bind(dimension.slice('event:props:'.length), 'text')})`;
  return undefined;
}

export const NEGATED: Record<string, 'is' | 'contains' | 'matches'> = {
  is_not: 'is',
  contains_not: 'contains',
  matches_not: 'matches',
};

/** `%value%` for LIKE, the value's own `%`, `_` and `\` taken literally. */
const likePattern = (value: string) => `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** How the Stats API shows a missing value in a row's `dimensions` (api.ts). */
export const NONE_LABEL = '(none)';

/**
 * The labels an `is` filter takes for the missing value: the Stats API's own, Plausible's
 * `(not set)` (its label of an empty UTM value, device, browser or OS, which its filters read as
 * empty: where_builder.ex), and `""`, what Plausible stores for a missing value (its examples
 * filter `["is_not", "visit:country_name", [""]]` to leave unknown countries out). So a row's value
 * filters to that row and a Plausible client's filter means what it meant there.
 */
const MISSING_LABELS: ReadonlySet<string> = new Set([NONE_LABEL, '(not set)', '']);

/**
 * A positive operator's predicate on `expr`: any of `values` (`is`, `contains`, `matches`). `is`
 * with a missing value's label (MISSING_LABELS) matches the rows without a value too.
 */
export function positiveSql(
  op: 'is' | 'contains' | 'matches',
  expr: string,
  values: string[],
  caseSensitive: boolean,
  b: Binder,
): string {
  if (op === 'is') {
    // The missing value as its label (the expression once: it may hold bound parameters itself).
    const missing = values.some((v) => MISSING_LABELS.has(v));
    const subject = missing ? `coalesce(${expr}, '${NONE_LABEL}')` : expr;
    const listed = missing ? [...values, NONE_LABEL] : values;
    return caseSensitive
      ? `${subject} = any(${b.bind(listed, 'text[]')})`
      : `lower(${subject}) = any(${b.bind(
          listed.map((v) => v.toLowerCase()),
          'text[]',
        )})`;
  }
  if (op === 'contains')
    return `${expr} ${caseSensitive ? 'like' : 'ilike'} any(${b.bind(values.map(likePattern), 'text[]')})`;
  return `${expr} ${caseSensitive ? '~' : '~*'} any(${b.bind(values, 'text[]')})`;
}
