/**
 * `POST /api/v2/query`: the Stats API, compatible with Plausible's Stats API v2, and `POST /api/v2/funnel`,
 * EventLens's funnels over the same engine (docs/stats-api.md).
 * A read key (`Authorization: Bearer <read key>`) reads its own project, named by `site_id` (its id
 * or a domain it declares); a console session may name any project. Another project's id or domain,
 * or one that does not exist, is a 404. Without `timezone` a request is in the project's zone.
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
import type { Caller, Callers } from '../auth/callers';
import { ApiError, fromZodError, notFound } from '../http/errors';
import { defineRoute, type AnyRoute } from '../http/route';
import { MAX_RANGE_DAYS, rangeTooLong } from './calendar';
import { attachComparisons, comparisonQuery, type ResultRow } from './compare';
import { minuteLabels, timeLabels, wallClock, zonedIso, type TimeUnit } from './dates';
import { planQuery, type StatsTables } from './plan';
import { FunnelRequest, FunnelResponse, funnelSteps, parseFunnel, planFunnel } from './funnel';
import { QueryError } from './errors';
import { mentionsGoals, parseQuery, StatsRequest, StatsResponse, type StatsQuery } from './query';
import { firstBadPattern, regexPatterns } from './patterns';
import { projectDefaults, resolveSite } from './site';
import { NONE_LABEL } from './sql';

export const PlausibleError = z
  .object({ error: z.string().meta({ example: "metrics.0: unknown metric 'visitorz'" }) })
  .meta({ id: 'StatsError', description: 'Plausible’s error shape: one message, naming the field.' });

interface Row {
  lo: Date;
  hi: Date;
  total_rows: string | null;
  [column: string]: unknown;
}

/** The rows of `q`'s statement: the range's instants, and the page with SQL's values. */
async function execute(db: Knex, tables: StatsTables, q: StatsQuery) {
  const plan = planQuery(q, tables);
  const { rows } = await db.raw<{ rows: Row[] }>(plan.sql, plan.bindings as Knex.RawBinding[]);
  const first = rows[0]!;
  const page = rows.filter((r) => r.total_rows !== null);
  const raw = page.map((r) =>
    plan.dimensionColumns.map((c) => (r[c] === null || r[c] === undefined ? null : String(r[c]))),
  );
  const results = page.map((r, n): ResultRow => ({
    // Every metric is coalesced to 0 in SQL; bigint and numeric arrive as text.
    metrics: plan.metricColumns.map((c) => Number(r[c])),
    // A value none is `(none)`; a visit's source is never null (clauses.ts, visitColumnSql).
    dimensions: raw[n]!.map((value) => value ?? NONE_LABEL),
  }));
  const totalRows = page.length > 0 ? Number(page[0]!.total_rows) : 0;
  return { lo: new Date(first.lo), hi: new Date(first.hi), raw, results, totalRows };
}

/** Every bucket of `q`'s time dimension over the instants [lo, hi), as `time_labels` lists them. */
function bucketLabels(q: StatsQuery, lo: Date, hi: Date): string[] {
  const unit = q.dimensions.find((d) => d.startsWith('time:'))!.slice('time:'.length) as TimeUnit;
  // `all` is as long as the project's days: only now known (parseQuery checks the other ranges).
  const maxDays = MAX_RANGE_DAYS[unit];
  if (q.period.kind === 'all' && maxDays !== undefined && hi.getTime() - lo.getTime() > maxDays * 86_400_000)
    throw new QueryError('dimensions', rangeTooLong(unit, maxDays));
  if (unit === 'minute') return minuteLabels(lo, hi, q.timeZone);
  const firstDay = wallClock(lo, q.timeZone).local.slice(0, 10);
  const lastDay = wallClock(new Date(Math.max(lo.getTime(), hi.getTime() - 1)), q.timeZone).local.slice(
    0,
    10,
  );
  return timeLabels(unit, firstDay, lastDay, q.timeZone);
}

/**
 * Runs `q` and shapes the answer as Plausible's Stats API v2 does. With `include.comparisons` a
 * second statement runs the query over the compared period (compare.ts).
 */
export async function runQuery(db: Knex, tables: StatsTables, q: StatsQuery, request: StatsRequest) {
  const main = await execute(db, tables, q);
  const { lo, hi } = main;
  const hasTime = q.dimensions.some((d) => d.startsWith('time:'));

  // Both ends included, as Plausible echoes them: the last instant is a second before `hi` for
  // whole days, `to` itself for a pair of date-times.
  const last = q.period.kind === 'instants' ? new Date(q.period.to) : new Date(hi.getTime() - 1000);
  const meta: { time_labels?: string[]; total_rows?: number; comparison_date_range?: string[] } = {};
  if (q.include.timeLabels) meta.time_labels = bucketLabels(q, lo, hi);
  if (q.include.totalRows) meta.total_rows = main.totalRows;

  let results: ResultRow[] = main.results;
  if (q.include.comparison) {
    const compared = await execute(db, tables, comparisonQuery(q, main.raw));
    results = attachComparisons(
      q,
      main.results,
      compared.results,
      hasTime ? bucketLabels(q, lo, hi) : [],
      hasTime ? bucketLabels(q, compared.lo, compared.hi) : [],
    );
    meta.comparison_date_range = [
      zonedIso(compared.lo, q.timeZone),
      zonedIso(new Date(compared.hi.getTime() - 1000), q.timeZone),
    ];
  }

  const comparisons = request.include?.comparisons;
  return {
    results,
    meta,
    query: {
      site_id: q.projectId,
      metrics: request.metrics,
      date_range: [zonedIso(lo, q.timeZone), zonedIso(last, q.timeZone)],
      // As run: Plausible's bare `time` as the unit it stood for.
      dimensions: q.dimensions,
      filters: (request.filters ?? []) as unknown[][],
      order_by: q.orderBy.map(({ key, direction }) => [key, direction] as [string, 'asc' | 'desc']),
      include: {
        time_labels: q.include.timeLabels,
        total_rows: q.include.totalRows,
        imports: false,
        ...(request.include?.trim_relative_date_range ? { trim_relative_date_range: true } : {}),
        ...(comparisons ? { comparisons } : {}),
      },
      pagination: { limit: q.limit, offset: q.offset },
      timezone: q.timeZone,
    },
  };
}

interface FunnelRow {
  lo: Date;
  hi: Date;
  step: number;
  visitors: string;
  visits: string;
}

/**
 * Runs `work`, turning a client's mistake into a 400: a `QueryError`, or a PostgreSQL data
 * exception (SQLSTATE class 22), which only a value the client sent that the checks let through can
 * cause — a `matches` pattern PostgreSQL cannot compile (2201B: named by its place in the request's
 * `filters`, patterns.ts), or a zone Intl knows and this PostgreSQL's tz database does not.
 */
async function clientErrors<T>(work: () => Promise<T>, request: { db: Knex; filters: unknown }): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof QueryError) throw new ApiError(400, 'INVALID_FIELD', error.message);
    const e = error as { code?: unknown; severity?: unknown };
    if (typeof e.severity === 'string' && typeof e.code === 'string' && e.code.startsWith('22')) {
      if (e.code !== '2201B')
        throw new ApiError(400, 'INVALID_FIELD', 'timezone, filters: a value PostgreSQL cannot use');
      const bad = await firstBadPattern(request.db, regexPatterns(request.filters));
      throw new ApiError(
        400,
        'INVALID_FIELD',
        bad === undefined
          ? 'filters: a regular expression PostgreSQL cannot compile'
          : `${bad.path}: '${bad.pattern}' is a regular expression PostgreSQL cannot compile (${bad.reason}); matches takes PostgreSQL's syntax`,
      );
    }
    throw error;
  }
}

export function statsApiRoutes(deps: {
  db: Knex;
  tables: ReaderTables;
  callers: Callers;
  now: () => number;
}): AnyRoute[] {
  const { db, tables, callers, now } = deps;
  const statsTables: StatsTables = {
    events: tables.events,
    sessions: tables.sessions,
    volumeMinute: tables.volumeMinute,
    pageViewsHour: tables.pageViewsHour,
  };
  /**
   * The project `site_id` names, checked against the caller; the request's zone (the project's by
   * default) and, when the request names `event:goal`, the project's goals: one read of its
   * settings, only when either is needed.
   */
  async function siteOf<
    T extends { site_id: string; timezone?: string; dimensions?: unknown; filters?: unknown },
  >(caller: Caller, body: T) {
    const site = await resolveSite(db, tables.projectSettings, body.site_id);
    // One answer for a site that is not there and one the key may not read: `site not found`.
    const projectId = await callers.projectOf(caller, site).catch((error: unknown) => {
      throw error instanceof ApiError && error.code === 'NOT_FOUND' ? notFound('site') : error;
    });
    const wantsGoals = mentionsGoals(body);
    const defaults =
      body.timezone === undefined || wantsGoals
        ? await projectDefaults(db, tables.projectSettings, projectId)
        : undefined;
    const timezone = body.timezone ?? defaults!.timeZone;
    return { projectId, goals: defaults?.goals ?? [], body: { ...body, timezone } };
  }
  return [
    defineRoute({
      method: 'post',
      path: '/api/v2/query',
      tag: 'stats-api',
      summary: 'Stats API (Plausible Stats API v2)',
      description:
        'Metrics over a date range, grouped by dimensions, narrowed by filters: Plausible’s Stats API v2, with `site_id` the project id or a domain it declares, the project’s time zone by default, and a read key as the Bearer token. Errors are `{ "error": "<message>" }`. See docs/stats-api.md for the differences.',
      auth: 'caller',
      body: StatsRequest,
      errorSchema: PlausibleError,
      errors: {
        400: 'The body is invalid or asks for something EventLens does not compute; `error` names the field.',
        404: '`site_id` is not a project (or a domain of one) this caller may read: another project’s, or none.',
        415: 'The body is not application/json.',
      },
      response: { status: 200, description: 'The rows, and the query as run.', schema: StatsResponse },
      async handle({ auth, body: sent }) {
        const { projectId, goals, body } = await siteOf(auth.caller, sent);
        return clientErrors(
          () => runQuery(db, statsTables, parseQuery(body, projectId, now(), goals), body),
          {
            db,
            filters: body.filters,
          },
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v2/funnel',
      tag: 'stats-api',
      summary: 'Funnel (EventLens extension of the Stats API)',
      description:
        'Ordered steps within a visit — pages, page patterns, events — and how many visitors reached each, with the drop-off from the step before, over a date range and filters as the Stats API’s. A visit completes step n when its events match steps 1 … n in that order. See docs/stats-api.md.',
      auth: 'caller',
      body: FunnelRequest,
      errorSchema: PlausibleError,
      errors: {
        400: 'The body is invalid; `error` names the field.',
        404: '`site_id` is not a project (or a domain of one) this caller may read: another project’s, or none.',
        415: 'The body is not application/json.',
      },
      response: { status: 200, description: 'Each step’s figures, in order.', schema: FunnelResponse },
      async handle({ auth, body: sent }) {
        const { projectId, goals, body } = await siteOf(auth.caller, sent);
        return clientErrors(
          async () => {
            const funnel = parseFunnel(body, projectId, now(), goals);
            const plan = planFunnel(funnel, statsTables);
            const { rows } = await db.raw<{ rows: FunnelRow[] }>(
              plan.sql,
              plan.bindings as Knex.RawBinding[],
            );
            const lo = new Date(rows[0]!.lo);
            const hi = new Date(rows[0]!.hi);
            const period = funnel.query.period;
            const last = period.kind === 'instants' ? new Date(period.to) : new Date(hi.getTime() - 1000);
            return {
              steps: funnelSteps(
                funnel.steps,
                rows.map((r) => ({ visitors: Number(r.visitors), visits: Number(r.visits) })),
              ),
              query: {
                site_id: projectId,
                date_range: [zonedIso(lo, funnel.query.timeZone), zonedIso(last, funnel.query.timeZone)],
                timezone: funnel.query.timeZone,
              },
            };
          },
          { db, filters: body.filters },
        );
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
