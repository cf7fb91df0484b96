/** The figures a run prints as a table (stdout) and saves in its JSON (`rows`). */

/**
 * What a figure is held to: at most or at least a value in the row's own unit, or at least a share
 * (0–1) of the ceiling measured in the same run.
 */
export type Aim = { atMost: number } | { atLeast: number } | { atLeastOfCeiling: number };

/** One figure, with the ceiling measured in the same run that bounds it and the aim it is held to. */
export interface Row {
  figure: string;
  value: number;
  unit: string;
  ceiling?: { name: string; value: number };
  aim?: Aim;
}

/** Values of 100 and more are rounded and grouped (`37,851`), smaller ones keep one decimal (`4.3`). */
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));

/** The aim as printed: `≤ 250 ms`, `≥ 2,500 events/s`, `≥ 80% of ceiling`. */
export function describeAim(aim: Aim, unit: string): string {
  const n = (v: number) => (Number.isInteger(v) ? v.toLocaleString('en-US') : fmt(v));
  if ('atMost' in aim) return `≤ ${n(aim.atMost)} ${unit}`;
  if ('atLeast' in aim) return `≥ ${n(aim.atLeast)} ${unit}`;
  return `≥ ${Math.round(aim.atLeastOfCeiling * 100)}% of ceiling`;
}

/**
 * Whether `row` meets its aim; null when it has none (or a share of a ceiling it lacks). A value
 * that is not a number (nothing measured) meets no aim.
 */
export function aimMet(row: Row): boolean | null {
  const { aim, value } = row;
  if (!aim) return null;
  if (!Number.isFinite(value)) return false;
  if ('atMost' in aim) return value <= aim.atMost;
  if ('atLeast' in aim) return value >= aim.atLeast;
  return row.ceiling ? value >= aim.atLeastOfCeiling * row.ceiling.value : null;
}

/**
 * The table's lines, Markdown-shaped: figure, measured value, ceiling, ratio to the ceiling (a
 * multiple for latencies in ms, a percentage for rates), aim, and whether it is met (`yes`/`no`).
 */
export function formatTable(rows: Row[]): string[] {
  const lines = rows.map((r) => {
    const met = aimMet(r);
    return [
      r.figure,
      Number.isFinite(r.value) ? `${fmt(r.value)} ${r.unit}` : 'not measured',
      r.ceiling ? `${r.ceiling.name} ${fmt(r.ceiling.value)}` : '',
      r.ceiling
        ? r.unit === 'ms'
          ? `${(r.value / r.ceiling.value).toFixed(1)}×`
          : `${((100 * r.value) / r.ceiling.value).toFixed(0)}%`
        : '',
      r.aim ? describeAim(r.aim, r.unit) : '',
      met === null ? '' : met ? 'yes' : 'no',
    ];
  });
  const header = ['figure', 'measured', 'ceiling (same run)', 'ratio', 'aim', 'met'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [row(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(row)];
}

export function printTable(rows: Row[]): void {
  for (const line of formatTable(rows)) console.log(line);
}

/** One report of the reports benchmark (benchmarks/reports.ts), milliseconds. */
export interface ReportFigures {
  name: string;
  runs: number;
  p50: number;
  p95: number;
  sqlP95: number;
}

/**
 * The reports' table, Markdown-shaped: report, runs, p50 and p95 over HTTP, the bare SQL's p95 in
 * the same run, and whether the p95 is within `aimMs` (`yes`, or `no` with the factor above it).
 */
export function formatReportsTable(reports: readonly ReportFigures[], aimMs: number): string[] {
  const ms = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
  const lines = reports.map((r) => [
    r.name,
    String(r.runs),
    ms(r.p50),
    ms(r.p95),
    ms(r.sqlP95),
    r.p95 <= aimMs ? 'yes' : `no (${(r.p95 / aimMs).toFixed(1)}×)`,
  ]);
  const header = ['report', 'runs', 'p50 ms', 'p95 ms', 'bare SQL p95 ms', `p95 ≤ ${aimMs} ms`];
  const right = [false, true, true, true, true, false];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) =>
    `| ${cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (right[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [row(header), rule, ...lines.map(row)];
}
