/**
 * A real Prometheus (Debian's package) on the shipped monitoring/prometheus.yml — linked unchanged
 * into a scratch directory next to file_sd targets with the running stack's ports, its own free
 * port and storage — scraping the stack while events go through it. Then, through its HTTP API:
 * every service is `up`, the lag and freshness series are there, and every PromQL expression of the
 * alert rules and the Grafana dashboards evaluates, reading only metrics that exist.
 *
 * "Exists" is strict: every metric name an expression reads has at least one series in Prometheus.
 * One exception, declared and checked: a counter of failures that never happened on this stack
 * (transient errors, failed records forwarded) has no series until its first increment; it must
 * then be declared by a scraped service (HELP and TYPE counter in /api/v1/metadata), so a typo or
 * a metric nobody exports still fails.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  findPrometheus,
  freePort,
  SCRAPE_JOBS,
  startPrometheus,
  Supervisor,
  type ScrapeTargets,
} from '@eventlens/stack';
import { eventually } from '@eventlens/stack/eventually';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricNames, shippedExpressions, withGrafanaIntervals } from '../src/promql';
import { sendTraffic, stackUnderTest } from './stack';

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}
type Vector = { metric: Record<string, string>; value: [number, string] }[];

let home: string;
let supervisor: Supervisor;
let prometheus: string;
/** When the test traffic had been answered (ms since the epoch): scrapes after it saw all of it. */
let trafficDoneAt: number;
const started = performance.now();

async function api<T>(route: string, params: Record<string, string> = {}): Promise<ApiAnswer<T>> {
  const res = await fetch(`${prometheus}${route}?${new URLSearchParams(params)}`);
  return (await res.json()) as ApiAnswer<T>;
}

async function query(expr: string): Promise<ApiAnswer<{ resultType: string; result: Vector }>> {
  return api('/api/v1/query', { query: expr });
}

/** Polls `expr` until `done` holds for its vector, within 60 s; returns that vector. */
const until = (expr: string, done: (result: Vector) => boolean): Promise<Vector> =>
  eventually(
    expr,
    async () => {
      const { data } = await query(expr);
      if (!done(data.result)) throw new Error(`the last answer: ${JSON.stringify(data.result)}`);
      return data.result;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );

beforeAll(async () => {
  const stack = await stackUnderTest();
  home = await mkdtemp(path.join(os.tmpdir(), 'eventlens-prometheus-'));
  supervisor = new Supervisor(path.join(home, 'logs'), path.join(home, 'run'), () => undefined);
  const bin = await findPrometheus();
  if (!bin) throw new Error('prometheus is not installed: apt-get install prometheus (.ci/run does)');
  const targets = Object.fromEntries(
    SCRAPE_JOBS.map((job) => [job, new URL(stack.urls[job]).host]),
  ) as ScrapeTargets;
  prometheus = (
    await startPrometheus(
      { dir: path.join(home, 'monitoring'), port: await freePort(), targets, bin },
      supervisor,
      60_000,
    )
  ).url;
  await sendTraffic(stack);
  trafficDoneAt = Date.now();
}, 120_000);

afterAll(async () => {
  await supervisor?.stopAll();
  if (home) await rm(home, { recursive: true, force: true });
  console.log(`Prometheus test: ${((performance.now() - started) / 1000).toFixed(1)} s from start to stop`);
});

describe('Prometheus scraping the running stack', () => {
  it('has every service up', async () => {
    const up = await until(
      'up',
      (r) => r.length === SCRAPE_JOBS.length && r.every((s) => s.value[1] === '1'),
    );
    expect(Object.fromEntries(up.map((s) => [s.metric.job, s.value[1]]))).toEqual(
      Object.fromEntries(SCRAPE_JOBS.map((job) => [job, '1'])),
    );
  });

  it('has consumer lag per group and partition, and freshness per projection', async () => {
    const lag = await until('eventlens_projection_consumer_lag{job="projections"}', (r) => r.length > 0);
    expect(lag.map((s) => s.metric.worker)).toContain('analytics');
    expect(lag.every((s) => s.metric.partition !== undefined && s.metric.topic !== undefined)).toBe(true);
    const freshness = await until(
      'eventlens_projection_freshness_seconds_count{job="projections", projection="analytics"}',
      (r) => r.length > 0 && Number(r[0]!.value[1]) > 0,
    );
    expect(Number(freshness[0]?.value[1])).toBeGreaterThan(0);
    const p99 = await until(
      'histogram_quantile(0.99, sum by (le) (eventlens_projection_freshness_seconds_bucket{projection="analytics"}))',
      (r) => r.length > 0,
    );
    expect(Number(p99[0]?.value[1])).toBeGreaterThan(0);
  });

  it('evaluates every expression of the rules and dashboards; each metric it reads exists', async () => {
    // Everything the traffic produced has been scraped at least once: every target's last scrape
    // began after the traffic was answered.
    await until('eventlens_events_accepted_total', (r) => r.length > 0);
    await eventually(
      'a scrape of every target after the traffic',
      async () => {
        const { data } = await api<{ activeTargets: { scrapePool: string; lastScrape: string }[] }>(
          '/api/v1/targets',
          { state: 'active' },
        );
        const behind = data.activeTargets.filter((t) => Date.parse(t.lastScrape) <= trafficDoneAt);
        if (data.activeTargets.length < SCRAPE_JOBS.length || behind.length > 0)
          throw new Error(`not scraped since: ${behind.map((t) => t.scrapePool).join(', ') || 'no targets'}`);
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const expressions = await shippedExpressions();
    expect(expressions.length).toBeGreaterThan(20);
    const metadata = (await api<Record<string, { type: string }[]>>('/api/v1/metadata')).data;
    const problems: string[] = [];
    const checked = new Map<string, string | undefined>();
    const declaredOnly: string[] = [];
    for (const { source, expr } of expressions) {
      const promql = withGrafanaIntervals(expr);
      if (promql.includes('$'))
        problems.push(`${source}: a variable other than Grafana's intervals: ${expr}`);
      const answer = await query(promql);
      if (answer.status !== 'success') problems.push(`${source}: ${answer.error ?? 'failed'}: ${expr}`);
      const names = metricNames(promql);
      if (names.length === 0) problems.push(`${source}: reads no metric: ${expr}`);
      for (const name of names) {
        if (!checked.has(name)) {
          const series = await api<unknown[]>('/api/v1/series', {
            'match[]': name,
            start: String(Date.now() / 1000 - 600),
          });
          const counterDeclared = metadata[name]?.some((m) => m.type === 'counter') ?? false;
          if (series.data.length === 0 && counterDeclared) declaredOnly.push(name);
          checked.set(
            name,
            series.data.length > 0 || counterDeclared
              ? undefined
              : `${name} has no series${metadata[name] ? ` (declared as ${metadata[name]![0]!.type})` : ' and no service declares it'}`,
          );
        }
        const problem = checked.get(name);
        if (problem) problems.push(`${source}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
    console.log(
      `${expressions.length} expressions evaluated, ${checked.size} metric names checked; ` +
        `counters with no failure yet: ${declaredOnly.join(', ') || 'none'}`,
    );
  });
});
