/** CSV export: RFC 4180 quoting (papaparse's unparse), CRLF rows, and formula injection escaped. */
import { describe, expect, test } from 'vitest';
import { csvFileName, escapeFormula, toCsv } from './csv';

describe('csv', () => {
  test('quotes fields with commas, quotes and line breaks; doubles quotes; CRLF between rows', async () => {
    const csv = await toCsv(
      ['Page', 'Visitors'],
      [
        ['/a,b', 3],
        ['say "hi"', 2],
        ['two\nlines', 1],
        [null, 0],
      ],
    );
    expect(csv).toBe('Page,Visitors\r\n"/a,b",3\r\n"say ""hi""",2\r\n"two\nlines",1\r\n,0');
  });

  test('text starting with = + - @ tab or CR is prefixed with a quote; numbers are left alone', async () => {
    expect(['=1+1', '+49', '-x', '@SUM(A1)', '\tcmd', '\rcmd', 'plain', '/=x'].map(escapeFormula)).toEqual([
      "'=1+1",
      "'+49",
      "'-x",
      "'@SUM(A1)",
      "'\tcmd",
      "'\rcmd",
      'plain',
      '/=x',
    ]);
    expect(escapeFormula(-5)).toBe(-5);
    const csv = await toCsv(['=Header'], [['=HYPERLINK("http://evil.example","x")'], [-2]]);
    expect(csv).toBe(`'=Header\r\n"'=HYPERLINK(""http://evil.example"",""x"")"\r\n-2`);
  });

  test('file names: the report and the range in UTC, nothing a file system refuses', () => {
    expect(
      csvFileName('Pages: Top pages', {
        from: Date.UTC(2025, 2, 1, 12, 0),
        to: Date.UTC(2025, 2, 2, 12, 30),
      }),
    ).toBe('eventlens-pages-top-pages-2025-03-01-12-00-2025-03-02-12-30.csv');
    expect(csvFileName('funnel 30d')).toBe('eventlens-funnel-30d.csv');
  });
});
