/**
 * The benchmarks' settings, from BENCH_* environment variables, parsed once by the entry point
 * with the service kit's `parseEnv` and handed to each benchmark as a typed object: nothing else
 * in the package reads `process.env` for them. A bad value stops the run before anything starts,
 * with one line naming the variable (`BENCH_EVENTS: Too small: expected number to be >0`). An
 * empty variable counts as unset.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseEnv } from '@eventlens/service-kit';

/** A whole count above zero. */
const count = z.coerce.number().int().positive();
/** Seconds above zero (fractions allowed). */
const seconds = z.coerce.number().positive();

const BenchEnv = z.object({
  BENCH_EVENTS: count.default(200_000),
  BENCH_DURATION_S: seconds.default(10),
  BENCH_E2E_RATE: count.default(1000),
  BENCH_EXPLORER_EVENTS: count.default(1_000_000),
  BENCH_REPORTS_EVENTS: count.default(10_000_000),
  BENCH_REPORTS_DAYS: count.default(183),
  BENCH_REPORTS_RUNS: count.default(40),
  BENCH_REPORTS_BUDGET_S: seconds.default(15),
  BENCH_REPORTS_DATABASE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'a database name: lower-case letters, digits and _')
    .optional(),
  BENCH_INGEST_PROCESSES: count.default(2),
  BENCH_ONLY: z.enum(['e2e', 'ingestion', 'projection', 'explorer', 'reports', 'sizes']).optional(),
  BENCH_CPU_PROFILE_DIR: z.string().optional(),
});

/** `npm run bench` (src/run.ts). */
export interface BenchConfig {
  /** Events for the two ceilings and the projection (BENCH_EVENTS, default 200,000). */
  events: number;
  /**
   * Seconds of load: each of ingestion's two autocannon runs, and the end-to-end sender (which
   * runs at least 5 s) (BENCH_DURATION_S, default 10).
   */
  durationS: number;
  /** Events per second sent end to end through the running services (BENCH_E2E_RATE, default 1,000). */
  e2eRate: number;
  /** Events loaded for the explorer's first-page latency (BENCH_EXPLORER_EVENTS, default 1,000,000). */
  explorerEvents: number;
  /** Events of the reports' one project, bots included (BENCH_REPORTS_EVENTS, default 10,000,000). */
  reportsEvents: number;
  /** Days of traffic they span, ending now (BENCH_REPORTS_DAYS, default 183: six months). */
  reportsDays: number;
  /** Timed requests per report, and bare runs of its SQL (BENCH_REPORTS_RUNS, default 40). */
  reportsRuns: number;
  /**
   * Seconds after which a report's requests (and then its bare SQL) stop early, at no fewer than 3
   * runs (BENCH_REPORTS_BUDGET_S, default 15).
   */
  reportsBudgetS: number;
  /**
   * A database seeded earlier by bench/scripts/seed-reports.ts, measured as it is: nothing seeded,
   * nothing dropped (BENCH_REPORTS_DATABASE); null: a new one, dropped afterwards.
   */
  reportsDatabase: string | null;
  /**
   * The most command-side processes ingestion is measured with: 1, 2, … up to this many, to show
   * how the stateless command side scales (BENCH_INGEST_PROCESSES, default 2: this machine's cores).
   */
  ingestProcesses: number;
  /**
   * One benchmark alone, with the ceilings it is measured against: `e2e` (the end-to-end latency,
   * saved), `ingestion` (bare HTTP, kafkajs), `projection` (COPY), `explorer` (not saved), or
   * `reports` (saved), `sizes` (BENCH_ONLY); null: every benchmark, saved.
   */
  only: 'e2e' | 'ingestion' | 'projection' | 'explorer' | 'reports' | 'sizes' | null;
  /**
   * A directory (made if missing) into which the services the bench starts itself (the command side
   * of the ingestion runs, cluster workers included, and the projection process) write a V8 CPU
   * profile each, `--cpu-prof`, when they stop (BENCH_CPU_PROFILE_DIR); null: not profiled. Open a
   * `.cpuprofile` in Chromium's DevTools (Performance). The profiler costs them some CPU, so the
   * figures of a profiled run are not comparable with others.
   */
  cpuProfileDir: string | null;
}

/** Throws `ConfigError` (service kit) naming the first bad variable. */
export function loadBenchConfig(env: Record<string, string | undefined>): BenchConfig {
  const e = parseEnv(BenchEnv, env, { emptyIsUnset: true });
  return {
    events: e.BENCH_EVENTS,
    durationS: e.BENCH_DURATION_S,
    e2eRate: e.BENCH_E2E_RATE,
    explorerEvents: e.BENCH_EXPLORER_EVENTS,
    reportsEvents: e.BENCH_REPORTS_EVENTS,
    reportsDays: e.BENCH_REPORTS_DAYS,
    reportsRuns: e.BENCH_REPORTS_RUNS,
    reportsBudgetS: e.BENCH_REPORTS_BUDGET_S,
    reportsDatabase: e.BENCH_REPORTS_DATABASE ?? null,
    ingestProcesses: e.BENCH_INGEST_PROCESSES,
    only: e.BENCH_ONLY ?? null,
    cpuProfileDir: e.BENCH_CPU_PROFILE_DIR === undefined ? null : path.resolve(e.BENCH_CPU_PROFILE_DIR),
  };
}

const TracingEnv = z.object({
  BENCH_DURATION_S: seconds.default(10),
  BENCH_ROUNDS: count.default(3),
  BENCH_TRACING_RATE: count.default(300),
});

/** `npm run -w bench bench:tracing` (src/tracing-overhead.ts). */
export interface TracingConfig {
  /** Seconds of each measured run (BENCH_DURATION_S, default 10). */
  durationS: number;
  /** Rounds of the three modes (BENCH_ROUNDS, default 3). */
  rounds: number;
  /** Requests per second sent in each run (BENCH_TRACING_RATE, default 300). */
  rate: number;
}

/** Throws `ConfigError` (service kit) naming the first bad variable. */
export function loadTracingConfig(env: Record<string, string | undefined>): TracingConfig {
  const e = parseEnv(TracingEnv, env, { emptyIsUnset: true });
  return { durationS: e.BENCH_DURATION_S, rounds: e.BENCH_ROUNDS, rate: e.BENCH_TRACING_RATE };
}
