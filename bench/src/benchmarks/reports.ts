/**
 * Reports: every report the console's dashboard and the Stats API serve (POST /api/v2/query and
 * POST /api/v2/funnel, docs/stats-api.md), timed over HTTP on a database of its own holding
 * `reportsEvents` events of one project with their visits (../seed/: months of a site's traffic),
 * against the same SQL run bare — the statements the engine sent for that request, captured from
 * the query side's own connection and replayed through node-postgres in the same run. The aim is
 * issue 14's: p95 ≤ 50 ms. The database is dropped afterwards (unless it was given to reuse).
 *
 * Each report: a warm-up request (which captures the SQL), then up to `reportsRuns` requests one
 * after another, stopped early after `reportsBudgetS` seconds (never fewer than 3), then the bare
 * SQL the same way. A report of seconds thus has 3 runs, and its p95 is their slowest. The query side runs in this process with the read-only role,
 * a pool of 4 and a statement timeout of 10 minutes, so a slow report is measured rather than
 * cut off (the service's default is 10 s: `EVENTLENS_QUERY_STATEMENT_TIMEOUT_MS`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { generateApiKey, hashApiKey } from '@eventlens/contracts';
import { createApp, createReaderDb } from '@eventlens/query-side';
import type { DevFile } from '@eventlens/stack';
import type { BenchConfig } from '../config';
import type { Row } from '../report';
import { copyTraffic, seedReports, type Seeded } from '../seed/load';
import { log, percentile } from '../support';

/** The aim of issue 14, item 9. */
export const AIM_MS = 50;
/** The zone every report is asked in (a viewer's zone: buckets and days are computed in it). */
const ZONE = 'Europe/Berlin';

/** One report: what the console or a Stats API client sends. */
export interface ReportSpec {
  name: string;
  route: '/api/v2/query' | '/api/v2/funnel';
  body: Record<string, unknown>;
}

const KPI = ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration', 'events'];
/** The dashboard's panels (console modules/overview/panels.ts) and the event dimensions. */
export const BREAKDOWNS = [
  'event:page',
  'visit:entry_page',
  'visit:exit_page',
  'visit:source',
  'visit:referrer',
  'visit:utm_source',
  'visit:utm_medium',
  'visit:utm_campaign',
  'visit:browser',
  'visit:os',
  'visit:device',
  'visit:country',
  'event:name',
  'event:props:element',
];

/**
 * The reports, in the order they run (the realtime ones first, right after the last minutes of
 * traffic are added). Breakdowns are the console's panel query (visitors and their percentage,
 * ordered by visitors, with total_rows) over the last 30 days, at the panel's 10 rows and at 100.
 */
export function reportSpecs(siteId: string): ReportSpec[] {
  const query = (name: string, body: Record<string, unknown>): ReportSpec => ({
    name,
    route: '/api/v2/query',
    body: { site_id: siteId, timezone: ZONE, ...body },
  });
  const panel = (dimension: string, limit: number, filters?: unknown[]) => ({
    metrics: ['visitors', 'percentage'],
    date_range: '30d',
    dimensions: [dimension],
    ...(filters ? { filters } : {}),
    order_by: [
      ['visitors', 'desc'],
      [dimension, 'asc'],
    ],
    include: { total_rows: true },
    pagination: { limit, offset: 0 },
  });
  return [
    query('realtime visitors (last 5 min)', { metrics: ['visitors'], date_range: 'realtime' }),
    query('time:minute, last 30 min', {
      metrics: ['visitors', 'pageviews'],
      date_range: '30m',
      dimensions: ['time:minute'],
      include: { time_labels: true },
    }),
    ...(['7d', '30d', '6mo'] as const).map((range) =>
      query(`KPI row ${range} + previous period`, {
        metrics: KPI,
        date_range: range,
        include: { comparisons: { mode: 'previous_period' } },
      }),
    ),
    query('time:hour, 7d', {
      metrics: ['visitors', 'pageviews'],
      date_range: '7d',
      dimensions: ['time:hour'],
      include: { time_labels: true },
    }),
    query('time:day, 30d', {
      metrics: ['visitors', 'pageviews'],
      date_range: '30d',
      dimensions: ['time:day'],
      include: { time_labels: true },
    }),
    query('time:day, 6mo', {
      metrics: ['visitors', 'pageviews'],
      date_range: '6mo',
      dimensions: ['time:day'],
      include: { time_labels: true },
    }),
    query('chart: events by time:day × event:name, 30d', {
      metrics: ['events'],
      date_range: '30d',
      dimensions: ['time:day', 'event:name'],
      include: { time_labels: true },
    }),
    ...BREAKDOWNS.flatMap((d) => [
      query(`${d}, 30d, top 10`, panel(d, 10)),
      query(`${d}, 30d, top 100`, panel(d, 100)),
    ]),
    query(
      'event:page where visit:source is Google, 30d',
      panel('event:page', 10, [['is', 'visit:source', ['Google']]]),
    ),
    query(
      'visit:source where event:page contains /blog, 30d',
      panel('visit:source', 10, [['contains', 'event:page', ['/blog']]]),
    ),
    query('sources with visits, bounce rate, duration, 30d', {
      metrics: ['visitors', 'visits', 'bounce_rate', 'visit_duration'],
      date_range: '30d',
      dimensions: ['visit:source'],
      pagination: { limit: 10, offset: 0 },
    }),
    {
      name: 'funnel / → /pricing → signup, 30d',
      route: '/api/v2/funnel',
      body: {
        site_id: siteId,
        timezone: ZONE,
        date_range: '30d',
        steps: [{ page: '/' }, { page: '/pricing' }, { event: 'signup' }],
      },
    },
  ];
}

/** One report's figures, milliseconds. */
export interface ReportResult {
  name: string;
  runs: number;
  p50: number;
  p95: number;
  /** The same statements run bare through node-postgres (their sum when a request runs two). */
  sqlRuns: number;
  sqlP50: number;
  sqlP95: number;
  statements: number;
  /** The answer's rows (results, or funnel steps): a report that answers nothing measures nothing. */
  rows: number;
}

export interface ReportsResult {
  seed: Omit<Seeded, 'readKey'> | { reused: string };
  /** Events added for the last 30 minutes before the realtime reports. */
  liveEvents: number;
  reports: ReportResult[];
}

/** The statements of one request, as knex sent them, in pg's `$n` form. */
interface Statement {
  sql: string;
  bindings: unknown[];
}

const summarize = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95) };
};

/** Runs `once` up to `runs` times, stopping after `budgetMs` (at least `min` times, 3 by default); the durations, ms. */
export async function timeRuns(
  once: () => Promise<unknown>,
  runs: number,
  budgetMs: number,
  min = 3,
): Promise<number[]> {
  const samples: number[] = [];
  const started = performance.now();
  while (samples.length < runs && (samples.length < min || performance.now() - started < budgetMs)) {
    const t0 = performance.now();
    await once();
    samples.push(performance.now() - t0);
  }
  return samples;
}

export async function measureReports(
  dev: DevFile,
  config: Pick<
    BenchConfig,
    'reportsEvents' | 'reportsDays' | 'reportsRuns' | 'reportsBudgetS' | 'reportsDatabase'
  >,
): Promise<ReportsResult> {
  const reuse = config.reportsDatabase;
  const database = reuse ?? `eventlens_bench_reports_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: dev.databaseUrl });
  await admin.connect();
  if (!reuse) await admin.query(`create database ${database}`);
  const ownerUrl = new URL(dev.databaseUrl);
  ownerUrl.pathname = `/${database}`;
  const readerUrl = new URL(dev.readerDatabaseUrl);
  readerUrl.pathname = `/${database}`;
  const readerRole = decodeURIComponent(readerUrl.username);
  try {
    let seed: ReportsResult['seed'];
    let projectId: string;
    let readKey: string;
    const owner = new pg.Pool({ connectionString: ownerUrl.toString(), max: 2 });
    try {
      if (reuse) {
        log(`reports: measuring the database ${reuse} as it is`);
        const { rows } = await owner.query<{ project_id: string }>(
          "select project_id from admin.projects where name = 'reports bench'",
        );
        if (rows.length !== 1) throw new Error(`${reuse} holds no one project seeded by seed-reports`);
        projectId = rows[0]!.project_id;
        readKey = generateApiKey('read');
        await owner.query(
          `insert into admin.api_keys (key_id, project_id, kind, name, key_hash, key_prefix, issued_at)
           values ($1, $2, 'read', 'bench', $3, $4, now())`,
          [randomUUID(), projectId, hashApiKey(readKey), readKey.slice(0, 10)],
        );
        seed = { reused: reuse };
      } else {
        log(
          `reports: seeding ${config.reportsEvents.toLocaleString('en-US')} events over ${config.reportsDays} days`,
        );
        const seeded = await seedReports({
          databaseUrl: ownerUrl.toString(),
          readerRole,
          events: config.reportsEvents,
          days: config.reportsDays,
          log: (line) => log(`reports: ${line}`),
        });
        ({ projectId, readKey } = seeded);
        const { readKey: _secret, ...rest } = seeded;
        seed = rest;
        log(
          `reports: seeded in ${Math.round(seeded.totalMs / 1000)} s (COPY ${Math.round(seeded.copyMs / 1000)} s), ` +
            `database ${(seeded.databaseBytes / 2 ** 30).toFixed(1)} GiB`,
        );
      }
      // The last 30 minutes, at the rate of the busiest days, so that the realtime reports have traffic.
      const now = Date.now();
      const live = Math.max(100, Math.round((config.reportsEvents / config.reportsDays / 48) * 1.5));
      const added = await copyTraffic(owner, {
        projectId,
        events: live,
        from: now - 30 * 60_000,
        to: now,
        seed: now % 1_000_000,
      });
      return {
        seed,
        liveEvents: added.events,
        reports: await measure(readerUrl.toString(), projectId, readKey, config),
      };
    } finally {
      await owner.end();
    }
  } finally {
    if (!reuse) await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  }
}

async function measure(
  readerUrl: string,
  projectId: string,
  readKey: string,
  config: Pick<BenchConfig, 'reportsRuns' | 'reportsBudgetS'>,
): Promise<ReportResult[]> {
  const db = createReaderDb({ url: readerUrl, poolMax: 4, statementTimeoutMs: 600_000 });
  let captured: Statement[] | null = null;
  db.on('query', (q: { sql: string; bindings?: unknown[] }) => {
    // The client's event: the SQL as sent, placeholders already `$n`, bindings as prepared.
    if (captured && /^with bounds as/.test(q.sql))
      captured.push({ sql: q.sql, bindings: [...(q.bindings ?? [])] });
  });
  // Errors are logged (stderr), so a failing report says why.
  const app = createApp({
    db,
    sessionSecret: `bench-${randomUUID()}`,
    logger: {
      info: () => undefined,
      error: (message, fields) => log(`query side: ${message} ${JSON.stringify(fields ?? {})}`),
    },
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The bare SQL: the reader role, in the session settings the query side's connections have.
  const bare = new pg.Client({
    connectionString: readerUrl,
    options: '-c default_transaction_read_only=on -c TimeZone=UTC -c statement_timeout=600000',
  });
  await bare.connect();
  const budgetMs = config.reportsBudgetS * 1000;
  const results: ReportResult[] = [];
  try {
    for (const spec of reportSpecs(projectId)) {
      const request = async () => {
        const response = await fetch(`${base}${spec.route}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${readKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(spec.body),
        });
        const body = (await response.json()) as { results?: unknown[]; steps?: unknown[] };
        if (response.status !== 200)
          throw new Error(`${spec.name}: ${response.status} ${JSON.stringify(body)}`);
        return body;
      };
      captured = [];
      const first = await request();
      const statements = captured as Statement[];
      captured = null;
      const http = await timeRuns(request, config.reportsRuns, budgetMs);
      const sql = await timeRuns(
        async () => {
          for (const s of statements) await bare.query(s.sql, s.bindings);
        },
        config.reportsRuns,
        budgetMs,
      );
      const h = summarize(http);
      const s = summarize(sql);
      const result: ReportResult = {
        name: spec.name,
        runs: http.length,
        p50: h.p50,
        p95: h.p95,
        sqlRuns: sql.length,
        sqlP50: s.p50,
        sqlP95: s.p95,
        statements: statements.length,
        rows: (first.results ?? first.steps ?? []).length,
      };
      log(
        `reports: ${spec.name}: p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms, ` +
          `bare SQL p95 ${result.sqlP95.toFixed(1)} ms (${result.runs} runs, ${result.rows} rows)`,
      );
      results.push(result);
    }
    return results;
  } finally {
    await bare.end();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db.destroy();
  }
}

/** The reports as rows of the run's table: each report's p95 against its bare SQL's p95. */
export function reportsRows(result: ReportsResult): Row[] {
  return result.reports.map((r) => ({
    figure: `report: ${r.name} (p95)`,
    value: r.p95,
    unit: 'ms',
    ceiling: { name: 'bare SQL p95', value: r.sqlP95 },
    aim: `≤ ${AIM_MS}`,
  }));
}
