/**
 * Rows as PostgreSQL's COPY text format (one line per row, tab between columns, `\N` for null) and
 * a writer that streams them through `COPY … FROM STDIN` (pg-copy-streams) with backpressure.
 * https://www.postgresql.org/docs/current/sql-copy.html, "Text Format".
 */
import { once } from 'node:events';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Cell } from './columns';

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One column's text: `\N` for null, booleans as `t`/`f`, and backslash, tab, newline, CR escaped. */
export function copyCell(value: Cell): string {
  if (value === null) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ESCAPES[c]!) : value;
}

/** A row as one line of COPY text, newline included. */
export function copyLine(row: readonly Cell[]): string {
  let line = copyCell(row[0] ?? null);
  for (let i = 1; i < row.length; i++) line += `\t${copyCell(row[i] ?? null)}`;
  return `${line}\n`;
}

/** A COPY into `table (columns)` on `client`: write rows, then `end()` for the number copied. */
export interface CopyWriter {
  write(rows: readonly (readonly Cell[])[]): Promise<void>;
  end(): Promise<number>;
}

export function copyWriter(client: pg.ClientBase, table: string, columns: readonly string[]): CopyWriter {
  const stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
  const failed = new Promise<never>((_, reject) => stream.once('error', reject));
  failed.catch(() => undefined);
  return {
    async write(rows) {
      let chunk = '';
      for (const row of rows) {
        chunk += copyLine(row);
        if (chunk.length > 1 << 20) {
          if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), failed]);
          chunk = '';
        }
      }
      if (chunk && !stream.write(chunk)) await Promise.race([once(stream, 'drain'), failed]);
    },
    async end() {
      stream.end();
      await Promise.race([once(stream, 'finish'), failed]);
      return Number(stream.rowCount);
    },
  };
}
