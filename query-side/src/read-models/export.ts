/**
 * GET /v1/events.csv: every event matching the explorer's filters as one RFC 4180 CSV document,
 * latest first like the explorer, streamed so that memory stays flat for millions of rows.
 *
 * Rows come from a server-side cursor (`pg-query-stream`, batches of EXPORT_BATCH_ROWS) and go
 * through `csv-stringify` into the response in one `pipeline`: a slow client pauses the cursor
 * (backpressure) instead of filling the heap.
 *
 * The export runs on one connection of the reader pool inside a READ ONLY transaction that raises
 * `statement_timeout` (and `idle_in_transaction_session_timeout`) to the export timeout with SET
 * LOCAL: the pool's short statement timeout protects the explorer from slow pages, but an export's
 * first batch can wait on a sort over a large range and its transaction stays open while a slow
 * client downloads. The same timeout bounds the whole export by the wall clock, so no client holds
 * a connection longer than that (EVENTLENS_QUERY_EXPORT_TIMEOUT_MS, config.ts).
 *
 * Errors before the first byte (validation, authentication, a database that cannot answer) are the
 * usual JSON error; after it the status is already sent, so the response is aborted (the client
 * sees a truncated transfer, not a complete-looking file). A client that disconnects ends the
 * cursor, rolls the transaction back and gives the connection back to the pool.
 */
import { once } from 'node:events';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { Knex } from 'knex';
import type pg from 'pg';
import QueryStream from 'pg-query-stream';
import { z } from 'zod';
import type { EventsRow, ReaderTables } from '@eventlens/read-model';
import { invalidField, type Logger } from '../http/errors';
import { checkOpenRange, fromParam, switchParam, textFilter, toParam } from '../http/params';
import { defineRoute, type AnyRoute } from '../http/route';
import {
  countedParam,
  filtersParam,
  NEWEST_FIRST,
  regexError,
  resolveEventFilters,
  whereEventFilters,
  type EventFilters,
} from './events';
import { toIso, toIsoOrNull } from './schemas';

/** Rows fetched per round trip of the cursor: small enough for a flat heap, large enough to be fast. */
export const EXPORT_BATCH_ROWS = 1000;

/** The CSV's columns, in order; the header row names them. */
export const CSV_COLUMNS = [
  'event_id',
  'event_name',
  'timestamp',
  'received_at',
  'session_id',
  'user_id',
  'anonymous_id',
  'url',
  'referrer',
  'page_title',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'screen_width',
  'screen_height',
  'language',
  'time_zone',
  'client_sent_at',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'device_type',
  'country',
  'metadata',
  'context',
] as const;

type ExportRow = Pick<EventsRow, Exclude<(typeof CSV_COLUMNS)[number], 'timestamp'> | 'ts'>;

/** The columns of `analytics.events` (aliased `e`, as the explorer's query names it) in CSV order. */
const SELECTED: string[] = CSV_COLUMNS.map((c) => `e.${c === 'timestamp' ? 'ts' : c}`);

export const ExportQuery = z.strictObject({
  event_name: textFilter('Only events with this exact name.'),
  user_id: textFilter('Only events of this user id.'),
  session_id: textFilter('Only events of this session id.'),
  from: fromParam,
  to: toParam,
  filters: filtersParam,
  counted: countedParam,
  raw: switchParam(
    'true or 1: cells exactly as stored. By default a text cell that starts with = + - @, a tab or a carriage return gets a leading single quote, so that a spreadsheet does not run it as a formula.',
  ),
});

/**
 * OWASP's CSV injection advice: a cell that begins with one of these is a formula to Excel,
 * LibreOffice and Google Sheets; a leading single quote makes them show it as text.
 * https://owasp.org/www-community/attacks/CSV_Injection
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** `text` with a leading `'` if a spreadsheet would read it as a formula, else unchanged. */
export function neutralizeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** One row of analytics.events as the CSV's cells (CSV_COLUMNS order); null is an empty cell. */
export function toCsvRecord(row: ExportRow, raw: boolean): Array<string | number | null> {
  const text = (value: string | null) => (value === null || raw ? value : neutralizeFormula(value));
  return [
    row.event_id,
    text(row.event_name),
    toIso(row.ts),
    toIso(row.received_at),
    text(row.session_id),
    text(row.user_id),
    text(row.anonymous_id),
    text(row.url),
    text(row.referrer),
    text(row.page_title),
    text(row.utm_source),
    text(row.utm_medium),
    text(row.utm_campaign),
    text(row.utm_term),
    text(row.utm_content),
    row.screen_width,
    row.screen_height,
    text(row.language),
    text(row.time_zone),
    toIsoOrNull(row.client_sent_at),
    text(row.browser),
    text(row.browser_version),
    text(row.os),
    text(row.os_version),
    text(row.device_type),
    text(row.country),
    // JSON text always starts with `{`: never a formula.
    JSON.stringify(row.metadata ?? {}),
    JSON.stringify(row.context ?? {}),
  ];
}

/** `2025-03-01T12:00:00.000Z` → `20250301T120000Z`, for file names. */
function compactInstant(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** `events-<project>-<from>-<to>.csv`; an open end is `start` / `now`. */
export function exportFileName(projectId: string, from: number | undefined, to: number | undefined): string {
  const start = from === undefined ? 'start' : compactInstant(from);
  const end = to === undefined ? 'now' : compactInstant(to);
  return `events-${projectId}-${start}-${end}.csv`;
}

export interface ExportOptions {
  /** Statement, idle-in-transaction and wall-clock bound of one export, in milliseconds. */
  timeoutMs: number;
  logger: Logger;
}

/** The client went away before the first row: nobody to answer. */
class ClientGone extends Error {
  override readonly name = 'ClientGone';
}

interface KnexClient {
  acquireConnection(): Promise<pg.Client & { __knex__disposed?: unknown }>;
  releaseConnection(connection: pg.Client): Promise<unknown>;
}

export function exportRoutes(db: Knex, tables: ReaderTables, options: ExportOptions): AnyRoute[] {
  const timeoutMs = Math.trunc(options.timeoutMs);
  return [
    defineRoute({
      method: 'get',
      path: '/v1/events.csv',
      tag: 'explorer',
      summary: 'Export events as CSV, latest first',
      description:
        'Every event matching the filters (those of GET /v1/events, `filters` included, without paging), as RFC 4180 CSV (UTF-8, CRLF, a header row), streamed. ' +
        'Columns: ' +
        CSV_COLUMNS.join(', ') +
        '; times are ISO 8601 UTC, metadata and context are JSON text, an absent value is an empty cell. ' +
        'Text cells that start with = + - @, a tab or a carriage return get a leading single quote unless `raw` is true (CSV injection). ' +
        'Errors before the first byte are the usual JSON error; a failure after it aborts the transfer. ' +
        'One export is bounded by EVENTLENS_QUERY_EXPORT_TIMEOUT_MS.',
      auth: 'project',
      query: ExportQuery,
      response: {
        status: 200,
        description:
          'The CSV document, as an attachment named events-<project>-<from>-<to>.csv (an open end is `start` / `now`).',
        schema: z.string(),
        mediaType: 'text/csv',
      },
      async handle({ auth, query, req, res }) {
        const problem = checkOpenRange(query.from, query.to);
        if (problem) throw invalidField('from', problem);
        const { raw, filters, ...rest } = query;
        const parsed = await resolveEventFilters(db, tables, filters, auth.projectId);
        const input: EventFilters = {
          ...rest,
          projectId: auth.projectId,
          ...(parsed ? { filters: parsed } : {}),
        };
        const { sql, bindings } = whereEventFilters(db({ e: tables.events }).select(SELECTED), tables, input)
          .orderBy([...NEWEST_FIRST])
          .toSQL()
          .toNative();

        const client = db.client as unknown as KnexClient;
        const conn = await client.acquireConnection();
        let rows: QueryStream | undefined;
        const onClientClose = () => rows?.destroy(new ClientGone('the client disconnected'));
        req.socket.once('close', onClientClose);
        try {
          await conn.query('begin read only');
          await conn.query(`set local statement_timeout = ${timeoutMs}`);
          await conn.query(`set local idle_in_transaction_session_timeout = ${timeoutMs}`);
          rows = conn.query(new QueryStream(sql, [...bindings], { batchSize: EXPORT_BATCH_ROWS }));
          if (req.socket.destroyed) rows.destroy(new ClientGone('the client disconnected'));
          // The first batch (or the end) before any header: a query that fails still answers JSON.
          await once(rows, 'readable');

          res.status(200);
          res.setHeader('Content-Type', 'text/csv; charset=utf-8');
          res.setHeader(
            'Content-Disposition',
            `attachment; filename="${exportFileName(auth.projectId, query.from, query.to)}"`,
          );
          const toRecords = new Transform({
            objectMode: true,
            transform(row: ExportRow, _encoding, done) {
              done(null, toCsvRecord(row, raw));
            },
          });
          const csv = stringify({
            header: true,
            columns: [...CSV_COLUMNS],
            record_delimiter: 'windows',
            // RFC 4180 quotes a field with a line break; csv-stringify quotes only its own record
            // delimiter (CRLF) by itself, so a bare LF or CR is matched here.
            quoted_match: /[\r\n]/,
          });
          await pipeline(rows, toRecords, csv, res, { signal: AbortSignal.timeout(timeoutMs) });
          return undefined;
        } catch (error) {
          const e = error as { name?: string; code?: string };
          if (e.name === 'ClientGone' || e.code === 'ERR_STREAM_PREMATURE_CLOSE') return undefined;
          if (e.name === 'AbortError' || e.name === 'TimeoutError') {
            options.logger.info('events export cut at its timeout', { timeoutMs });
            res.destroy();
            return undefined;
          }
          // Before the first byte (the first fetch compiles the filters): a 400 naming `filters`.
          throw (res.headersSent ? undefined : regexError(error)) ?? error;
        } finally {
          req.socket.off('close', onClientClose);
          rows?.destroy();
          try {
            await conn.query('rollback');
          } catch (error) {
            // A connection that cannot even roll back is not given to the next request.
            conn.__knex__disposed = error;
          }
          await client.releaseConnection(conn);
        }
      },
    }),
  ];
}
