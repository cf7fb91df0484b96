/**
 * The end-to-end load generator: a process of its own (forked by load/run.ts), so its CPU is its
 * own to report and sending at a fixed rate never waits on the parent's lookups.
 *
 * It sends `plan.rate` events/s for `plan.seconds` through `node:http` with a keep-alive agent —
 * the global `fetch` (undici) cost about half a core at 1,000 requests/s on this machine and
 * delayed its own acknowledgements by seconds. `batchSize` 1 posts one event per request to
 * `/v1/events`; more posts `/v1/batch`. Requests go round-robin over `keys`, so no write key passes
 * the per-key rate limit. One event in `sampleEvery` is named `sampleName` and its id and send time
 * go to the parent as they are sent (`{ sample }`); the run's figures come last (`{ done }`).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** What the parent sends, once. */
export interface SendPlan {
  ingestUrl: string;
  keys: string[];
  /** Events per second. */
  rate: number;
  seconds: number;
  /** Events per request: 1 → POST /v1/events, more → POST /v1/batch. */
  batchSize: number;
  sampleEvery: number;
  sampleName: string;
  eventName: string;
}

/** What the sender reports when every request is answered. */
export interface SendResult {
  /** Events answered 202. */
  accepted: number;
  /** Requests answered otherwise, by status. */
  refused: Record<string, number>;
  networkErrors: number;
  /** Events/s the sender kept up over the sending time. */
  achievedRate: number;
  /** Milliseconds from writing each accepted request to its answer, in sending order. */
  acks: number[];
  /** CPU the sender used, as a share of one core over its sending time (0.25 = 25%). */
  cpuShare: number;
}

export type SenderMessage =
  { sample: { eventId: string; postedAt: number } } | { unsample: string } | { done: SendResult };

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** POSTs `body`; resolves with the status, or rejects on a network error. */
function post(url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const attempt = (retried: boolean) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.once('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.once('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed just as it was reused: the request never reached
        // the server, so sending it again cannot duplicate it (Node's http.Agent documentation).
        if (!retried && req.reusedSocket && error.code === 'ECONNRESET') attempt(true);
        else reject(error);
      });
      req.end(body);
    };
    attempt(false);
  });
}

async function send(plan: SendPlan, report: (m: SenderMessage) => void): Promise<SendResult> {
  const single = plan.batchSize === 1;
  const url = new URL(single ? '/v1/events' : '/v1/batch', plan.ingestUrl);
  const requests = Math.ceil((plan.rate * plan.seconds) / plan.batchSize);
  const perSecond = plan.rate / plan.batchSize;
  const acks: number[] = [];
  const refused: Record<string, number> = {};
  let accepted = 0;
  let networkErrors = 0;
  let eventNo = 0;
  const inflight = new Set<Promise<void>>();
  const cpuStart = process.cpuUsage();
  const start = performance.now();

  const sendOne = (n: number) => {
    const key = plan.keys[n % plan.keys.length]!;
    const samples: string[] = [];
    const events = Array.from({ length: plan.batchSize }, () => {
      const eventId = randomUUID();
      const sampled = eventNo++ % plan.sampleEvery === 0;
      if (sampled) samples.push(eventId);
      return {
        event_name: sampled ? plan.sampleName : plan.eventName,
        event_id: eventId,
        session_id: `e2e-${eventNo % 100}`,
      };
    });
    const body = JSON.stringify(single ? { api_key: key, ...events[0] } : { api_key: key, events });
    const postedAt = Date.now();
    for (const eventId of samples) report({ sample: { eventId, postedAt } });
    const t0 = performance.now();
    const p = post(url, body)
      .then((status) => {
        if (status === 202) {
          accepted += plan.batchSize;
          acks.push(performance.now() - t0);
          return;
        }
        refused[status] = (refused[status] ?? 0) + 1;
        for (const eventId of samples) report({ unsample: eventId });
      })
      .catch(() => {
        networkErrors++;
        for (const eventId of samples) report({ unsample: eventId });
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };

  // Every 2 ms, send what the rate says is due by now: a steady rate, not bursts a second apart.
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(requests, Math.floor(((performance.now() - start) / 1000) * perSecond));
      for (; sent < due; sent++) sendOne(sent);
      if (sent >= requests) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
  const sendingMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  while (inflight.size > 0) await Promise.all([...inflight]);
  return {
    accepted,
    refused,
    networkErrors,
    achievedRate: (requests * plan.batchSize) / (sendingMs / 1000),
    acks,
    cpuShare: (cpu.user + cpu.system) / 1000 / sendingMs,
  };
}

process.once('message', (plan: SendPlan) => {
  const report = (m: SenderMessage) => process.send!(m);
  void send(plan, report).then((done) => {
    // Disconnect only once the last message is written: disconnecting at once can drop it.
    process.send!({ done } satisfies SenderMessage, undefined, {}, () => {
      agent.destroy();
      process.disconnect();
    });
  });
});
