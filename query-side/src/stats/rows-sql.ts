/**
 * The rows of a Stats API answer from its sides (plan.ts): each side a CTE with one row per
 * dimension value (`d0…`) and some of the metrics, joined into `j`, one row per value with every
 * metric as `m_<metric>`; and the order of its page (`orderSql`).
 */
import type { Dimension } from './dimensions';
import { isTime } from './clauses';
import type { StatsQuery } from './query';

/** A CTE of the answer and the metric columns it holds. */
export interface Side {
  name: string;
  columns: string[];
}

/**
 * The CTEs `u` (the sides' rows, when there are several) and `j`. `groupBy` is the dimensions'
 * `group by` (empty without dimensions). `percentage` divides by the CTE `total`'s visitors and
 * `conversion_rate` by `crt`'s, which the caller has added.
 */
export function joinedRowsCtes(
  q: StatsQuery,
  sides: Side[],
  dimensionColumns: string[],
  groupBy: string,
): string[] {
  const ctes: string[] = [];
  // One row per dimension value present on any side, the other sides' metrics 0. A union and a
  // group by, not a full join: a full join needs a hash- or merge-joinable condition, and dimension
  // values may be null (`is not distinct from` is neither). Each side has at most one row per value.
  // The nulls typed: a union resolves a column's type branch by branch, and two untyped nulls
  // make text, which a third side's number then cannot join (bigint and numeric both fit numeric).
  const branch = (name: string) =>
    `select ${[
      ...dimensionColumns,
      ...sides.flatMap((side) => side.columns.map((m) => (side.name === name ? m : `null::numeric as ${m}`))),
    ].join(', ')} from ${name}`;
  // One side holding every metric (most reports): its rows are already one per value.
  const only =
    sides.length === 1 && q.metrics.every((m) => sides[0]!.columns.includes(m)) ? sides[0] : undefined;
  if (only === undefined) ctes.push(`u as (${sides.map((side) => branch(side.name)).join(' union all ')})`);
  // Plausible's roundings (special_metrics.ex): a percentage to one decimal, a conversion rate to two.
  const rate = (whole: string, decimals: number) =>
    `coalesce(round(100.0 * max(u.visitors) / nullif(${whole}, 0), ${decimals}), 0)`;
  const metricSelect = q.metrics.flatMap((m) => {
    if (m === 'percentage') return [`${rate('max(total.visitors)', 1)} as m_percentage`];
    if (m === 'conversion_rate') return [`${rate('max(crt.visitors)', 2)} as m_conversion_rate`];
    // Divided once the rows are grouped (plan.ts, groupConversionCte): its numerator, the row's visitors, meanwhile.
    if (m === 'group_conversion_rate') return ['coalesce(max(u.visitors), 0) as x_visitors'];
    if (m === 'exit_rate')
      return [
        'coalesce(round(100.0 * max(u.visits) / nullif(max(u.exit_pageviews), 0), 1), 0) as m_exit_rate',
      ];
    return [`coalesce(max(u.${m}), 0) as m_${m}`];
  });
  const totals = [
    ...(q.metrics.includes('percentage') ? ['total'] : []),
    ...(q.metrics.includes('conversion_rate') ? ['crt'] : []),
  ];
  if (only !== undefined)
    ctes.push(
      `j as (select ${[...dimensionColumns, ...q.metrics.map((m) => `coalesce(${m}, 0) as m_${m}`)].join(', ')} from ${only.name})`,
    );
  else
    ctes.push(
      `j as (select ${[...dimensionColumns.map((d) => `u.${d}`), ...metricSelect].join(', ')} from u` +
        `${totals.map((t) => ` cross join ${t}`).join('')}${groupBy})`,
    );
  return ctes;
}

/**
 * The explicit order_by, else Plausible's default (the time dimension ascending, else the first
 * metric descending); then every dimension ascending, so equal rows have one order across pages.
 */
export function orderSql(q: StatsQuery, dimensionColumns: string[]): string {
  const column = (key: string) => {
    const d = q.dimensions.indexOf(key as Dimension);
    return d >= 0 ? dimensionColumns[d]! : `m_${key}`;
  };
  const terms: string[] = [];
  if (q.orderBy.length > 0) {
    for (const { key, direction } of q.orderBy) terms.push(`${column(key)} ${direction} nulls last`);
  } else {
    const time = q.dimensions.find(isTime);
    if (time) terms.push(`${column(time)} asc`);
    else terms.push(`m_${q.metrics[0]} desc`);
  }
  for (const d of dimensionColumns) {
    if (!terms.some((t) => t.startsWith(`${d} `))) terms.push(`${d} asc nulls last`);
  }
  return terms.join(', ');
}
