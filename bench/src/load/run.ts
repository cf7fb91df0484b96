/**
 * One run of load through the running services, measured without disturbing them:
 * - the sender (load/sender.ts) is a process of its own, with its CPU reported;
 * - every event's latency per stage comes from the services' own `eventlens_event_stage_seconds`
 *   (stages.ts), scraped before the run and after the last event is committed;
 * - visibility in the query API is checked by a bounded, constant-rate lookup: one explorer page
 *   of the sampled events' name every LOOKUP_EVERY_MS (40 requests/s however late events are),
 *   not one request per event per poll, whose number would grow with the latency it measures;
 *   the page starts a little before the oldest sampled event not seen yet, so it holds a dozen
 *   events, not 200 every time (serialising 200 events 40 times a second is work the query side
 *   would do only for the bench).
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { SenderMessage, SendPlan, SendResult } from './sender';
import { percentile, sleep } from '../support';
import {
  diffHistograms,
  histogramQuantile,
  observations,
  scrapeStages,
  type StageHistograms,
} from '../stages';

/** How often the sampled events' explorer page is read. */
export const LOOKUP_EVERY_MS = 25;
/** The explorer's largest page: sampled events are about 10/s, so it covers 20 s of them. */
const LOOKUP_PAGE = 200;
/**
 * How far before the oldest unseen sampled event's POST the page starts. An event's time is its
 * receipt at the command side (the sender sets none), on the same clock and after the POST: the
 * margin only keeps the window safe from rounding.
 */
const LOOKUP_MARGIN_MS = 1_000;
/** After the last answer, how long events may take to be committed and seen before the run gives up on them. */
const DRAIN_MS = 30_000;
/** The projection whose commit makes an event visible in the explorer. */
export const VISIBLE_PROJECTION = 'analytics';

export interface LoadTarget {
  ingestUrl: string;
  queryUrl: string;
  readKey: string;
  /** The /metrics URLs of the command side and the projection workers. */
  metricsUrls: string[];
}

/** Milliseconds, p50 and p99. */
export interface Quantiles {
  p50: number;
  p99: number;
}

export interface LoadResult {
  rate: number;
  batchSize: number;
  send: Omit<SendResult, 'acks'>;
  /** From writing a request to its 202, at the sender. */
  ack: Quantiles;
  /** From the API receiving an event to each stage, every event (the services' histograms). */
  stages: Record<'acknowledged' | 'fetched' | 'committed', Quantiles & { events: number }>;
  /** From sending a sampled event to seeing it in the explorer (LOOKUP_EVERY_MS resolution). */
  visible: Quantiles & { sampled: number; seen: number };
}

/** Sends `plan` (less its target) and measures it; throws when the sender or a scrape fails. */
export async function runLoad(target: LoadTarget, plan: Omit<SendPlan, 'ingestUrl'>): Promise<LoadResult> {
  const before = await scrapeStages(target.metricsUrls);
  const posted = new Map<string, number>();
  const seenAt = new Map<string, number>();
  const sender = fork(new URL('./sender.ts', import.meta.url), {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const done = new Promise<SendResult>((resolve, reject) => {
    sender.on('message', (m: SenderMessage) => {
      if ('sample' in m) posted.set(m.sample.eventId, m.sample.postedAt);
      else if ('unsample' in m) posted.delete(m.unsample);
      else resolve(m.done);
    });
    sender.once('error', reject);
    // Its last message can arrive just after its exit: give it a second before calling it lost.
    sender.once('exit', (code) =>
      setTimeout(() => reject(new Error(`the sender exited with ${code} before reporting`)), 1_000),
    );
  });
  sender.send({ ...plan, ingestUrl: target.ingestUrl } satisfies SendPlan);

  let looking = true;
  const lookups = lookUp(target, plan.sampleName, posted, seenAt, () => looking);
  const result = await done;
  const deadline = Date.now() + DRAIN_MS;
  let after: StageHistograms;
  for (;;) {
    after = diffHistograms(await scrapeStages(target.metricsUrls), before);
    const committed = observations(after.get(`committed/${VISIBLE_PROJECTION}`));
    const unseen = [...posted.keys()].filter((id) => !seenAt.has(id)).length;
    if ((committed >= result.accepted && unseen === 0) || Date.now() > deadline) break;
    await sleep(250);
  }
  looking = false;
  await lookups;

  const visible = [...posted]
    .filter(([id]) => seenAt.has(id))
    .map(([id, at]) => seenAt.get(id)! - at)
    .sort((a, b) => a - b);
  const acks = [...result.acks].sort((a, b) => a - b);
  const stage = (key: string) => {
    const buckets = after.get(key);
    return {
      p50: histogramQuantile(0.5, buckets) * 1000,
      p99: histogramQuantile(0.99, buckets) * 1000,
      events: observations(buckets),
    };
  };
  const { acks: _acks, ...send } = result;
  return {
    rate: plan.rate,
    batchSize: plan.batchSize,
    send,
    ack: { p50: percentile(acks, 0.5), p99: percentile(acks, 0.99) },
    stages: {
      acknowledged: stage('acknowledged'),
      fetched: stage(`fetched/${VISIBLE_PROJECTION}`),
      committed: stage(`committed/${VISIBLE_PROJECTION}`),
    },
    visible: {
      p50: percentile(visible, 0.5),
      p99: percentile(visible, 0.99),
      sampled: posted.size,
      seen: visible.length,
    },
  };
}

/** GETs `url` with a read key; resolves with the parsed JSON of a 200, or null. */
function getJson(agent: http.Agent, url: URL, readKey: string): Promise<unknown> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers: { authorization: `Bearer ${readKey}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => {
        if (res.statusCode !== 200) return resolve(null);
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          resolve(null);
        }
      });
    });
    req.once('error', () => resolve(null));
  });
}

/**
 * Reads the newest sampled events every LOOKUP_EVERY_MS while `going()`, from LOOKUP_MARGIN_MS before
 * the oldest one `posted` and not yet seen (or before now when every one is), noting when each id
 * is first seen.
 */
async function lookUp(
  target: LoadTarget,
  sampleName: string,
  posted: ReadonlyMap<string, number>,
  seenAt: Map<string, number>,
  going: () => boolean,
): Promise<void> {
  const url = new URL('/v1/events', target.queryUrl);
  url.searchParams.set('event_name', sampleName);
  url.searchParams.set('limit', String(LOOKUP_PAGE));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  while (going()) {
    const next = Date.now() + LOOKUP_EVERY_MS;
    let oldest = Date.now();
    for (const [id, at] of posted) if (at < oldest && !seenAt.has(id)) oldest = at;
    url.searchParams.set('from', String(oldest - LOOKUP_MARGIN_MS));
    const page = (await getJson(agent, url, target.readKey)) as {
      items?: Array<{ event_id: string }>;
    } | null;
    const now = Date.now();
    for (const item of page?.items ?? []) if (!seenAt.has(item.event_id)) seenAt.set(item.event_id, now);
    await sleep(Math.max(0, next - Date.now()));
  }
  agent.destroy();
}
