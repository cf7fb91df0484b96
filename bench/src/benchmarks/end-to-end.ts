/**
 * End-to-end latency: events POSTed at a fixed `e2eRate` through the running services (a worker,
 * sender.mjs, sends for `durationS` seconds, at least 5), in a new project named "bench <time>";
 * one accepted event in SAMPLE_EVERY is looked up by id in the query API until it is visible:
 * exact per-event times, whatever order the partitions are applied in. Those events stay in the
 * stack's log and read models.
 */
import { Worker } from 'node:worker_threads';
import type { BenchConfig } from '../config';
import type { Row } from '../report';
import { adminClient, percentile, sleep, type ServiceStack } from '../support';

/** One accepted event in this many is timed until visible. */
const SAMPLE_EVERY = 10;
/** The per-key rate limit is 1,000 events/s: one write key per this many events/s. */
const EVENTS_PER_KEY = 500;
/** After the sender stops, samples not yet visible are looked for this much longer. */
const QUIET_MS = 30_000;

export interface EndToEndResult {
  /** Events the API accepted. */
  sent: number;
  non2xx: number;
  networkErrors: number;
  /** Accepted events timed (1 in SAMPLE_EVERY). */
  sampled: number;
  /** Of those, the ones seen in the query API. */
  visible: number;
  /** Events/s the sender achieved. */
  achievedRate: number;
  /** Milliseconds from POST to visible. */
  p50: number;
  p99: number;
  /** Milliseconds from POST to the API's answer. */
  ackP50: number;
  ackP99: number;
}

export async function measureEndToEnd(
  stack: ServiceStack,
  config: Pick<BenchConfig, 'e2eRate' | 'durationS'>,
): Promise<EndToEndResult> {
  const admin = await adminClient(stack.ingestUrl, stack.adminToken);
  const project = await admin('/v1/admin/projects', { name: `bench ${new Date().toISOString()}` });
  const keys = await Promise.all(
    Array.from(
      { length: Math.ceil(config.e2eRate / EVENTS_PER_KEY) },
      async () => (await admin(`/v1/admin/projects/${project.project_id}/keys`, { kind: 'write' })).key!,
    ),
  );
  const { key: readKey } = await admin(`/v1/admin/projects/${project.project_id}/keys`, { kind: 'read' });
  await sleep(1_000); // the read key reaches the read model
  const sentAt = new Map<string, number>();
  const acks: number[] = [];
  const latencies: number[] = [];
  const seconds = Math.max(5, config.durationS);
  const sender = new Worker(new URL('./sender.mjs', import.meta.url), {
    workerData: { ingestUrl: stack.ingestUrl, keys, rate: config.e2eRate, seconds },
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
  const poller = (async () => {
    let quietUntil = Infinity;
    while (polling || (pending.size > 0 && Date.now() < quietUntil)) {
      if (!polling && quietUntil === Infinity) quietUntil = Date.now() + QUIET_MS;
      const batch = [...pending.entries()].slice(0, 64);
      await Promise.all(
        batch.map(async ([eventId, sent]) => {
          const res = await fetch(`${stack.queryUrl}/v1/events/${eventId}`, {
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

/** p50 and p99 at the rate the sender achieved; no ceiling. */
export function endToEndRows(result: EndToEndResult): Row[] {
  const rate = Math.round(result.achievedRate);
  return [
    { figure: `end-to-end p50 at ${rate} events/s`, value: result.p50, unit: 'ms' },
    { figure: `end-to-end p99 at ${rate} events/s`, value: result.p99, unit: 'ms', aim: '≤ 1,000' },
  ];
}

export const describeEndToEnd = (r: EndToEndResult): string =>
  `  sent ${r.sent}, sampled ${r.sampled}, visible ${r.visible}, non-2xx ${r.non2xx}, network errors ${r.networkErrors}`;
