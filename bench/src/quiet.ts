/**
 * Waiting for a quiet machine between benchmarks. A benchmark leaves work behind it — PostgreSQL
 * writing out the pages of the rows it inserted (the next checkpoint), autovacuum analysing them,
 * its processes exiting, Kafka deleting its topics — and on two cores shared by everything, the next
 * benchmark measured that work as its own latency: in the run of 2026-12-03 11:50 the end-to-end run
 * right after the projection benchmark waited p99 2,478 ms for its 202s while the services' own
 * stages stayed under 200 ms. So before each benchmark the bench asks PostgreSQL for a checkpoint
 * and waits until the whole machine's CPU (/proc/stat) has been mostly idle for a few seconds in a
 * row, or a minute has passed, and records how long it waited and how busy the machine still was.
 */
import { readFile } from 'node:fs/promises';
import pg from 'pg';

/** CPU time of the whole machine (all cores), in /proc/stat's ticks: busy and in all. */
export interface CpuSample {
  busy: number;
  total: number;
}

/** The first line of /proc/stat (`cpu  user nice system idle iowait irq softirq steal …`) as a sample. */
export function parseProcStat(text: string): CpuSample {
  const fields = text.split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  // idle and iowait are not busy: a core waiting on the disk is free for the next benchmark.
  return { busy: total - fields[3]! - fields[4]!, total };
}

export const readCpu = async (): Promise<CpuSample> => parseProcStat(await readFile('/proc/stat', 'utf8'));

/** The share of the machine's CPU (0–1) that was busy between two samples; 0 when no time passed. */
export const busyShare = (a: CpuSample, b: CpuSample): number =>
  b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;

export interface QuietOptions {
  /** A sample of the machine's CPU now (readCpu). */
  sample?: () => Promise<CpuSample>;
  /** Waits `ms` (a timer; a test passes one that returns at once). */
  sleep?: (ms: number) => Promise<void>;
  /** Quiet: at most this share of all cores busy (default 0.3: the idle stack uses about 0.1). */
  maxBusy?: number;
  /** … over this many consecutive one-second windows (default 3). */
  windows?: number;
  /** Gives up after this many windows and goes on (default 60: a minute). */
  maxWindows?: number;
}

export interface Quiet {
  quiet: boolean;
  /** Seconds waited (one per window). */
  waitedS: number;
  /** The busy share of the last window, 0–1. */
  busy: number;
}

/** Waits, one-second window after window, until `windows` in a row are quiet or `maxWindows` have passed. */
export async function waitForQuiet(options: QuietOptions = {}): Promise<Quiet> {
  const {
    sample = readCpu,
    sleep = (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    maxBusy = 0.3,
    windows = 3,
    maxWindows = 60,
  } = options;
  let previous = await sample();
  let inARow = 0;
  let busy = 1;
  for (let waited = 1; waited <= maxWindows; waited++) {
    await sleep(1000);
    const next = await sample();
    busy = busyShare(previous, next);
    previous = next;
    inARow = busy <= maxBusy ? inARow + 1 : 0;
    if (inARow >= windows) return { quiet: true, waitedS: waited, busy };
  }
  return { quiet: false, waitedS: maxWindows, busy };
}

/**
 * Before a benchmark: PostgreSQL's checkpoint now (the pages the last benchmark dirtied written out
 * before, not during, the next), then `waitForQuiet`. A role that may not checkpoint is told once in
 * the log and the wait goes on without it. Returns what `waitForQuiet` found.
 */
export async function settle(databaseUrl: string, log: (line: string) => void): Promise<Quiet> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    await client.query('checkpoint');
  } catch (error) {
    log(`settle: no checkpoint (${(error as Error).message}); waiting for a quiet machine without it`);
  } finally {
    await client.end().catch(() => undefined);
  }
  const quiet = await waitForQuiet();
  log(
    `settle: ${quiet.quiet ? 'quiet' : 'still busy'} after ${quiet.waitedS} s ` +
      `(${Math.round(quiet.busy * 100)}% of the cores busy in the last second)`,
  );
  return quiet;
}
