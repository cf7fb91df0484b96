/**
 * `npm run -w bench bench:tracing`: what tracing costs on the ingestion path. One command-side
 * process at a time, on topics of its own, is sent POST /v1/events (one event per request) at a
 * fixed BENCH_TRACING_RATE requests/s for BENCH_DURATION_S seconds, in turn with tracing off (no
 * OTEL_* variable: the SDK is not loaded), on with every request sampled, and on with one in ten
 * sampled (OTEL_EXPORTER_OTLP_ENDPOINT set: spans exported over OTLP/HTTP protobuf to a receiver in
 * this process that reads and discards them), BENCH_ROUNDS times each, in the same run. Then, in this
 * process without an SDK, what the command side's span calls cost per request when tracing is off.
 *
 * The figure is the command side's CPU time per accepted request (user + system, from
 * /proc/<pid>/stat): on a shared machine it moves far less with other work than throughput or
 * latency do, which are printed too. Saves JSON under bench/results/.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import autocannon from 'autocannon';
import { traceHeaders, withSpan } from '@eventlens/service-kit';
import { REPO_ROOT, stackForTests } from '@eventlens/stack';
import { Kafka, logLevel } from 'kafkajs';
import { loadTracingConfig, type TracingConfig } from './config';
import { cpuMs } from './cpu';
import { freePort, runService, waitReady } from './processes';
import { log } from './support';
import { createTopicsServed } from '@eventlens/stack/topics';

/** Tracing off (no OTEL_* variable), on with every request sampled, on with one in ten sampled. */
const MODES = {
  off: {},
  'on, all sampled': {},
  'on, 10 % sampled': { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
} as const satisfies Record<string, Record<string, string>>;
type Mode = keyof typeof MODES;

interface Figures {
  /** The service's CPU time (user + system) per accepted request. */
  cpuMsPerRequest: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/**
 * With no SDK registered (this process starts none), the per-request calls the command side makes
 * (`validate`, `encode` and `send` spans, the trace headers): microseconds per request.
 */
function offPathCost(): number {
  const iterations = 200_000;
  const once = () =>
    withSpan('validate', () =>
      withSpan('encode', () => withSpan('send', () => Object.keys(traceHeaders()).length)),
    );
  for (let i = 0; i < 10_000; i++) once();
  const started = performance.now();
  let sink = 0;
  for (let i = 0; i < iterations; i++) sink += once();
  const elapsedMs = performance.now() - started;
  if (sink !== 0) throw new Error('no SDK should be registered here');
  return (elapsedMs * 1000) / iterations;
}

async function main({ durationS, rounds, rate }: TracingConfig): Promise<void> {
  for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) delete process.env[name];
  const dev = await stackForTests();
  const id = randomBytes(4).toString('hex');
  const topics = { events: `bench.${id}.trace-ingest`, admin: `bench.${id}.trace-admin` };
  const kafka = new Kafka({ clientId: 'bench', brokers: [dev.kafkaBrokers], logLevel: logLevel.NOTHING });
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  await createTopicsServed(kafkaAdmin, [
    { topic: topics.events, numPartitions: 4 },
    { topic: topics.admin, numPartitions: 1 },
  ]);

  let exportedBytes = 0;
  const receiver = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (exportedBytes += chunk.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const token = `bench-admin-${randomUUID()}`;
  const secret = randomBytes(24).toString('hex');
  let key: string | undefined;

  async function measure(mode: Mode): Promise<Figures> {
    const tracing = mode !== 'off';
    const port = await freePort();
    const service = runService('command-side', {
      EVENTLENS_KAFKA_BROKERS: dev.kafkaBrokers,
      EVENTLENS_REGISTRY_URL: dev.registryUrl,
      EVENTLENS_SESSION_SECRET: secret,
      EVENTLENS_ADMIN_TOKEN: token,
      EVENTLENS_INGEST_PORT: String(port),
      EVENTLENS_EVENTS_TOPIC: topics.events,
      EVENTLENS_ADMIN_TOPIC: topics.admin,
      EVENTLENS_RATE_LIMIT_EVENTS_PER_S: '10000000',
      EVENTLENS_RATE_LIMIT_BURST: '10000000',
      ...(tracing ? { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'bench-command-side' } : {}),
      ...MODES[mode],
    });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitReady(`${url}/readyz`);
      if (!key) {
        const post = async (route: string, body: unknown) => {
          const res = await fetch(`${url}${route}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify(body),
          });
          if (res.status !== 201) throw new Error(`${route} answered ${res.status}`);
          return (await res.json()) as Record<string, string>;
        };
        const project = await post('/v1/admin/projects', { name: 'bench tracing' });
        key = (await post(`/v1/admin/projects/${project.project_id}/keys`, { kind: 'write' })).key!;
      }
      const body = JSON.stringify({
        api_key: key,
        event_name: 'page_view',
        session_id: 's-1',
        url: 'https://example.com/pricing',
        metadata: { plan: 'pro' },
      });
      // A short warm-up (JIT, connections, the first exports), then the measured run.
      await autocannon({
        url: `${url}/v1/events`,
        method: 'POST',
        connections: 16,
        duration: 2,
        headers: { 'content-type': 'text/plain' },
        body,
      });
      const pid = service.process.pid!;
      const cpuBefore = await cpuMs(pid);
      const result = await autocannon({
        url: `${url}/v1/events`,
        method: 'POST',
        connections: 32,
        overallRate: rate,
        duration: durationS,
        headers: { 'content-type': 'text/plain' },
        body,
      });
      // The last exports leave within the batch processor's delay (5 s): they are part of the cost. Every
      // mode waits as long, so the idle work of those seconds (heartbeats, polls) weighs on each alike.
      await new Promise((resolve) => setTimeout(resolve, 5500));
      const cpu = (await cpuMs(pid)) - cpuBefore;
      return {
        cpuMsPerRequest: cpu / Math.max(1, result['2xx']),
        requestsPerSecond: result['2xx'] / result.duration,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        non2xx: result.non2xx,
      };
    } finally {
      await service.stop();
    }
  }

  const runs: { mode: Mode; figures: Figures }[] = [];
  const modes = Object.keys(MODES) as Mode[];
  try {
    for (let round = 0; round < rounds; round++) {
      // A different mode goes first each round, so drift on a shared machine falls on each alike.
      for (let i = 0; i < modes.length; i++) {
        const mode = modes[(i + round) % modes.length]!;
        const figures = await measure(mode);
        log(
          `round ${round + 1}, ${mode}: ${figures.cpuMsPerRequest.toFixed(3)} ms CPU/request, ` +
            `${figures.requestsPerSecond.toFixed(0)} req/s, ` +
            `p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, non-2xx ${figures.non2xx}`,
        );
        runs.push({ mode, figures });
      }
    }
  } finally {
    receiver.close();
    await kafkaAdmin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await kafkaAdmin.disconnect();
  }

  // Medians: a round disturbed by other work on the machine does not move them much.
  const summary = (mode: Mode) => {
    const of = runs.filter((r) => r.mode === mode).map((r) => r.figures);
    return {
      cpuMsPerRequest: median(of.map((f) => f.cpuMsPerRequest)),
      requestsPerSecond: median(of.map((f) => f.requestsPerSecond)),
      p50Ms: median(of.map((f) => f.p50Ms)),
      p99Ms: median(of.map((f) => f.p99Ms)),
    };
  };
  const summaries = Object.fromEntries(modes.map((mode) => [mode, summary(mode)]));
  const off = summaries.off!;
  const offPath = offPathCost();
  console.log('');
  console.log(
    `ingestion, POST /v1/events at ${rate} req/s, ${durationS} s × ${rounds} rounds each (medians)`,
  );
  console.log(`| tracing | CPU ms/request | vs off | req/s | p50 ms | p99 ms |`);
  console.log(`|---|---|---|---|---|---|`);
  for (const mode of modes) {
    const f = summaries[mode]!;
    const cost = (f.cpuMsPerRequest / off.cpuMsPerRequest - 1) * 100;
    console.log(
      `| ${mode} | ${f.cpuMsPerRequest.toFixed(3)} | ${mode === 'off' ? '' : `${cost >= 0 ? '+' : ''}${cost.toFixed(0)} %`} | ` +
        `${f.requestsPerSecond.toFixed(0)} | ${f.p50Ms.toFixed(1)} | ${f.p99Ms.toFixed(1)} |`,
    );
  }
  console.log(`${(exportedBytes / 1e6).toFixed(1)} MB of spans exported`);
  console.log(
    `off, what the spans of one request cost without an SDK (3 withSpan + traceHeaders, in process): ` +
      `${offPath.toFixed(2)} µs, ${((offPath / 1000 / off.cpuMsPerRequest) * 100).toFixed(3)} % of a request's CPU`,
  );
  const dir = path.join(REPO_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `tracing-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(
    file,
    `${JSON.stringify({ durationS, rate, rounds, runs, summaries, offPathMicroseconds: offPath }, null, 2)}\n`,
  );
  log(`saved ${path.relative(REPO_ROOT, file)}`);
}

// The BENCH_* settings are read once, before anything starts (src/config.ts).
Promise.resolve()
  .then(() => main(loadTracingConfig(process.env)))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
