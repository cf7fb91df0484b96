/**
 * The goals' SQL for the planner (plan.ts).
 *
 * Goals (the project's, from its settings) are rows `(name, event_name, page_regex)` of three
 * bound arrays (`unnest`), written where they are used, so a filter stands on its own (the
 * explorer compiles filters without this planner's statement). An event reaches a goal when it is
 * an event of its `event_name`, or a page_view whose page matches its `page_regex` (contracts'
 * pagePatternRegex). `event:goal` as a dimension joins each event to every goal it reaches (`eg`);
 * as a filter it keeps the events reaching a goal whose name passes the operator (`exists`).
 * `conversion_rate` divides a row's visitors by the visitors of the whole range with the other
 * filters (the top-level `event:goal` and `event:props:*` filters left out, as Plausible does),
 * `group_conversion_rate` by those of the row's own values of the dimensions other than
 * `event:goal`.
 */
import { pagePatternRegex } from '@eventlens/contracts';
import type { Dimension, PropertyDimension } from './dimensions';
import type { Filter } from './filters';
import type { StatsQuery } from './query';
import { eventSql, NEGATED, positiveSql, type Binder } from './sql';

/** The goals' dimension. */
export const GOAL: PropertyDimension = 'event:goal';

/**
 * The project's goals as rows aliased `alias`: `name`, `event_name` (null for a page goal) and
 * `page_regex` (the page pattern as a regular expression; null for an event goal), from three bound
 * arrays in the goals' order.
 */
function goalsSql(q: StatsQuery, alias: string, b: Binder): string {
  const names = q.goals.map((g) => g.name);
  const events = q.goals.map((g) => ('event_name' in g ? g.event_name : null));
  const regexes = q.goals.map((g) => ('page_path' in g ? pagePatternRegex(g.page_path) : null));
  return (
    `unnest(${b.bind(names, 'text[]')}, ${b.bind(events, 'text[]')}, ${b.bind(regexes, 'text[]')})` +
    ` as ${alias}(name, event_name, page_regex)`
  );
}

/** Whether the events row `alias` reaches the goal row `goal` (an event of its name, or a matching page view). */
function reachesSql(alias: string, goal: string, b: Binder): string {
  const page = eventSql('event:page', alias, b)!;
  return (
    `(case when ${goal}.event_name is not null then ${alias}.event_name = ${goal}.event_name` +
    ` else ${alias}.event_name = 'page_view' and coalesce(${page} ~ ${goal}.page_regex, false) end)`
  );
}

/**
 * The goals an `event:goal` dimension groups by, as a join condition on the goal row `goal` beside
 * `reaches`: with top-level `event:goal` filters, only the goals they name (Plausible's
 * `matching_toplevel_filters`), so a filter on one goal shows that goal's row alone.
 */
function goalJoinSql(q: StatsQuery, alias: string, goal: string, b: Binder): string {
  const conditions = [reachesSql(alias, goal, b)];
  for (const f of q.filters) {
    if (!('dimension' in f) || f.dimension !== GOAL) continue;
    const positive = NEGATED[f.op] ?? (f.op as 'is' | 'contains' | 'matches');
    const named = positiveSql(positive, `${goal}.name`, f.values, f.caseSensitive, b);
    conditions.push(f.op in NEGATED ? `not coalesce(${named}, false)` : named);
  }
  return conditions.join(' and ');
}

/** The top-level filters a conversion rate's denominator keeps: all but `event:goal` and `event:props:*`. */
function totalsFilters(q: StatsQuery): Filter[] {
  return q.filters.filter(
    (f) => !('dimension' in f) || (f.dimension !== GOAL && !f.dimension.startsWith('event:props:')),
  );
}

/** ` join <the goals as goal> on <goalJoinSql>`: the events row `alias` joined to each goal it reaches (`event:goal` as a dimension). */
export function goalsJoinSql(q: StatsQuery, alias: string, goal: string, b: Binder): string {
  return ` join ${goalsSql(q, goal, b)} on ${goalJoinSql(q, alias, goal, b)}`;
}

/**
 * `event:goal` as a filter on the events row `alias`: it reaches a goal whose name passes the
 * positive operator `op` with `values` (no goal: no event does). The caller negates it.
 */
export function goalFilterSql(
  q: StatsQuery,
  alias: string,
  op: 'is' | 'contains' | 'matches',
  values: string[],
  caseSensitive: boolean,
  b: Binder,
): string {
  return (
    `exists (select 1 from ${goalsSql(q, 'fg', b)} where ${positiveSql(op, 'fg.name', values, caseSensitive, b)}` +
    ` and ${reachesSql(alias, 'fg', b)})`
  );
}

/**
 * The CTEs of the conversion rates' denominators, for the metrics `q` asks: visitors (`visitors`,
 * their SQL) without the goal (and property) filters, of the whole range (`crt`, conversion_rate)
 * or of each value of the dimensions other than `event:goal` (`gt`, group_conversion_rate).
 * `dimension` is a dimension's SQL over the events, `from` the FROM and WHERE over them with
 * `filters`; the bindings follow the order of the text.
 */
export function conversionCtes(
  q: StatsQuery,
  visitors: string,
  dimension: (d: Dimension) => string | undefined,
  from: (filters: Filter[]) => string,
): string[] {
  const ctes: string[] = [];
  if (q.metrics.includes('conversion_rate'))
    ctes.push(`crt as (select ${visitors} as visitors${from(totalsFilters(q))})`);
  if (q.metrics.includes('group_conversion_rate')) {
    const others = q.dimensions.flatMap((d, i) => (d === GOAL ? [] : [{ d, i }]));
    const dims = others.map(({ d, i }) => `${dimension(d)} as d${i}`);
    const by = others.length > 0 ? ` group by ${others.map((_, k) => k + 1).join(', ')}` : '';
    ctes.push(
      `gt as (select ${[...dims, `${visitors} as visitors`].join(', ')}${from(totalsFilters(q))}${by})`,
    );
  }
  return ctes;
}

/**
 * The CTE `jg`: each row of `j` (its visitors as `x_visitors`) with its group_conversion_rate, the
 * visitors of its values of the other dimensions (`gt`) matched on their JSON text, which tells a
 * missing value (null) from any text and can be hash-joined.
 */
export function groupConversionCte(q: StatsQuery, dimensionColumns: string[]): string {
  const others = dimensionColumns.filter((_, i) => q.dimensions[i] !== GOAL);
  const key = (alias: string) => `json_build_array(${others.map((d) => `${alias}.${d}`).join(', ')})::text`;
  const on = others.length > 0 ? `${key('j')} = ${key('gt')}` : 'true';
  return (
    `jg as (select j.*, coalesce(round(100.0 * j.x_visitors / nullif(gt.visitors, 0), 2), 0) as m_group_conversion_rate` +
    ` from j left join gt on ${on})`
  );
}
