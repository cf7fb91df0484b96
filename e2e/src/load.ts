/**
 * An open-loop load generator for the fault tests: `eventsPerRequest` events in one POST /v1/batch
 * every `intervalMs`, paced by the clock and not by the answers. A slow answer (a request waiting
 * out the command side's append deadline while a broker is gone) does not delay the next request,
 * so the offered rate stays what was asked for during an outage too; a closed loop would offer less
 * exactly when the system is slow and make the figures look better than they are.
 *
 * Concurrency is bounded (`maxInFlight`) so a hung service cannot pile up sockets without end: size
 * it above requests/s × the longest answer expected (the append deadline, 5 s by default). A tick
 * that finds the bound reached is not sent and counted in `skippedTicks`; the tests report it, and a
 * non-zero value means the offered rate fell below the target. Each request is abandoned after
 * `timeoutMs` (status 0 with `timedOut`): its events may still have been appended, like a 503's.
 */
import { randomUUID } from 'node:crypto';

export interface LoadOptions {
  /** Base URL of the ingestion API, e.g. `http://127.0.0.1:18100`. */
  url: string;
  apiKey: string;
  eventName: string;
  eventsPerRequest: number;
  /** One request every this many milliseconds. */
  intervalMs: number;
  maxInFlight: number;
  /** Client-side deadline of one request, milliseconds. */
  timeoutMs: number;
  /** Milliseconds since the test's origin; the same clock as the other figures. */
  now: () => number;
  /** Called with each request once answered or abandoned (a test watching the read models). */
  onAnswer?: (request: SentRequest) => void;
}

export interface SentRequest {
  /** When the request was sent and answered, ms on `now`'s clock. */
  sentAt: number;
  answeredAt: number;
  /** HTTP status; 0 when no answer came (network error or `timeoutMs`). */
  status: number;
  timedOut: boolean;
  /** Why no answer came (status 0): the error's code or message, e.g. `UND_ERR_SOCKET`. */
  error?: string;
  eventIds: string[];
}

export interface LoadResult {
  requests: SentRequest[];
  skippedTicks: number;
  /** Requests in flight at most at one time. */
  peakInFlight: number;
  startedAt: number;
  stoppedAt: number;
}

export interface Load {
  /** Stops offering and resolves once every request in flight is answered or abandoned. */
  stop(): Promise<LoadResult>;
}

export function startLoad(options: LoadOptions): Load {
  const requests: SentRequest[] = [];
  const pending = new Set<Promise<void>>();
  let skippedTicks = 0;
  let peakInFlight = 0;
  let running = true;
  const startedAt = options.now();

  const send = async () => {
    const eventIds = Array.from({ length: options.eventsPerRequest }, () => randomUUID());
    const sentAt = options.now();
    let status = 0;
    let timedOut = false;
    let error: string | undefined;
    try {
      const res = await fetch(`${options.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({
          api_key: options.apiKey,
          events: eventIds.map((eventId, i) => ({
            event_name: options.eventName,
            event_id: eventId,
            session_id: `s${i}-${eventId.slice(0, 4)}`,
          })),
        }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      status = res.status;
    } catch (failure) {
      const { name, message, cause } = failure as Error & { cause?: { code?: string; message?: string } };
      timedOut = name === 'TimeoutError';
      error = cause?.code ?? cause?.message ?? message;
    }
    const request: SentRequest = {
      sentAt,
      answeredAt: options.now(),
      status,
      timedOut,
      ...(error === undefined ? {} : { error }),
      eventIds,
    };
    requests.push(request);
    options.onAnswer?.(request);
  };

  const loop = (async () => {
    let due = 0;
    while (running) {
      // Every tick that is due is sent, also when the timer fired late: the rate follows the clock.
      const target = Math.floor((options.now() - startedAt) / options.intervalMs);
      while (due < target) {
        due++;
        if (pending.size >= options.maxInFlight) {
          skippedTicks++;
          continue;
        }
        const request = send();
        pending.add(request);
        peakInFlight = Math.max(peakInFlight, pending.size);
        void request.finally(() => pending.delete(request));
      }
      // The sender's tick (a quarter of the interval): the pace, not a wait for a condition.
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, options.intervalMs / 4)));
    }
  })();

  return {
    async stop() {
      running = false;
      await loop;
      const stoppedAt = options.now();
      await Promise.all([...pending]);
      return { requests, skippedTicks, peakInFlight, startedAt, stoppedAt };
    },
  };
}

/** Events per second answered 202 among the requests sent in [from, to). */
export function acceptedRate(requests: readonly SentRequest[], from: number, to: number): number {
  if (to <= from) return NaN;
  const events = requests
    .filter((r) => r.status === 202 && r.sentAt >= from && r.sentAt < to)
    .reduce((sum, r) => sum + r.eventIds.length, 0);
  return events / ((to - from) / 1000);
}

/** Events per second offered (sent, whatever the answer) among the requests sent in [from, to). */
export function offeredRate(requests: readonly SentRequest[], from: number, to: number): number {
  if (to <= from) return NaN;
  const events = requests
    .filter((r) => r.sentAt >= from && r.sentAt < to)
    .reduce((sum, r) => sum + r.eventIds.length, 0);
  return events / ((to - from) / 1000);
}

/**
 * Why requests got no answer, in one line for an assertion's message (a CI summary shows only its
 * first line): the statuses, then per cause (`timeout` for `timeoutMs`, else the client error's code)
 * how many and when the first and last of them were sent, e.g.
 * `statuses {"0":3,"202":40}; no answer: ECONNRESET ×3 sent 10.2–10.9 s; peak in flight 12`.
 */
export function answersLine(result: Pick<LoadResult, 'requests' | 'peakInFlight'>): string {
  const statuses: Record<number, number> = {};
  const causes = new Map<string, { count: number; first: number; last: number }>();
  for (const r of result.requests) {
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    if (r.status !== 0) continue;
    const cause = r.timedOut ? 'timeout' : (r.error ?? 'unknown');
    const seen = causes.get(cause);
    if (seen) {
      seen.count++;
      seen.first = Math.min(seen.first, r.sentAt);
      seen.last = Math.max(seen.last, r.sentAt);
    } else causes.set(cause, { count: 1, first: r.sentAt, last: r.sentAt });
  }
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const noAnswer = [...causes]
    .sort((a, b) => b[1].count - a[1].count)
    .map(
      ([cause, c]) => `${cause} ×${c.count} sent ${s(c.first)}${c.last > c.first ? `–${s(c.last)}` : ''} s`,
    )
    .join(', ');
  return `statuses ${JSON.stringify(statuses)}${noAnswer ? `; no answer: ${noAnswer}` : ''}; peak in flight ${result.peakInFlight}`;
}
