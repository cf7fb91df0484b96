/**
 * End to end through the running services (src/load/run.ts measures each run), in a new project
 * named "bench <time>" whose events stay in the stack's log and read models:
 * 1. `e2eRate` events/s (default 1,000), one event per request, for `durationS` seconds after
 *    WARMUP_S seconds at that rate that are not measured: end to end from the sender's POST to the
 *    event seen in the explorer (sampled; aims p50 ≤ 120 ms and p99 ≤ 250 ms), and each stage from
 *    the services' own histograms, every event.
 * 2. The highest rate at which p99 stays ≤ 1 s: single-event requests stepping up through
 *    SINGLE_STEPS, then batches of BATCH_SIZE through BATCH_STEPS; a step passes when every event
 *    is accepted and committed, the sender kept 95% of the rate, and p99 ≤ 1 s. The sweep stops at
 *    the first step that fails.
 */
import type { BenchConfig } from '../config';
import { runLoad, type LoadResult, type LoadTarget } from '../load/run';
import type { Row } from '../report';
import { adminClient, log, sleep, type ServiceStack } from '../support';

/** Single-event rates tried after the main run, events/s. */
export const SINGLE_STEPS = [1_500, 2_000, 2_500, 3_000, 3_500, 4_000, 5_000];
/** Batched rates tried, events/s. */
export const BATCH_STEPS = [5_000, 10_000, 15_000, 20_000, 25_000, 30_000, 40_000];
/** Events per batch request in the batched sweep. */
export const BATCH_SIZE = 100;
/** The per-key rate limit is 1,000 events/s: one write key per this many events/s. */
const EVENTS_PER_KEY = 500;
/** About this many sampled events per second, whatever the rate. */
const SAMPLES_PER_SECOND = 10;
/**
 * Seconds of load at the main rate before anything is measured: the first seconds compile the routes
 * (the services' JIT and Kafka's JVM), open the sender's keep-alive connections and size the
 * services' pools. On a stack started a moment before, the command side answered in 99 ms on average
 * over the first 8 s at 1,000 events/s and in 15–18 ms afterwards (its own request-duration
 * histogram, scraped every 2.5 s). With 3 s the first measured run still held that tail (ack p99
 * 2.4 s); with 10 s, on the same freshly started stack, 188 ms.
 */
export const WARMUP_S = 10;
/** p99 from receipt to committed that a sweep step must stay within, ms. */
const SWEEP_P99_MS = 1_000;

export interface EndToEndResult {
  main: LoadResult;
  /** Every sweep step run, single-event then batched, in order. */
  sweep: LoadResult[];
  /** The highest passing rates, events/s; 0 when none passed. */
  maxSingleRate: number;
  maxBatchRate: number;
}

/**
 * Whether a run kept p99 ≤ 1 s with every event accepted and committed, at 95% of its rate. Both
 * ends count: the services' own receipt → committed, and the sender's POST → 202 and POST → seen.
 * A saturated command side leaves requests queued in its socket buffers and the sender's agent,
 * before the service stamps them received, so its own histograms alone would miss that queue.
 */
export function passes(r: LoadResult): boolean {
  const refused = Object.values(r.send.refused).reduce((a, b) => a + b, 0);
  return (
    refused === 0 &&
    r.send.networkErrors === 0 &&
    r.send.achievedRate >= 0.95 * r.rate &&
    r.stages.committed.events >= r.send.accepted &&
    r.visible.seen === r.visible.sampled &&
    r.stages.committed.p99 <= SWEEP_P99_MS &&
    r.ack.p99 <= SWEEP_P99_MS &&
    r.visible.p99 <= SWEEP_P99_MS
  );
}

export async function measureEndToEnd(
  stack: ServiceStack,
  metricsUrls: string[],
  config: Pick<BenchConfig, 'e2eRate' | 'durationS'>,
): Promise<EndToEndResult> {
  const admin = await adminClient(stack.ingestUrl, stack.adminToken);
  const project = await admin('/v1/admin/projects', { name: `bench ${new Date().toISOString()}` });
  const most = Math.max(config.e2eRate, ...SINGLE_STEPS, ...BATCH_STEPS);
  const keys: string[] = [];
  for (let i = 0; i < Math.ceil(most / EVENTS_PER_KEY); i++)
    keys.push((await admin(`/v1/admin/projects/${project.project_id}/keys`, { kind: 'write' })).key!);
  const { key: readKey } = await admin(`/v1/admin/projects/${project.project_id}/keys`, { kind: 'read' });
  const target: LoadTarget = {
    ingestUrl: stack.ingestUrl,
    queryUrl: stack.queryUrl,
    readKey: readKey!,
    metricsUrls,
  };
  await untilReadable(target);
  const seconds = Math.max(5, config.durationS);
  const run = (rate: number, batchSize: number, runSeconds = seconds, name = 'bench_e2e') =>
    runLoad(target, {
      keys,
      rate,
      seconds: runSeconds,
      batchSize,
      sampleEvery: Math.max(1, Math.round(rate / SAMPLES_PER_SECOND)),
      sampleName: `${name}_sample`,
      eventName: name,
    });

  // Warm-up, not measured (WARMUP_S says why it lasts that long).
  log(`  warm-up: ${WARMUP_S} s at ${config.e2eRate} events/s, not measured`);
  await run(config.e2eRate, 1, WARMUP_S, 'bench_e2e_warmup');
  const main = await run(config.e2eRate, 1);
  log(describeRun(main));
  const sweep: LoadResult[] = [];
  let maxSingleRate = passes(main) ? main.rate : 0;
  for (const rate of SINGLE_STEPS.filter((r) => r > config.e2eRate)) {
    const r = await run(rate, 1);
    sweep.push(r);
    log(describeRun(r));
    if (!passes(r)) break;
    maxSingleRate = rate;
  }
  let maxBatchRate = 0;
  for (const rate of BATCH_STEPS) {
    const r = await run(rate, BATCH_SIZE);
    sweep.push(r);
    log(describeRun(r));
    if (!passes(r)) break;
    maxBatchRate = rate;
  }
  return { main, sweep, maxSingleRate, maxBatchRate };
}

/** Waits until the new read key is known to the query API (it travels through the admin projection). */
async function untilReadable(target: LoadTarget): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(new URL('/v1/events?limit=1', target.queryUrl), {
      headers: { authorization: `Bearer ${target.readKey}` },
    });
    await res.arrayBuffer();
    if (res.status === 200) return;
    if (Date.now() > deadline) throw new Error(`the read key is still refused (${res.status}) after 30 s`);
    await sleep(200);
  }
}

/**
 * The rows: at the main rate, receipt → committed p50 and p99 against their aims, then each stage,
 * the sender's acknowledgement latency and CPU, the sampled visibility; then the highest rates.
 */
export function endToEndRows(result: EndToEndResult): Row[] {
  const m = result.main;
  const at = `at ${Math.round(m.send.achievedRate).toLocaleString('en-US')} events/s`;
  return [
    {
      figure: `end to end, POST → seen in the explorer, p50 ${at}`,
      value: m.visible.p50,
      unit: 'ms',
      aim: { atMost: 120 },
    },
    {
      figure: `end to end, POST → seen in the explorer, p99 ${at}`,
      value: m.visible.p99,
      unit: 'ms',
      aim: { atMost: 250 },
    },
    { figure: '  sender: POST → 202, p50', value: m.ack.p50, unit: 'ms' },
    { figure: '  sender: POST → 202, p99', value: m.ack.p99, unit: 'ms' },
    {
      figure: '  services: received → Kafka acknowledged, p99',
      value: m.stages.acknowledged.p99,
      unit: 'ms',
    },
    {
      figure: '  services: received → fetched by the projection, p99',
      value: m.stages.fetched.p99,
      unit: 'ms',
    },
    { figure: '  services: received → committed (visible), p50', value: m.stages.committed.p50, unit: 'ms' },
    { figure: '  services: received → committed (visible), p99', value: m.stages.committed.p99, unit: 'ms' },
    { figure: '  sender CPU, share of one core', value: m.send.cpuShare * 100, unit: '%' },
    {
      figure: 'highest rate with p99 ≤ 1 s, 1 event/request',
      value: result.maxSingleRate,
      unit: 'events/s',
      aim: { atLeast: 2_500 },
    },
    {
      figure: `highest rate with p99 ≤ 1 s, ${BATCH_SIZE} events/request`,
      value: result.maxBatchRate,
      unit: 'events/s',
      aim: { atLeast: 20_000 },
    },
  ];
}

/** One line per run, for the log. */
export function describeRun(r: LoadResult): string {
  const ms = (n: number) => (Number.isFinite(n) ? Math.round(n) : '–');
  const refused =
    Object.entries(r.send.refused)
      .map(([s, n]) => `${n}×${s}`)
      .join(' ') || 'none refused';
  return (
    `  ${r.rate} events/s × ${r.batchSize}/request: sent at ${Math.round(r.send.achievedRate)}, ${r.send.accepted} accepted (${refused}, ${r.send.networkErrors} network errors), ` +
    `sender CPU ${Math.round(r.send.cpuShare * 100)}%; p50/p99 ms: ack ${ms(r.ack.p50)}/${ms(r.ack.p99)}, ` +
    `acknowledged ${ms(r.stages.acknowledged.p50)}/${ms(r.stages.acknowledged.p99)}, fetched ${ms(r.stages.fetched.p50)}/${ms(r.stages.fetched.p99)}, ` +
    `committed ${ms(r.stages.committed.p50)}/${ms(r.stages.committed.p99)} (${r.stages.committed.events} events), ` +
    `seen ${ms(r.visible.p50)}/${ms(r.visible.p99)} (${r.visible.seen}/${r.visible.sampled} samples)` +
    (passes(r) ? '' : ' — fails')
  );
}
