/** The figures a run prints as a table (stdout) and saves in its JSON (`rows`). */

/** One figure, with the ceiling measured in the same run that bounds it and the aim it is held to. */
export interface Row {
  figure: string;
  value: number;
  unit: string;
  ceiling?: { name: string; value: number };
  aim?: string;
}

/**
 * The table's lines, Markdown-shaped: figure, measured value, ceiling, ratio to the ceiling (a
 * multiple for latencies in ms, a percentage for rates), aim. Values of 100 and more are rounded
 * and grouped (`37,851`), smaller ones keep one decimal (`4.3`).
 */
export function formatTable(rows: Row[]): string[] {
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
  const lines = rows.map((r) => [
    r.figure,
    `${fmt(r.value)} ${r.unit}`,
    r.ceiling ? `${r.ceiling.name} ${fmt(r.ceiling.value)}` : '',
    r.ceiling
      ? r.unit === 'ms'
        ? `${(r.value / r.ceiling.value).toFixed(1)}×`
        : `${((100 * r.value) / r.ceiling.value).toFixed(0)}%`
      : '',
    r.aim ?? '',
  ]);
  const header = ['figure', 'measured', 'ceiling (same run)', 'ratio', 'aim'];
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
