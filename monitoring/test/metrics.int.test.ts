/**
 * Every service's /metrics, after real traffic, through `promtool check metrics` (Prometheus's
 * exposition lint: naming conventions, `_total` on counters only, base units, help text). Any
 * complaint fails. Also checks that the series the rules and dashboards are built on are there.
 */
import { spawn } from 'node:child_process';
import { SCRAPE_JOBS } from '@eventlens/stack';
import { beforeAll, describe, expect, it } from 'vitest';
import { sample, sendTraffic, stackUnderTest, type StackUnderTest } from './stack';

/** `promtool check metrics` on `text` (stdin): exit code and what it printed. */
function checkMetrics(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

let stack: StackUnderTest;
const scraped = new Map<string, string>();

beforeAll(async () => {
  stack = await stackUnderTest();
  await sendTraffic(stack);
  for (const job of SCRAPE_JOBS) {
    const res = await fetch(`${stack.urls[job]}/metrics`);
    expect(res.status, `${job} /metrics`).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    scraped.set(job, await res.text());
  }
});

describe('promtool check metrics', () => {
  it('complains about a gauge named like a counter (so a clean result means something)', async () => {
    const result = await checkMetrics('# HELP x_total A gauge.\n# TYPE x_total gauge\nx_total 1\n');
    expect(result.output).toContain('non-counter metrics should not have "_total" suffix');
  });

  it.each(SCRAPE_JOBS)('accepts /metrics of %s without a complaint', async (job) => {
    const result = await checkMetrics(scraped.get(job)!);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('the series the rules and dashboards read', () => {
  it('command side: accepted per project, refused by reason, breaker, producer, registry cache', () => {
    const text = scraped.get('command-side')!;
    expect(sample(text, `eventlens_events_accepted_total{project_id="${stack.projectId}"}`)).toBeGreaterThan(
      0,
    );
    expect(
      sample(text, 'eventlens_ingest_requests_refused_total{route="/v1/events",reason="UNAUTHORIZED"}'),
    ).toBeGreaterThan(0);
    expect(
      sample(text, 'eventlens_ingest_requests_refused_total{route="/v1/batch",reason="RATE_LIMITED"}'),
    ).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'eventlens_breaker_state')).toBe(0);
    expect(sample(text, 'eventlens_produce_duration_seconds_count{outcome="ok"}')).toBeGreaterThan(0);
    expect(sample(text, 'eventlens_registry_cache_hits_total{lookup="schema_id"}')).toBeGreaterThan(0);
  });

  it('projections: freshness, lag per partition, DLQ and retry-topic depth, batches', () => {
    const text = scraped.get('projections')!;
    expect(
      sample(text, 'eventlens_projection_freshness_seconds_count{projection="analytics"}'),
    ).toBeGreaterThan(0);
    expect(text).toMatch(
      /^eventlens_projection_consumer_lag\{worker="analytics",topic="[^"]+",partition="0"\} \d+$/m,
    );
    expect(sample(text, 'eventlens_projection_dlq_depth{projection="analytics"}')).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/^eventlens_projection_retry_depth\{projection="analytics",topic="[^"]+"\} \d+$/m);
    expect(text).toContain('eventlens_projection_batch_size_bucket');
    expect(text).toContain('eventlens_projection_batch_apply_seconds_bucket');
    expect(sample(text, 'eventlens_registry_cache_hits_total{lookup="writer_schema"}')).toBeGreaterThan(0);
  });

  it('query side and console: HTTP by route template, the reader pool', () => {
    expect(scraped.get('query-side')).toMatch(
      /eventlens_http_requests_total\{route="\/v1\/events\/\{event_id\}",method="GET",status="\d+"\} \d+/,
    );
    expect(scraped.get('query-side')).toMatch(/^eventlens_query_db_pool_connections\{state="used"\} \d+$/m);
    expect(scraped.get('console')).toMatch(
      /eventlens_http_requests_total\{route="\/config.json",method="GET",status="200"\} \d+/,
    );
  });
});
