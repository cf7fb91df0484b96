/**
 * Ingestion: accepted events/s through the command side with its own topics and no rate limit in
 * the way, run as 1, 2, … `ingestProcesses` processes (EVENTLENS_INGEST_PROCESSES: one port shared
 * by that many workers) — `POST /v1/events` one event per request (64 connections), then
 * `POST /v1/batch` with 500 events per request (8 connections), `durationS` seconds each. One-event
 * requests are bounded by bare HTTP (the same request to Express answering 202 with nothing else,
 * src/bare-http.ts, run as the same number of processes, measured first with the same load),
 * batches by kafkajs producing straight to the broker (the Kafka ceiling).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import type { DevFile } from '@eventlens/stack';
import type { BenchConfig } from '../config';
import { freePort, runService, waitProcessesReady } from '../processes';
import type { Row } from '../report';
import { adminClient, createTopics, log } from '../support';

/** The figures with one number of processes. */
export interface IngestionStep {
  /** Processes of the command side, and of the bare-HTTP server measured beside it. */
  processes: number;
  /** The bare-HTTP ceiling: 202s per second from src/bare-http.ts for the same one-event request. */
  bareRequestsPerSecond: number;
  singleRequestsPerSecond: number;
  singleNon2xx: number;
  /** Milliseconds. */
  singleLatencyP50: number;
  singleLatencyP99: number;
  batchEventsPerSecond: number;
  batchNon2xx: number;
}

/** One step per number of processes, 1 first, in ascending order. */
export interface IngestionResult {
  steps: IngestionStep[];
}

const BATCH_SIZE = 500;
const SINGLE_CONNECTIONS = 64;

/** 2xx answers per second of an autocannon run. */
const ok = (r: autocannon.Result) => r['2xx'] / r.duration;

/** 202s/s of Express alone (src/bare-http.ts, `processes` processes) for `body` at the one-event load. */
async function bareHttpCeiling(body: string, durationS: number, processes: number): Promise<number> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(import.meta.dirname, '..', 'bare-http.ts'),
      String(port),
      String(processes),
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  try {
    await waitProcessesReady(`http://127.0.0.1:${port}/readyz`, processes);
    const bare = await autocannon({
      url: `http://127.0.0.1:${port}/v1/events`,
      method: 'POST',
      connections: SINGLE_CONNECTIONS,
      duration: durationS,
      headers: { 'content-type': 'text/plain' },
      body,
    });
    if (bare.non2xx > 0) throw new Error(`bare HTTP answered ${bare.non2xx} requests with no 2xx`);
    return ok(bare);
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
}

/** Runs on topics `bench.<id>.ingest` and `bench.<id>.admin` (the runner deletes `bench.<id>.*`). */
export async function measureIngestion(
  dev: DevFile,
  id: string,
  config: Pick<BenchConfig, 'durationS' | 'ingestProcesses' | 'cpuProfileDir'>,
): Promise<IngestionResult> {
  const topics = { events: `bench.${id}.ingest`, admin: `bench.${id}.admin` };
  await createTopics(dev.kafkaBrokers, [
    { topic: topics.events, numPartitions: 4 },
    { topic: topics.admin, numPartitions: 1 },
  ]);
  const token = `bench-admin-${randomUUID()}`;
  const env = {
    EVENTLENS_KAFKA_BROKERS: dev.kafkaBrokers,
    EVENTLENS_REGISTRY_URL: dev.registryUrl,
    EVENTLENS_SESSION_SECRET: randomBytes(24).toString('hex'),
    EVENTLENS_ADMIN_TOKEN: token,
    EVENTLENS_EVENTS_TOPIC: topics.events,
    EVENTLENS_ADMIN_TOPIC: topics.admin,
    EVENTLENS_RATE_LIMIT_EVENTS_PER_S: '10000000',
    EVENTLENS_RATE_LIMIT_BURST: '10000000',
  };
  const event = (i: number) => ({
    event_name: i % 5 === 0 ? 'page_view' : 'button_click',
    session_id: `s-${i % 997}`,
    anonymous_id: `a-${i % 997}`,
    url: `https://example.com/page/${i % 50}`,
    metadata: { plan: 'pro', position: i % 10 },
  });
  /** The write key, issued by the first run and read from the admin topic by the later ones. */
  let key: string | undefined;
  const steps: IngestionStep[] = [];
  for (let processes = 1; processes <= config.ingestProcesses; processes++) {
    const port = await freePort();
    const service = runService(
      'command-side',
      {
        ...env,
        EVENTLENS_INGEST_PORT: String(port),
        EVENTLENS_INGEST_PROCESSES: String(processes),
      },
      config,
    );
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitProcessesReady(`${url}/readyz`, processes);
      if (key === undefined) {
        const admin = await adminClient(url, token);
        const project = await admin('/v1/admin/projects', { name: 'bench' });
        ({ key } = await admin(`/v1/admin/projects/${project.project_id}/keys`, { kind: 'write' }));
      }
      const singleBody = JSON.stringify({ api_key: key, ...event(1) });
      log(`ingestion, ${processes} process(es): bare HTTP, then /v1/events, then /v1/batch`);
      const bareRequestsPerSecond = await bareHttpCeiling(singleBody, config.durationS, processes);
      const single = await autocannon({
        url: `${url}/v1/events`,
        method: 'POST',
        connections: SINGLE_CONNECTIONS,
        duration: config.durationS,
        headers: { 'content-type': 'text/plain' },
        body: singleBody,
      });
      const batch = await autocannon({
        url: `${url}/v1/batch`,
        method: 'POST',
        connections: 8,
        duration: config.durationS,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          api_key: key,
          events: Array.from({ length: BATCH_SIZE }, (_, i) => event(i)),
        }),
      });
      steps.push({
        processes,
        bareRequestsPerSecond,
        singleRequestsPerSecond: ok(single),
        singleNon2xx: single.non2xx,
        singleLatencyP50: single.latency.p50,
        singleLatencyP99: single.latency.p99,
        batchEventsPerSecond: ok(batch) * BATCH_SIZE,
        batchNon2xx: batch.non2xx,
      });
    } finally {
      await service.stop();
    }
  }
  return { steps };
}

const processesLabel = (n: number) => (n === 1 ? '1 process' : `${n} processes`);

/**
 * Two figures per number of processes: one-event requests against bare HTTP run as as many
 * processes (aim ≥ 0.8× of it), batches against the Kafka ceiling (events/s kafkajs appended
 * alone, one producer; aim ≥ 0.8× of it).
 */
export function ingestionRows(result: IngestionResult, kafkaEventsPerSecond: number): Row[] {
  return result.steps.flatMap((step) => [
    {
      figure: `POST /v1/events (1 event/request), ${processesLabel(step.processes)}`,
      value: step.singleRequestsPerSecond,
      unit: 'requests/s',
      ceiling: {
        name: `bare HTTP (Express, parse, 202), ${processesLabel(step.processes)}`,
        value: step.bareRequestsPerSecond,
      },
      aim: { atLeastOfCeiling: 0.8 },
    },
    {
      figure: `POST /v1/batch (${BATCH_SIZE} events/request), ${processesLabel(step.processes)}`,
      value: step.batchEventsPerSecond,
      unit: 'events/s',
      ceiling: { name: 'kafkajs direct', value: kafkaEventsPerSecond },
      aim: { atLeastOfCeiling: 0.8 },
    },
  ]);
}

/**
 * What 1 → N processes gave, as multiples of the one-process figures: `×1.6`; NaN-free (`–` when
 * the one-process figure is 0).
 */
export function scaling(
  result: IngestionResult,
): { processes: number; single: string; bare: string; batch: string } | undefined {
  const first = result.steps[0];
  const last = result.steps.at(-1);
  if (!first || !last || last === first) return undefined;
  const times = (a: number, b: number) => (b > 0 ? `×${(a / b).toFixed(2)}` : '–');
  return {
    processes: last.processes,
    single: times(last.singleRequestsPerSecond, first.singleRequestsPerSecond),
    bare: times(last.bareRequestsPerSecond, first.bareRequestsPerSecond),
    batch: times(last.batchEventsPerSecond, first.batchEventsPerSecond),
  };
}

/** Latencies and refusals per step, then the scaling 1 → N (stderr lines). */
export const describeIngestion = (r: IngestionResult): string => {
  const lines = r.steps.map(
    (s) =>
      `  ${processesLabel(s.processes)}: single p50 ${s.singleLatencyP50} ms, p99 ${s.singleLatencyP99} ms, non-2xx ${s.singleNon2xx}; batch non-2xx ${s.batchNon2xx}`,
  );
  const scaled = scaling(r);
  if (scaled) {
    lines.push(
      `  scaling 1 → ${scaled.processes} processes: /v1/events ${scaled.single} (bare HTTP ${scaled.bare}), /v1/batch ${scaled.batch}`,
    );
  }
  return lines.join('\n');
};
