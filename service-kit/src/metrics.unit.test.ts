import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createMetricsRegistry,
  DROPPED_DEFAULT_METRICS,
  EVENT_STAGE_BUCKETS_SECONDS,
  eventStageHistogram,
  httpMetrics,
  registryCacheMetrics,
  sendMetrics,
} from './metrics';

let server: Server | undefined;
afterEach(async () => {
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
});

async function listen(handler: RequestListener): Promise<string> {
  server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('createMetricsRegistry', () => {
  it('collects the default process metrics without the gauges named like counters', async () => {
    const text = await createMetricsRegistry().metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_active_handles');
    for (const name of DROPPED_DEFAULT_METRICS) expect(text).not.toContain(`${name} `);
  });

  it('gives each caller a registry of its own', async () => {
    const a = createMetricsRegistry({ defaultMetrics: false });
    const b = createMetricsRegistry({ defaultMetrics: false });
    httpMetrics(a, { routeOf: () => 'x' });
    expect(await a.metrics()).toContain('eventlens_http_requests_total');
    expect(await b.metrics()).toBe('\n');
  });
});

describe('httpMetrics', () => {
  it('counts and times each answered request by its route template, never the raw path', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const observe = httpMetrics(registry, {
      routeOf: (req) => (req.url?.startsWith('/items/') ? '/items/:id' : 'unmatched'),
    });
    const base = await listen((req, res) => {
      observe(req, res);
      if (req.url === '/metrics') return void sendMetrics(registry, res);
      res.statusCode = req.url?.startsWith('/items/') ? 200 : 404;
      res.end();
    });
    await (await fetch(`${base}/items/1`)).arrayBuffer();
    await (await fetch(`${base}/items/2`)).arrayBuffer();
    await (await fetch(`${base}/nowhere`, { method: 'POST' })).arrayBuffer();

    const scrape = await fetch(`${base}/metrics`);
    expect(scrape.headers.get('content-type')).toBe(registry.contentType);
    const text = await scrape.text();
    expect(text).toContain('eventlens_http_requests_total{route="/items/:id",method="GET",status="200"} 2');
    expect(text).toContain('eventlens_http_requests_total{route="unmatched",method="POST",status="404"} 1');
    expect(text).toContain(
      'eventlens_http_request_duration_seconds_count{route="/items/:id",method="GET"} 2',
    );
    expect(text).not.toContain('/items/1');
  });

  it('calls next when used as middleware', () => {
    const observe = httpMetrics(createMetricsRegistry({ defaultMetrics: false }), { routeOf: () => 'r' });
    let called = 0;
    const res = { once: () => res } as unknown as Parameters<typeof observe>[1];
    observe({} as Parameters<typeof observe>[0], res, () => called++);
    expect(called).toBe(1);
  });
});

describe('registryCacheMetrics', () => {
  it('starts every lookup at 0 and counts hits and misses apart', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const record = registryCacheMetrics(registry, ['schema_id', 'writer_schema']);
    record('writer_schema', 'miss');
    record('writer_schema', 'hit');
    record('writer_schema', 'hit');
    const text = await registry.metrics();
    expect(text).toContain('eventlens_registry_cache_hits_total{lookup="schema_id"} 0');
    expect(text).toContain('eventlens_registry_cache_hits_total{lookup="writer_schema"} 2');
    expect(text).toContain('eventlens_registry_cache_misses_total{lookup="writer_schema"} 1');
  });
});

describe('eventStageHistogram', () => {
  it('counts each stage apart, in buckets fine enough to tell 120 ms from 250 ms', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const stages = eventStageHistogram(registry);
    stages.observe({ stage: 'acknowledged', projection: '' }, 0.004);
    stages.observe({ stage: 'committed', projection: 'analytics' }, 0.11);
    stages.observe({ stage: 'committed', projection: 'analytics' }, 0.26);
    const text = await registry.metrics();
    expect(text).toContain(
      'eventlens_event_stage_seconds_bucket{le="0.005",stage="acknowledged",projection=""} 1',
    );
    expect(text).toContain(
      'eventlens_event_stage_seconds_bucket{le="0.12",stage="committed",projection="analytics"} 1',
    );
    expect(text).toContain(
      'eventlens_event_stage_seconds_bucket{le="0.3",stage="committed",projection="analytics"} 2',
    );
    expect(EVENT_STAGE_BUCKETS_SECONDS).toEqual([...EVENT_STAGE_BUCKETS_SECONDS].sort((a, b) => a - b));
  });
});
