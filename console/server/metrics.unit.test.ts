import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createConsoleHandler, type ConsoleHandler } from './app';
import { silentLogger } from '@eventlens/service-kit';
import { consoleRouteOf, createConsoleMetrics } from './metrics';

describe('consoleRouteOf', () => {
  test('maps every path to one of a few labels, never the raw path', () => {
    expect(consoleRouteOf('/healthz')).toBe('/healthz');
    expect(consoleRouteOf('/api/query/v1/events/abc?x=1')).toBe('/api/query');
    expect(consoleRouteOf('/api/command/v1/events')).toBe('/api/command');
    expect(consoleRouteOf('/api/other')).toBe('unmatched');
    expect(consoleRouteOf('/v1/batch')).toBe('/v1/batch');
    expect(consoleRouteOf('/demo/page.html')).toBe('/demo');
    expect(consoleRouteOf('/assets/app-123.js')).toBe('static');
    expect(consoleRouteOf(undefined)).toBe('static');
  });
});

describe('the console server with metrics', () => {
  let server: Server;
  let handler: ConsoleHandler;
  let base: string;
  let dist: string;

  beforeAll(async () => {
    dist = await mkdtemp(path.join(tmpdir(), 'console-metrics-'));
    await writeFile(path.join(dist, 'index.html'), '<!doctype html><title>EventLens</title>');
    handler = createConsoleHandler({
      distDir: dist,
      // Nothing listens there: the proxied request is the console's own 502.
      queryUrl: 'http://127.0.0.1:9',
      ingestUrl: 'http://127.0.0.1:9',
      demo: { unavailable: 'not in this test' },
      demoApiKey: undefined,
      logger: silentLogger,
      metrics: createConsoleMetrics({ defaultMetrics: false }),
    });
    server = createServer(handler).listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    handler.close();
    await new Promise((resolve) => server.close(resolve));
    await rm(dist, { recursive: true, force: true });
  });

  test('serves /metrics counting its requests by route label and status', async () => {
    await (await fetch(`${base}/healthz`)).arrayBuffer();
    await (await fetch(`${base}/some/page`)).arrayBuffer();
    const proxied = await fetch(`${base}/api/query/v1/events`);
    await proxied.arrayBuffer();
    const scrape = await fetch(`${base}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    const text = await scrape.text();
    expect(text).toContain('eventlens_http_requests_total{route="/healthz",method="GET",status="200"} 1');
    expect(text).toContain('eventlens_http_requests_total{route="static",method="GET",status="200"} 1');
    expect(text).toContain(
      `eventlens_http_requests_total{route="/api/query",method="GET",status="${proxied.status}"} 1`,
    );
    expect(text).not.toContain('/some/page');
  });

  test('a /metrics request a proxy forwarded (the public side of the Ingress) is told nothing', async () => {
    const forwarded: Array<Record<string, string>> = [
      { 'X-Forwarded-For': '203.0.113.7' },
      { Forwarded: 'for=203.0.113.7' },
    ];
    for (const headers of forwarded) {
      const res = await fetch(`${base}/metrics`, { headers });
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('eventlens_http_requests_total');
    }
  });
});
