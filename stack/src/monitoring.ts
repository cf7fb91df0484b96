/**
 * Optional local monitoring: Prometheus with the configuration shipped in monitoring/, scraping the
 * services of a running stack. `EVENTLENS_MONITORING=1 npm start` runs it as one more child of the
 * stack; the monitoring tests run it on their own port and storage.
 *
 * monitoring/prometheus.yml is never copied or edited: a directory of its own gets a symbolic link
 * to it and to monitoring/rules, and a targets/ directory with one file_sd JSON file per job holding
 * the ports actually in use (Prometheus resolves the config's relative paths from the link's
 * directory). The shipped monitoring/targets/ holds the default ports for running Prometheus on
 * monitoring/prometheus.yml by hand.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './config';
import { StackError } from './errors';
import type { Child, Supervisor } from './supervisor';

/** The scrape jobs of monitoring/prometheus.yml, each with its file_sd file targets/<job>.json. */
export const SCRAPE_JOBS = ['command-side', 'query-side', 'projections', 'console'] as const;
export type ScrapeJob = (typeof SCRAPE_JOBS)[number];

/** `host:port` of each job's /metrics. */
export type ScrapeTargets = Record<ScrapeJob, string>;

export const MONITORING_DIR = path.join(REPO_ROOT, 'monitoring');

/** The scrape targets of a stack whose services listen on loopback at these ports. */
export function localTargets(ports: { ingest: number; query: number; projections: number; console: number }) {
  return {
    'command-side': `127.0.0.1:${ports.ingest}`,
    'query-side': `127.0.0.1:${ports.query}`,
    projections: `127.0.0.1:${ports.projections}`,
    console: `127.0.0.1:${ports.console}`,
  } satisfies ScrapeTargets;
}

/** file_sd's format: a list of target groups. */
export function fileSdJson(target: string): string {
  return `${JSON.stringify([{ targets: [target] }])}\n`;
}

/**
 * Lays out `dir` for Prometheus: prometheus.yml and rules/ linked to the shipped ones, targets/
 * written from `targets`, data/ for the TSDB. Returns the config file to pass to Prometheus.
 */
export async function prepareMonitoringDir(
  dir: string,
  targets: ScrapeTargets,
  shipped = MONITORING_DIR,
): Promise<string> {
  await mkdir(path.join(dir, 'targets'), { recursive: true });
  await mkdir(path.join(dir, 'data'), { recursive: true });
  for (const name of ['prometheus.yml', 'rules']) {
    await rm(path.join(dir, name), { force: true, recursive: false });
    await symlink(path.join(shipped, name), path.join(dir, name));
  }
  for (const job of SCRAPE_JOBS) {
    await writeFile(path.join(dir, 'targets', `${job}.json`), fileSdJson(targets[job]));
  }
  return path.join(dir, 'prometheus.yml');
}

const run = promisify(execFile);

/**
 * The Prometheus binary: EVENTLENS_PROMETHEUS_BIN, else `prometheus` on the PATH (Debian's
 * `prometheus` package). Undefined when there is none.
 */
export async function findPrometheus(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const candidate = env.EVENTLENS_PROMETHEUS_BIN || 'prometheus';
  try {
    await run(candidate, ['--version'], { timeout: 10_000 });
    return candidate;
  } catch {
    return undefined;
  }
}

/** The command line of a Prometheus on `configFile`, listening on loopback at `port`. */
export function prometheusArgs(configFile: string, port: number, dataDir: string): string[] {
  return [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${dataDir}`,
    '--storage.tsdb.retention.time=2d',
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ];
}

export interface MonitoringOptions {
  /** Where the config links, targets and TSDB go (the stack uses `.eventlens/monitoring`). */
  dir: string;
  port: number;
  targets: ScrapeTargets;
  bin: string;
  /** Appended to the UI's page title: `stack:down` recognises the process by the stack's marker. */
  marker?: string;
}

/** Starts Prometheus as a child of `supervisor` and waits until it answers /-/ready. */
/** Where a stack keeps its Prometheus (configuration and data): `<EVENTLENS_HOME>/monitoring`. */
export const monitoringHome = (home: string): string => path.join(home, 'monitoring');

export async function startPrometheus(
  o: MonitoringOptions,
  supervisor: Supervisor,
  timeoutMs: number,
): Promise<{ child: Child; url: string }> {
  const configFile = await prepareMonitoringDir(o.dir, o.targets);
  const child = await supervisor.spawn({
    name: 'prometheus',
    command: o.bin,
    args: [
      ...prometheusArgs(configFile, o.port, path.join(o.dir, 'data')),
      // The page title is the one flag free to carry the marker that identifies the stack's children.
      ...(o.marker ? [`--web.page-title=EventLens Prometheus ${o.marker}`] : []),
    ],
  });
  const url = `http://127.0.0.1:${o.port}`;
  await waitForPrometheus(url, child, timeoutMs);
  return { child, url };
}

export async function waitForPrometheus(url: string, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  void child.exited.then((how) => (exited = how));
  let last = '';
  while (Date.now() < deadline) {
    if (exited) {
      throw new StackError(
        'MONITORING_FAILED',
        `Prometheus stopped during start-up (${exited}); see ${child.logFile}`,
      );
    }
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new StackError(
    'MONITORING_FAILED',
    `Prometheus was not ready at ${url} within ${timeoutMs / 1000}s (${last}); see ${child.logFile}`,
  );
}
