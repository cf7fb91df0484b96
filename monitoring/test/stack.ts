/**
 * The running stack as the monitoring tests see it: each service's /metrics, and real traffic
 * through the ingestion API (the keys in .eventlens/dev.json) so the series have samples.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig, SCRAPE_JOBS, stackForTests, type ScrapeJob } from '@eventlens/stack';
import { eventually } from '@eventlens/stack/eventually';

export interface StackUnderTest {
  /** Base URL of each job's service: its /metrics is `${url}/metrics`. */
  urls: Record<ScrapeJob, string>;
  ingestUrl: string;
  queryUrl: string;
  apiKey: string;
  readKey: string;
  projectId: string;
}

export async function stackUnderTest(): Promise<StackUnderTest> {
  const dev = await stackForTests();
  for (const field of ['ingestUrl', 'queryUrl', 'consoleUrl', 'apiKey', 'readKey', 'projectId'] as const) {
    if (!dev[field]) throw new Error(`dev.json has no ${field}: restart the stack`);
  }
  // dev.json has no projections URL: its port comes from the same configuration the launcher read.
  const projections = `http://127.0.0.1:${loadConfig().ports.projections}`;
  const urls = {
    'command-side': dev.ingestUrl!,
    'query-side': dev.queryUrl!,
    projections,
    console: dev.consoleUrl!,
  } satisfies Record<ScrapeJob, string>;
  if (Object.keys(urls).length !== SCRAPE_JOBS.length) throw new Error('a scrape job has no URL');
  return {
    urls,
    ingestUrl: dev.ingestUrl!,
    queryUrl: dev.queryUrl!,
    apiKey: dev.apiKey!,
    readKey: dev.readKey!,
    projectId: dev.projectId!,
  };
}

/** The value of one series in a /metrics text (labels exactly as written), NaN when absent. */
export function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return Number(line?.slice(series.length + 1) ?? 'NaN');
}

/**
 * Sends `events` events in one batch, one refused request (an unknown key), a read through the
 * query API and a request to the console; resolves once the projections committed the events
 * (their freshness histogram counted them). Returns the batch's event ids.
 */
export async function sendTraffic(stack: StackUnderTest, events = 5): Promise<string[]> {
  const freshnessCount = 'eventlens_projection_freshness_seconds_count{projection="analytics"}';
  const metrics = () => fetch(`${stack.urls.projections}/metrics`).then((r) => r.text());
  const text = await metrics();
  // Before the first event is projected the series is absent (0); without its TYPE line the
  // projections are older than this tree.
  const before = sample(text, freshnessCount) || 0;
  if (!text.includes('# TYPE eventlens_projection_freshness_seconds histogram')) {
    throw new Error(
      `the projections at ${stack.urls.projections} export no ${freshnessCount}: the running stack predates this tree's metrics; restart it (npm run stack:down && npm run stack:up)`,
    );
  }
  const ids = Array.from({ length: events }, () => randomUUID());
  const accepted = await fetch(`${stack.ingestUrl}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.apiKey}` },
    body: JSON.stringify({
      events: ids.map((id) => ({ event_name: 'monitoring_test', event_id: id, session_id: `mon-${id}` })),
    }),
  });
  if (accepted.status !== 202) throw new Error(`POST /v1/batch answered ${accepted.status}`);
  const refused = await fetch(`${stack.ingestUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: `el_${'0'.repeat(32)}`, event_name: 'refused' }),
  });
  if (refused.status !== 401) throw new Error(`a request with an unknown key answered ${refused.status}`);
  await (await fetch(`${stack.urls.console}/config.json`)).arrayBuffer();
  await eventually(
    `the projections to commit ${events} events (${freshnessCount})`,
    async () => sample(await metrics(), freshnessCount) >= before + events,
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  const read = await fetch(`${stack.queryUrl}/v1/events/${ids[0]}`, {
    headers: { authorization: `Bearer ${stack.readKey}` },
  });
  await read.arrayBuffer();
  return ids;
}
