/**
 * CSV export of a report, made in the browser: RFC 4180 text (comma-separated, CRLF line ends,
 * fields with a comma, a quote or a line break quoted, quotes doubled) written by papaparse's
 * `unparse`, which is loaded only when a file is exported, so the screens' bundles stay small.
 *
 * Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with `=`, `+`,
 * `-`, `@`, a tab or a carriage return as a formula. A page path or a UTM value is the visitors'
 * text, so every such text cell is prefixed with `'`, which spreadsheets show as text. Numbers are
 * written as numbers (a negative number is not text and is left alone).
 */

export type CsvCell = string | number | null;

/** Starts a spreadsheet formula: OWASP's list. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell made safe to open in a spreadsheet: `'` before a formula's first character. */
export function escapeFormula(cell: CsvCell): CsvCell {
  return typeof cell === 'string' && FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/**
 * RFC 4180 CSV of a header and rows (each row's cells in the header's order), formulas escaped.
 * `null` is an empty field. Resolves once papaparse is loaded.
 */
export async function toCsv(
  header: readonly string[],
  rows: readonly (readonly CsvCell[])[],
): Promise<string> {
  const { unparse } = (await import('papaparse')).default;
  return unparse(
    {
      fields: header.map((h) => String(escapeFormula(h))),
      data: rows.map((row) => row.map((cell) => escapeFormula(cell ?? ''))),
    },
    // papaparse's own formula escaping is off: ours covers tabs and CRs the same way and is tested here.
    { newline: '\r\n', quotes: false, escapeFormulae: false },
  );
}

/**
 * A file name for a report: `eventlens-<report>-<from>-<to>.csv`, safe on every file system.
 * `from`, `to`: epoch milliseconds, written as UTC dates and times.
 */
export function csvFileName(report: string, range?: { from: number; to: number }): string {
  const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace(/[:T]/g, '-');
  const name = report
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `eventlens-${name}${range ? `-${stamp(range.from)}-${stamp(range.to)}` : ''}.csv`;
}

/** Offers `csv` as a download named `fileName` (a Blob URL on a temporary link). */
export function downloadCsv(fileName: string, csv: string): void {
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later: some browsers read the URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
