/**
 * Ingestion: accepted events/s through one command-side process with its own topics and no rate
 * limit in the way — `POST /v1/events` one event per request (64 connections), then `POST /v1/batch`
 * with 500 events per request (8 connections), `durationS` seconds each. One-event requests are
 * bounded by bare HTTP (the same request to Express answering 202 with nothing else, src/bare-http.ts,
 * its own process like the command side, measured first with the same load), batches by kafkajs
 * producing straight to the broker (the Kafka ceiling).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import type { DevFile } from '@eventlens/stack';
import type { BenchConfig } from '../config';
import { freePort, runService, waitReady } from '../processes';
import type { Row } from '../report';
import { adminClient, createTopics } from '../support';

export interface IngestionResult {
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

const BATCH_SIZE = 500;
const SINGLE_CONNECTIONS = 64;

/** 2xx answers per second of an autocannon run. */
const ok = (r: autocannon.Result) => r['2xx'] / r.duration;

/** 202s/s of Express alone (src/bare-http.ts, its own process) for `body` at the one-event load. */
async function bareHttpCeiling(body: string, durationS: number): Promise<number> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, '..', 'bare-http.ts'), String(port)],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  try {
    await waitReady(`http://127.0.0.1:${port}/readyz`);
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
  config: Pick<BenchConfig, 'durationS'>,
): Promise<IngestionResult> {
  const topics = { events: `bench.${id}.ingest`, admin: `bench.${id}.admin` };
  await createTopics(dev.kafkaBrokers, [
    { topic: topics.events, numPartitions: 4 },
    { topic: topics.admin, numPartitions: 1 },
  ]);
  const port = await freePort();
  const token = `bench-admin-${randomUUID()}`;
  const service = runService('command-side', {
    EVENTLENS_KAFKA_BROKERS: dev.kafkaBrokers,
    EVENTLENS_REGISTRY_URL: dev.registryUrl,
    EVENTLENS_SESSION_SECRET: randomBytes(24).toString('hex'),
    EVENTLENS_ADMIN_TOKEN: token,
    EVENTLENS_INGEST_PORT: String(port),
    EVENTLENS_EVENTS_TOPIC: topics.events,
    EVENTLENS_ADMIN_TOPIC: topics.admin,
    EVENTLENS_RATE_LIMIT_EVENTS_PER_S: '10000000',
    EVENTLENS_RATE_LIMIT_BURST: '10000000',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/readyz`);
    const admin = await adminClient(url, token);
    const project = await admin('/v1/admin/projects', { name: 'bench' });
    const { key } = await admin(`/v1/admin/projects/${project.project_id}/keys`, { kind: 'write' });
    const event = (i: number) => ({
      event_name: i % 5 === 0 ? 'page_view' : 'button_click',
      session_id: `s-${i % 997}`,
      anonymous_id: `a-${i % 997}`,
      url: `https://example.com/page/${i % 50}`,
      metadata: { plan: 'pro', position: i % 10 },
    });
    const singleBody = JSON.stringify({ api_key: key, ...event(1) });
    const bareRequestsPerSecond = await bareHttpCeiling(singleBody, config.durationS);
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
      body: JSON.stringify({ api_key: key, events: Array.from({ length: BATCH_SIZE }, (_, i) => event(i)) }),
    });
    return {
      bareRequestsPerSecond,
      singleRequestsPerSecond: ok(single),
      singleNon2xx: single.non2xx,
      singleLatencyP50: single.latency.p50,
      singleLatencyP99: single.latency.p99,
      batchEventsPerSecond: ok(batch) * BATCH_SIZE,
      batchNon2xx: batch.non2xx,
    };
  } finally {
    await service.stop();
  }
}

/**
 * The two figures: one-event requests against bare HTTP (aim ≥ 0.8× of it), batches against the
 * Kafka ceiling (events/s kafkajs appended alone; aim ≥ 0.8× of it).
 */
export function ingestionRows(result: IngestionResult, kafkaEventsPerSecond: number): Row[] {
  return [
    {
      figure: 'POST /v1/events (1 event/request)',
      value: result.singleRequestsPerSecond,
      unit: 'requests/s',
      ceiling: { name: 'bare HTTP (Express, parse, 202)', value: result.bareRequestsPerSecond },
      aim: '≥ 80% of bare HTTP',
    },
    {
      figure: `POST /v1/batch (${BATCH_SIZE} events/request)`,
      value: result.batchEventsPerSecond,
      unit: 'events/s',
      ceiling: { name: 'kafkajs direct', value: kafkaEventsPerSecond },
      aim: '≥ 80% of kafkajs',
    },
  ];
}

export const describeIngestion = (r: IngestionResult): string =>
  `  single: p50 ${r.singleLatencyP50} ms, p99 ${r.singleLatencyP99} ms, non-2xx ${r.singleNon2xx}; batch non-2xx ${r.batchNon2xx}`;
