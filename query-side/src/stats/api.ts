/**
 * `POST /api/v2/query`: the Stats API, compatible with Plausible's Stats API v2 (docs/stats-api.md).
 * A read key (`Authorization: Bearer <read key>`) reads its own project, named by `site_id`; a
 * console session may name any project. Another project's id, or one that does not exist, is a 404.
 *
 * Errors answer Plausible's shape, `{ "error": "<message>" }` (the message names the field), with
 * the statuses the rest of the query API uses; `plausibleErrors` is the error handler of the router
 * this route is mounted on. A failure of the database itself keeps the query API's shape (503).
 */
import type { ErrorRequestHandler } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { ReaderTables } from '@eventlens/read-model';
import { bodyParserError } from '@eventlens/service-kit';
import type { Callers } from '../auth/callers';
import { ApiError, fromZodError } from '../http/errors';
import { defineRoute, type AnyRoute } from '../http/route';
import { timeLabels, wallClock, zonedIso, type TimeUnit } from './dates';
import { planQuery, type StatsTables } from './plan';
import { parseQuery, QueryError, StatsRequest, StatsResponse, type StatsQuery } from './query';

export const PlausibleError = z
  .object({ error: z.string().meta({ example: "metrics.0: unknown metric 'visitorz'" }) })
  .meta({ id: 'StatsError', description: 'Plausible’s error shape: one message, naming the field.' });

interface Row {
  lo: Date;
  hi: Date;
  total_rows: string | null;
  [column: string]: unknown;
}

/** Runs `q` and shapes the answer as Plausible's Stats API v2 does. */
export async function runQuery(db: Knex, tables: StatsTables, q: StatsQuery, request: StatsRequest) {
  const plan = planQuery(q, tables);
  const { rows } = await db.raw<{ rows: Row[] }>(plan.sql, plan.bindings as Knex.RawBinding[]);
  const first = rows[0]!;
  const page = rows.filter((r) => r.total_rows !== null);
  const results = page.map((r) => ({
    // Every metric is coalesced to 0 in SQL; bigint and numeric arrive as text.
    metrics: plan.metricColumns.map((c) => Number(r[c])),
    dimensions: plan.dimensionColumns.map((c, i) => {
      const value = r[c];
      if (value !== null && value !== undefined) return String(value);
      return q.dimensions[i] === 'visit:source' ? 'Direct / None' : '(none)';
    }),
  }));

  // Both ends included, as Plausible echoes them: the last instant is a second before `hi` for
  // whole days, `to` itself for a pair of date-times.
  const lo = new Date(first.lo);
  const hi = new Date(first.hi);
  const last = q.period.kind === 'instants' ? new Date(q.period.to) : new Date(hi.getTime() - 1000);
  const meta: { time_labels?: string[]; total_rows?: number } = {};
  if (q.include.timeLabels) {
    const time = q.dimensions.find((d) => d.startsWith('time:'))!;
    const firstDay = wallClock(lo, q.timeZone).local.slice(0, 10);
    const lastDay = wallClock(new Date(Math.max(lo.getTime(), hi.getTime() - 1)), q.timeZone).local.slice(
      0,
      10,
    );
    meta.time_labels = timeLabels(time.slice('time:'.length) as TimeUnit, firstDay, lastDay);
  }
  if (q.include.totalRows) meta.total_rows = page.length > 0 ? Number(page[0]!.total_rows) : 0;

  return {
    results,
    meta,
    query: {
      site_id: q.projectId,
      metrics: request.metrics,
      date_range: [zonedIso(lo, q.timeZone), zonedIso(last, q.timeZone)],
      dimensions: request.dimensions ?? [],
      filters: (request.filters ?? []) as unknown[][],
      order_by: q.orderBy.map(({ key, direction }) => [key, direction] as [string, 'asc' | 'desc']),
      include: { time_labels: q.include.timeLabels, total_rows: q.include.totalRows, imports: false },
      pagination: { limit: q.limit, offset: q.offset },
      timezone: q.timeZone,
    },
  };
}

export function statsApiRoutes(deps: {
  db: Knex;
  tables: ReaderTables;
  callers: Callers;
  now: () => number;
}): AnyRoute[] {
  const { db, tables, callers, now } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/api/v2/query',
      tag: 'stats-api',
      summary: 'Stats API (Plausible Stats API v2)',
      description:
        'Metrics over a date range, grouped by dimensions, narrowed by filters: Plausible’s Stats API v2, with `site_id` the project id and a read key as the Bearer token. Errors are `{ "error": "<message>" }`. See docs/stats-api.md for the differences.',
      auth: 'caller',
      body: StatsRequest,
      errorSchema: PlausibleError,
      errors: {
        400: 'The body is invalid or asks for something EventLens does not compute; `error` names the field.',
        404: '`site_id` is not a project this caller may read (another project’s, or none).',
        415: 'The body is not application/json.',
      },
      response: { status: 200, description: 'The rows, and the query as run.', schema: StatsResponse },
      async handle({ auth, body }) {
        const projectId = await callers.projectOf(auth.caller, body.site_id);
        let q: StatsQuery;
        try {
          q = parseQuery(body, projectId, now());
          return await runQuery(db, { events: tables.events, sessions: tables.sessions }, q, body);
        } catch (error) {
          if (error instanceof QueryError) throw new ApiError(400, 'INVALID_FIELD', error.message);
          // SQLSTATE class 22 (data exception) can only come from a value the client sent that the
          // checks let through: a `matches` pattern PostgreSQL cannot compile (2201B), or a zone
          // Intl knows and this PostgreSQL's tz database does not.
          const e = error as { code?: unknown; severity?: unknown };
          if (typeof e.severity === 'string' && typeof e.code === 'string' && e.code.startsWith('22')) {
            throw new ApiError(
              400,
              'INVALID_FIELD',
              e.code === '2201B'
                ? 'filters: a regular expression PostgreSQL cannot compile'
                : 'timezone, filters: a value PostgreSQL cannot use',
            );
          }
          throw error;
        }
      },
    }),
  ];
}

/**
 * The error handler of the Stats API's router: a client's mistake (400, 401, 404, 413, 415)
 * answers `{ "error": "<message>" }` like Plausible; anything else goes on to the query API's
 * handler (a 503 when the database cannot answer, a logged 500 otherwise).
 */
export function plausibleErrors(): ErrorRequestHandler {
  return (error, req, res, next) => {
    let answer: { status: number; message: string } | undefined;
    if (error instanceof ApiError && error.status < 500) answer = error;
    else if (error instanceof z.ZodError) answer = fromZodError(error);
    else {
      const body = bodyParserError(error, req.headers['content-encoding']);
      if (body && body.status < 500) answer = body;
    }
    if (!answer || res.headersSent) {
      next(error);
      return;
    }
    if (answer.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="eventlens"');
    res.status(answer.status).json({ error: answer.message });
  };
}
