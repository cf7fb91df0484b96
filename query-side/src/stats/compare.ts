/**
 * `include.comparisons`: the query run a second time over the compared period (dates.ts,
 * comparisonPeriod), its rows matched to the main query's rows, and the change of each metric —
 * Plausible's rules (lib/plausible/stats/compare.ex, comparisons.ex, query_runner.ex). Pure: the
 * caller runs both statements.
 */
import type { PropertyDimension } from './dimensions';
import type { Filter } from './filters';
import type { Metric, StatsQuery } from './query';

/** A row of the answer: dimension labels (in the query's order) and metric values. */
export interface ResultRow {
  dimensions: string[];
  metrics: number[];
}

/** A row's comparison, as Plausible's Stats API v2 answers it. */
export interface Comparison {
  dimensions: string[];
  metrics: number[];
  /** Per metric: see `change`. */
  change: Array<number | null>;
}

/** Elixir's `round/1`: half away from zero (JavaScript's Math.round rounds -2.5 to -2). */
const roundHalfAway = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

/**
 * The change of `metric` from `old` (the compared period) to `now`, as Plausible's
 * `Compare.calculate_change`: `conversion_rate` and `exit_rate` are the difference in percentage
 * points, one decimal; `bounce_rate` the difference in points, null when the old rate is 0; every
 * other metric (`group_conversion_rate` too) the percentage change rounded to a whole number, 100
 * from 0 to anything more, 0 from 0 to 0.
 */
export function change(metric: Metric, old: number, now: number): number | null {
  if (metric === 'conversion_rate' || metric === 'exit_rate') return Math.round((now - old) * 10) / 10;
  if (metric === 'bounce_rate') return old > 0 ? now - old : null;
  if (old === 0) return now > 0 ? 100 : 0;
  return roundHalfAway(((now - old) / old) * 100);
}

/**
 * The compared query: the main one over `period`, every row (no pagination), and — when the main
 * page has property dimensions — only the page's dimension values, as Plausible's
 * `add_comparison_filters` does, so the second statement reads no more groups than the page shows.
 * A page holding a missing value (`(none)`, SQL null, which `is` names only together with a stored
 * value `(none)`, sql.ts MISSING_LABELS) or a query with
 * `percentage` or `conversion_rate` (whose totals, over all rows, would shrink with the filter) is
 * compared unfiltered.
 *
 * `rawPage` holds the page's dimension values as SQL returned them (null for missing).
 */
export function comparisonQuery(q: StatsQuery, rawPage: Array<Array<string | null>>): StatsQuery {
  const compared = q.include.comparison!;
  const base: StatsQuery = {
    ...q,
    period: compared.period,
    orderBy: [],
    limit: Number.MAX_SAFE_INTEGER,
    offset: 0,
    include: { timeLabels: false, totalRows: false, comparison: null },
  };
  const properties = q.dimensions.flatMap((d, i) => (d.startsWith('time:') ? [] : [{ d, i }]));
  const restrict =
    properties.length > 0 &&
    rawPage.length > 0 &&
    !q.metrics.includes('percentage') &&
    !q.metrics.includes('conversion_rate') &&
    rawPage.every((row) => properties.every(({ i }) => row[i] !== null));
  if (!restrict) return base;
  const is = (d: string, values: string[]): Filter => ({
    op: 'is',
    dimension: d as PropertyDimension,
    values,
    caseSensitive: true,
  });
  let filter: Filter;
  if (properties.length === 1) {
    const { d, i } = properties[0]!;
    filter = is(d, [...new Set(rawPage.map((row) => row[i]!))]);
  } else {
    const seen = new Set<string>();
    const rows = rawPage.filter((row) => {
      const key = JSON.stringify(properties.map(({ i }) => row[i]));
      return !seen.has(key) && seen.add(key);
    });
    filter = {
      op: 'or',
      filters: rows.map((row) => ({ op: 'and', filters: properties.map(({ d, i }) => is(d, [row[i]!])) })),
    };
  }
  return { ...base, filters: [...q.filters, filter] };
}

/**
 * Each main row's comparison. A time dimension maps by position: the n-th bucket of the range
 * compares with the n-th bucket of the compared range (`mainLabels`, `comparedLabels`: every
 * bucket of each, as `time_labels` lists them; Plausible's `comparison_time_lookup`). A main row
 * without a compared row compares with zeros; its time label is the compared bucket (the main
 * label when the compared range has fewer buckets).
 */
export function attachComparisons(
  q: StatsQuery,
  main: ResultRow[],
  compared: ResultRow[],
  mainLabels: string[],
  comparedLabels: string[],
): Array<ResultRow & { comparison: Comparison }> {
  const timeIndex = q.dimensions.findIndex((d) => d.startsWith('time:'));
  const toCompared = new Map(mainLabels.map((label, n) => [label, comparedLabels[n]]));
  const byKey = new Map(compared.map((row) => [JSON.stringify(row.dimensions), row]));
  return main.map((row) => {
    const dimensions = row.dimensions.map((value, i) =>
      i === timeIndex ? (toCompared.get(value) ?? value) : value,
    );
    const metrics = byKey.get(JSON.stringify(dimensions))?.metrics ?? q.metrics.map(() => 0);
    return {
      ...row,
      comparison: {
        dimensions,
        metrics,
        change: q.metrics.map((m, k) => change(m, metrics[k]!, row.metrics[k]!)),
      },
    };
  });
}
