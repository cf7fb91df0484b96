/**
 * Reports: every report the console's dashboard and the Stats API serve (POST /api/v2/query and
 * POST /api/v2/funnel, docs/stats-api.md), timed over HTTP on a database of its own holding
 * `reportsEvents` events of one project with their visits (../seed/: months of a site's traffic),
 * against the same SQL run bare — the statements the engine sent for that request, captured from
 * the query side's own connection and replayed through node-postgres in the same run. The aim is
 * the product's for every report: p95 ≤ 50 ms at 10 million events. The database is dropped afterwards (unless it was given to reuse).
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
import { createApp, createReaderDb, readerSessionOptions } from '@eventlens/query-side';
import type { DevFile } from '@eventlens/stack';
import type { BenchConfig } from '../config';
import type { Row } from '../report';
import { copyTraffic, fillAggregates, seedReports, type Seeded } from '../seed/load';
import { settle } from '../quiet';
import { log, percentile } from '../support';
import { AIM_MS, listSpecs, overviewSpecs, reportSpecs, type ReportSpec } from './report-specs';

export { AIM_MS } from './report-specs';

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
  /** The reports to time, by name (bench/scripts/measure-reports.ts); by default every one. */
  select: (name: string) => boolean = () => true,
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
        ({ projectId, readKey } = await issueReadKey(owner, reuse, 'bench'));
        seed = { reused: reuse };
        // A database seeded before the seed filled the overview's aggregates: fill them now, once.
        await fillAggregates(owner, projectId, (line) => log(`reports: ${line}`));
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
      // The seed's writes (a checkpoint's worth, autovacuum) done before the timing starts (quiet.ts).
      await settle(dev.databaseUrl, (line) => log(`reports: ${line}`));
      return {
        seed,
        liveEvents: added.events,
        reports: await measure(readerUrl.toString(), projectId, readKey, config, select),
      };
    } finally {
      await owner.end();
    }
  } finally {
    if (!reuse) await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  }
}

/**
 * A read key for the project seed-reports made in `database` (its owner connection `owner`), named
 * `name`: the project's id, the key, and the key's id (to delete it afterwards). Throws when the
 * database holds no one such project.
 */
export async function issueReadKey(
  owner: pg.Pool | pg.Client,
  database: string,
  name: string,
): Promise<{ projectId: string; readKey: string; keyId: string }> {
  const { rows } = await owner.query<{ project_id: string }>(
    "select project_id from admin.projects where name = 'reports bench'",
  );
  if (rows.length !== 1) throw new Error(`${database} holds no one project seeded by seed-reports`);
  const projectId = rows[0]!.project_id;
  const readKey = generateApiKey('read');
  const keyId = randomUUID();
  await owner.query(
    `insert into admin.api_keys (key_id, project_id, kind, name, key_hash, key_prefix, issued_at)
     values ($1, $2, 'read', $3, $4, $5, now())`,
    [keyId, projectId, name, hashApiKey(readKey), readKey.slice(0, 10)],
  );
  return { projectId, readKey, keyId };
}

/** Sends `spec` to `base` with the read key; its answer's JSON, or an error naming the report. */
export async function send(
  base: string,
  readKey: string,
  spec: ReportSpec,
): Promise<Record<string, unknown>> {
  const url = new URL(`${base}${spec.route}`);
  for (const [k, v] of Object.entries(spec.query ?? {})) url.searchParams.set(k, v);
  const response = await fetch(url, {
    method: spec.body ? 'POST' : 'GET',
    headers: {
      authorization: `Bearer ${readKey}`,
      ...(spec.body ? { 'content-type': 'application/json' } : {}),
    },
    ...(spec.body ? { body: JSON.stringify(spec.body) } : {}),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) throw new Error(`${spec.name}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** The rows an answer holds: Stats API results, funnel steps, a list's items, a top list's; else 1. */
export function answerRows(body: Record<string, unknown>): number {
  for (const key of ['results', 'steps', 'items', 'projections'])
    if (Array.isArray(body[key])) return (body[key] as unknown[]).length;
  return 1;
}

/**
 * Whether a statement the query side sent is the report's own: not the caller's authentication or
 * the project's settings (admin.*), which every request reads first and no report's SQL includes.
 */
export const isReportStatement = (sql: string) => !/\b"?admin"?\./.test(sql);

async function measure(
  readerUrl: string,
  projectId: string,
  readKey: string,
  config: Pick<BenchConfig, 'reportsRuns' | 'reportsBudgetS'>,
  select: (name: string) => boolean,
): Promise<ReportResult[]> {
  const db = createReaderDb({ url: readerUrl, poolMax: 4, statementTimeoutMs: 600_000 });
  let captured: Statement[] | null = null;
  db.on('query', (q: { sql: string; bindings?: unknown[] }) => {
    // The client's event: the SQL as sent, placeholders already `$n`, bindings as prepared.
    if (captured && isReportStatement(q.sql))
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
  // The bare SQL: the reader role, in the session settings the query side's connections have, on
  // as many connections as its pool (4), so that requests sent together run together bare too.
  const bare = new pg.Pool({
    connectionString: readerUrl,
    options: readerSessionOptions(600_000),
    max: 4,
  });
  const budgetMs = config.reportsBudgetS * 1000;
  const results: ReportResult[] = [];
  /** One request alone, its statements captured: the answer and the statements. */
  const warmUp = async (spec: ReportSpec) => {
    captured = [];
    const first = await send(base, readKey, spec);
    const statements = captured as Statement[];
    captured = null;
    return { first, statements };
  };
  const runBare = async (statements: Statement[]) => {
    const client = await bare.connect();
    try {
      for (const s of statements) await client.query(s.sql, s.bindings);
    } finally {
      client.release();
    }
  };
  const record = (name: string, http: number[], sql: number[], statements: number, rows: number) => {
    const h = summarize(http);
    const s = summarize(sql);
    const result: ReportResult = {
      name,
      runs: http.length,
      p50: h.p50,
      p95: h.p95,
      sqlRuns: sql.length,
      sqlP50: s.p50,
      sqlP95: s.p95,
      statements,
      rows,
    };
    log(
      `reports: ${name}: p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms, ` +
        `bare SQL p95 ${result.sqlP95.toFixed(1)} ms (${result.runs} runs, ${result.rows} rows)`,
    );
    results.push(result);
  };
  try {
    const [realtime, rest] = [reportSpecs(projectId).slice(0, 2), reportSpecs(projectId).slice(2)];
    // Realtime and the lists first: they read the newest rows, the last minutes just added.
    for (const spec of [...realtime, ...listSpecs(), ...rest].filter((s) => select(s.name))) {
      const { first, statements } = await warmUp(spec);
      const http = await timeRuns(() => send(base, readKey, spec), config.reportsRuns, budgetMs);
      const sql = await timeRuns(() => runBare(statements), config.reportsRuns, budgetMs);
      record(spec.name, http, sql, statements.length, answerRows(first));
    }
    // The Overview on open: each request alone, then all of them at once as the console sends them.
    const overview = overviewSpecs(projectId, Date.now());
    if (!select('overview on open')) return results;
    const warmed: Array<{ spec: ReportSpec; statements: Statement[]; rows: number }> = [];
    for (const spec of overview) {
      const { first, statements } = await warmUp(spec);
      warmed.push({ spec, statements, rows: answerRows(first) });
      const http = await timeRuns(() => send(base, readKey, spec), config.reportsRuns, budgetMs);
      const sql = await timeRuns(() => runBare(statements), config.reportsRuns, budgetMs);
      record(spec.name, http, sql, statements.length, answerRows(first));
    }
    const http = await timeRuns(
      () => Promise.all(overview.map((spec) => send(base, readKey, spec))),
      config.reportsRuns,
      budgetMs,
    );
    const sql = await timeRuns(
      () => Promise.all(warmed.map((w) => runBare(w.statements))),
      config.reportsRuns,
      budgetMs,
    );
    record(
      `overview on open: its ${overview.length} requests at once`,
      http,
      sql,
      warmed.reduce((n, w) => n + w.statements.length, 0),
      warmed.reduce((n, w) => n + w.rows, 0),
    );
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
    aim: { atMost: AIM_MS },
  }));
}
