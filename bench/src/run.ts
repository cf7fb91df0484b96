/**
 * `npm run bench`: measures the pipeline on this machine and prints a table; saves JSON under
 * bench/results/. Each figure is printed with the ceiling it is bounded by, measured in the same run:
 * kafkajs producing straight to the broker, COPY straight into PostgreSQL, SQL without HTTP.
 *
 * Needs the stack running (`npm run stack:up`). It works on topics, schemas and databases of its own,
 * and drops them afterwards, except for the events it sends through the running services for the
 * end-to-end latency (a project named "bench <time>").
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { createCodec } from '@eventlens/contracts';
import { REPO_ROOT, stackForTests, type DevFile } from '@eventlens/stack';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { copyCeiling, kafkaCeiling } from './ceilings';
import { freePort, runService, waitReady } from './processes';

const run = promisify(execFile);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const E2E_RATE = Number(process.env.BENCH_E2E_RATE ?? 1000);
const SAMPLE_EVERY = 10;
const EXPLORER_EVENTS = Number(process.env.BENCH_EXPLORER_EVENTS ?? 1_000_000);

const log = (line: string) => console.error(`bench: ${line}`);
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  figure: string;
  value: number;
  unit: string;
  ceiling?: { name: string; value: number };
  aim?: string;
}

async function adminClient(ingestUrl: string, token: string) {
  return async (route: string, body: unknown) => {
    const res = await fetch(`${ingestUrl}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`${route} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as Record<string, string>;
  };
}

async function createTopics(brokers: string, topics: Array<{ topic: string; numPartitions: number }>) {
  const admin = new Kafka({ clientId: 'bench', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics, waitForLeaders: true });
  await admin.disconnect();
}

async function deleteTopics(brokers: string, prefix: string) {
  const admin = new Kafka({ clientId: 'bench', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

/** Accepted events/s through one command-side process with its own topics and no rate limit in the way. */
async function ingestion(dev: DevFile, id: string) {
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
    const single = await autocannon({
      url: `${url}/v1/events`,
      method: 'POST',
      connections: 64,
      duration: DURATION_S,
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ api_key: key, ...event(1) }),
    });
    const batchSize = 500;
    const batch = await autocannon({
      url: `${url}/v1/batch`,
      method: 'POST',
      connections: 8,
      duration: DURATION_S,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: key, events: Array.from({ length: batchSize }, (_, i) => event(i)) }),
    });
    const ok = (r: autocannon.Result) => r['2xx'] / r.duration;
    return {
      singleRequestsPerSecond: ok(single),
      singleNon2xx: single.non2xx,
      singleLatencyP50: single.latency.p50,
      singleLatencyP99: single.latency.p99,
      batchEventsPerSecond: ok(batch) * batchSize,
      batchNon2xx: batch.non2xx,
    };
  } finally {
    await service.stop();
  }
}

/** Events/s through the analytics projection process, over records already in a topic. */
async function projection(dev: DevFile, id: string, source: string, events: number) {
  const prefix = `bench.${id}`;
  const failureTopics = ['analytics', 'admin'].flatMap((p) => [
    ...[1, 2, 3].map((n) => ({ topic: `${prefix}.${p}.retry.${n}`, numPartitions: 1 })),
    { topic: `${prefix}.${p}.dlq`, numPartitions: 1 },
  ]);
  await createTopics(dev.kafkaBrokers, failureTopics);
  const schemaPrefix = `bench_${id}_`;
  const port = await freePort();
  const started = performance.now();
  const service = runService('projections', {
    EVENTLENS_KAFKA_BROKERS: dev.kafkaBrokers,
    EVENTLENS_REGISTRY_URL: dev.registryUrl,
    EVENTLENS_DATABASE_URL: dev.databaseUrl,
    EVENTLENS_READER_DATABASE_URL: dev.readerDatabaseUrl,
    EVENTLENS_PROJECTIONS_PORT: String(port),
    EVENTLENS_EVENTS_TOPIC: source,
    EVENTLENS_FAILURE_TOPIC_PREFIX: prefix,
    EVENTLENS_GROUP_PREFIX: prefix,
    EVENTLENS_SCHEMA_PREFIX: schemaPrefix,
  });
  const db = new pg.Client({ connectionString: dev.databaseUrl });
  await db.connect();
  try {
    // Steady state: the rate between 10% and 90% of the records, so start-up and the last poll don't count.
    const samples: Array<{ t: number; n: number }> = [];
    let applied = 0;
    const deadline = Date.now() + 600_000;
    while (applied < events && Date.now() < deadline) {
      await sleep(50);
      const res = await db
        .query(
          `select coalesce(sum(next_offset), 0)::bigint as n from ${schemaPrefix}analytics.checkpoints where topic = $1`,
          [source],
        )
        .catch(() => ({ rows: [{ n: 0 }] }));
      applied = Number(res.rows[0].n);
      samples.push({ t: performance.now(), n: applied });
    }
    const finished = performance.now();
    const at = (fraction: number) => samples.find((s) => s.n >= fraction * events)!;
    const [p10, p90] = [at(0.1), at(0.9)];
    const rows = Number(
      (await db.query(`select count(*) from ${schemaPrefix}analytics.events`)).rows[0].count,
    );
    if (rows !== events) throw new Error(`projection wrote ${rows} rows for ${events} events`);
    return {
      eventsPerSecond: p90.t > p10.t ? (p90.n - p10.n) / ((p90.t - p10.t) / 1000) : NaN,
      withStartupEventsPerSecond: events / ((finished - started) / 1000),
    };
  } finally {
    await service.stop();
    for (const schema of ['analytics', 'admin', 'ops'])
      await db.query(`drop schema if exists ${schemaPrefix}${schema} cascade`);
    await db.end();
  }
}

/** POST at a fixed rate through the running services; time until each event is listed by the query API. */
async function endToEnd(dev: DevFile & { ingestUrl: string; queryUrl: string; adminToken: string }) {
  const admin = await adminClient(dev.ingestUrl, dev.adminToken);
  const project = await admin('/v1/admin/projects', { name: `bench ${new Date().toISOString()}` });
  // The per-key rate limit is 1,000 events/s: spread the load over enough keys.
  const keys = await Promise.all(
    Array.from(
      { length: Math.ceil(E2E_RATE / 500) },
      async () => (await admin(`/v1/admin/projects/${project.project_id}/keys`, { kind: 'write' })).key!,
    ),
  );
  const { key: readKey } = await admin(`/v1/admin/projects/${project.project_id}/keys`, { kind: 'read' });
  await sleep(1_000); // the read key reaches the read model
  const sentAt = new Map<string, number>();
  const acks: number[] = [];
  const latencies: number[] = [];
  const seconds = Math.max(5, DURATION_S);
  const sender = new Worker(new URL('./sender.mjs', import.meta.url), {
    workerData: { ingestUrl: dev.ingestUrl, keys, rate: E2E_RATE, seconds },
  });
  const pending = new Map<string, number>();
  let polling = true;
  const finished = new Promise<{ achievedRate: number; non2xx: number; networkErrors: number }>(
    (resolve, reject) => {
      sender.on(
        'message',
        (
          m: { eventId?: string; postedAt?: number; ackMs?: number; done?: boolean } & Record<string, number>,
        ) => {
          if (m.done) resolve(m as never);
          else {
            sentAt.set(m.eventId!, m.postedAt!);
            acks.push(m.ackMs!);
            if (sentAt.size % SAMPLE_EVERY === 0) pending.set(m.eventId!, m.postedAt!);
          }
        },
      );
      sender.on('error', reject);
    },
  );
  // A sample of the accepted events (1 in SAMPLE_EVERY) is looked up by id until each is visible:
  // exact per-event times, whatever order the partitions are applied in.
  const poller = (async () => {
    let quietUntil = Infinity;
    while (polling || (pending.size > 0 && Date.now() < quietUntil)) {
      if (!polling && quietUntil === Infinity) quietUntil = Date.now() + 30_000;
      const batch = [...pending.entries()].slice(0, 64);
      await Promise.all(
        batch.map(async ([eventId, sent]) => {
          const res = await fetch(`${dev.queryUrl}/v1/events/${eventId}`, {
            headers: { authorization: `Bearer ${readKey}` },
          }).catch(() => undefined);
          if (!res) return;
          await res.arrayBuffer();
          if (res.status === 200 && pending.delete(eventId)) latencies.push(Date.now() - sent);
        }),
      );
      await sleep(10);
    }
  })();
  const { achievedRate, non2xx, networkErrors } = await finished;
  await sender.terminate();
  polling = false;
  await poller;
  acks.sort((a, b) => a - b);
  latencies.sort((a, b) => a - b);
  return {
    sent: sentAt.size,
    non2xx,
    networkErrors,
    sampled: latencies.length + pending.size,
    visible: latencies.length,
    achievedRate,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    ackP50: percentile(acks, 0.5),
    ackP99: percentile(acks, 0.99),
  };
}

/** First-page latency of the explorer over a database holding 1M events, against the same SQL without HTTP. */
async function explorer(dev: DevFile) {
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
        String(EXPLORER_EVENTS),
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

async function main() {
  const dev = await stackForTests();
  if (!dev.ingestUrl || !dev.queryUrl || !dev.adminToken)
    throw new Error('dev.json lacks the services: restart the stack');
  const id = randomBytes(4).toString('hex');
  const codec = createCodec({ registryUrl: dev.registryUrl });
  await codec.register();
  const rows: Row[] = [];
  const machine = `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg()[0]!.toFixed(1)}`;
  log(`on ${machine}`);
  if (process.env.BENCH_ONLY === 'e2e') {
    const e2e = await endToEnd(dev as DevFile & { ingestUrl: string; queryUrl: string; adminToken: string });
    log(
      `  sent ${e2e.sent}, sampled ${e2e.sampled}, visible ${e2e.visible}, non-2xx ${e2e.non2xx}, network errors ${e2e.networkErrors}`,
    );
    printTable([
      { figure: `end-to-end p50 at ${Math.round(e2e.achievedRate)} events/s`, value: e2e.p50, unit: 'ms' },
      {
        figure: `end-to-end p99 at ${Math.round(e2e.achievedRate)} events/s`,
        value: e2e.p99,
        unit: 'ms',
        aim: '≤ 1,000',
      },
    ]);
    return;
  }
  try {
    log(`ceiling: kafkajs producing ${EVENTS} events straight to the broker`);
    const source = `bench.${id}.events`;
    const kafka = await kafkaCeiling({ brokers: dev.kafkaBrokers, codec, topic: source, events: EVENTS });
    log(`ceiling: COPY of ${EVENTS} rows straight into PostgreSQL`);
    const copy = await copyCeiling({ databaseUrl: dev.databaseUrl, rows: EVENTS });

    log('ingestion: /v1/events one event per request, then /v1/batch');
    const ingest = await ingestion(dev, id);
    rows.push(
      {
        figure: 'POST /v1/events (1 event/request)',
        value: ingest.singleRequestsPerSecond,
        unit: 'requests/s',
        ceiling: { name: 'kafkajs direct', value: kafka.eventsPerSecond },
        aim: '≥ 3,000',
      },
      {
        figure: 'POST /v1/batch (500 events/request)',
        value: ingest.batchEventsPerSecond,
        unit: 'events/s',
        ceiling: { name: 'kafkajs direct', value: kafka.eventsPerSecond },
        aim: '≥ 50,000',
      },
    );
    log(
      `  single: p50 ${ingest.singleLatencyP50} ms, p99 ${ingest.singleLatencyP99} ms, non-2xx ${ingest.singleNon2xx}; batch non-2xx ${ingest.batchNon2xx}`,
    );

    log(`projection: analytics over the ${EVENTS} events of the kafkajs ceiling`);
    const proj = await projection(dev, id, source, EVENTS);
    rows.push({
      figure: 'analytics projection',
      value: proj.eventsPerSecond,
      unit: 'events/s',
      ceiling: { name: 'COPY direct', value: copy.rowsPerSecond },
      aim: '≥ 20,000',
    });

    log(`end to end: ${E2E_RATE} events/s through the running services`);
    const e2e = await endToEnd(dev as DevFile & { ingestUrl: string; queryUrl: string; adminToken: string });
    rows.push(
      { figure: `end-to-end p50 at ${Math.round(e2e.achievedRate)} events/s`, value: e2e.p50, unit: 'ms' },
      {
        figure: `end-to-end p99 at ${Math.round(e2e.achievedRate)} events/s`,
        value: e2e.p99,
        unit: 'ms',
        aim: '≤ 1,000',
      },
    );
    log(
      `  sent ${e2e.sent}, sampled ${e2e.sampled}, visible ${e2e.visible}, non-2xx ${e2e.non2xx}, network errors ${e2e.networkErrors}`,
    );

    log(`explorer: first page over ${EXPLORER_EVENTS} events (loading takes a minute)`);
    const ex = await explorer(dev);
    rows.push({
      figure: `explorer first page at ${ex.events} events (p50)`,
      value: ex.firstPageP50,
      unit: 'ms',
      ceiling: { name: 'SQL execution', value: ex.sqlMs },
      aim: '≤ 50',
    });

    const result = {
      at: new Date().toISOString(),
      machine,
      events: EVENTS,
      rows,
      details: { kafka, copy, ingest, proj, e2e, ex },
    };
    printTable(rows);
    await mkdir(path.join(REPO_ROOT, 'bench', 'results'), { recursive: true });
    const file = path.join(REPO_ROOT, 'bench', 'results', `${result.at.replaceAll(':', '-')}.json`);
    await writeFile(file, JSON.stringify(result, null, 2));
    log(`saved ${path.relative(REPO_ROOT, file)}`);
  } finally {
    await deleteTopics(dev.kafkaBrokers, `bench.${id}.`);
  }
}

function printTable(rows: Row[]) {
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
  const lines = rows.map((r) => [
    r.figure,
    `${fmt(r.value)} ${r.unit}`,
    r.ceiling ? `${r.ceiling.name} ${fmt(r.ceiling.value)}` : '',
    r.ceiling
      ? r.unit === 'ms'
        ? `${(r.value / r.ceiling.value).toFixed(1)}×`
        : `${((100 * r.value) / r.ceiling.value).toFixed(0)}%`
      : '',
    r.aim ?? '',
  ]);
  const header = ['figure', 'measured', 'ceiling (same run)', 'ratio', 'aim'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(row(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(row(l));
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
