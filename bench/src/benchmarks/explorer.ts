/**
 * Explorer reads: the first page's latency over HTTP on a database of its own holding
 * `explorerEvents` events (query-side/scripts/seed-1m.ts loads them and times 100 runs), against the
 * same SQL's execution time without HTTP (its EXPLAIN ANALYZE). The database is dropped afterwards.
 * It stays at a million events because it is the quick check (`BENCH_ONLY=explorer`, a minute) that
 * the first page rides its index; the first pages at 10 million events, unfiltered and filtered, with
 * the visits list's, are timed by the reports benchmark (./reports.ts, `listSpecs`) on its seed.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { REPO_ROOT, type DevFile } from '@eventlens/stack';
import type { BenchConfig } from '../config';
import type { Row } from '../report';

const run = promisify(execFile);

export interface ExplorerResult {
  events: number;
  /** The first page's plan is an index scan. */
  usesIndex: boolean;
  /** Milliseconds over HTTP. */
  firstPageP50: number;
  firstPageP95: number;
  /** Milliseconds: the SQL's execution time alone. */
  sqlMs: number;
}

export async function measureExplorer(
  dev: DevFile,
  config: Pick<BenchConfig, 'explorerEvents'>,
): Promise<ExplorerResult> {
  const database = `eventlens_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: dev.databaseUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  const url = new URL(dev.databaseUrl);
  url.pathname = `/${database}`;
  try {
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(REPO_ROOT, 'query-side', 'scripts', 'seed-1m.ts'),
        '--database-url',
        url.toString(),
        '--events',
        String(config.explorerEvents),
        '--runs',
        '100',
      ],
      { cwd: path.join(REPO_ROOT, 'query-side'), maxBuffer: 16 * 1024 * 1024, timeout: 20 * 60_000 },
    );
    const report = JSON.parse(stdout) as {
      events: number;
      first_page_uses_index: boolean;
      first_page_plan: string[];
      latency_over_http: Record<string, { median_ms: number; p95_ms: number }>;
    };
    const sqlMs = Number(/Execution Time: ([\d.]+) ms/.exec(report.first_page_plan.join('\n'))?.[1] ?? NaN);
    return {
      events: report.events,
      usesIndex: report.first_page_uses_index,
      firstPageP50: report.latency_over_http.events_first_page!.median_ms,
      firstPageP95: report.latency_over_http.events_first_page!.p95_ms,
      sqlMs,
    };
  } finally {
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  }
}

/** The median first page, against the SQL alone. */
export function explorerRows(result: ExplorerResult): Row[] {
  return [
    {
      figure: `explorer first page at ${result.events} events (p50)`,
      value: result.firstPageP50,
      unit: 'ms',
      ceiling: { name: 'SQL execution', value: result.sqlMs },
      aim: { atMost: 50 },
    },
  ];
}
