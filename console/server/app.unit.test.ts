/**
 * The console server against two small real HTTP servers standing in for the APIs: what it proxies
 * (paths, bodies, cookies, statuses, streaming), what it serves (the SPA with its history-mode
 * fallback, the demo page) and its health.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createConsoleHandler, type ConsoleHandler, type DemoHandler } from './app';
import { loadConfig } from './config';
import { silentLogger } from '@eventlens/service-kit';

interface Upstream {
  server: Server;
  url: string;
  seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function upstream(
  name: string,
  handle?: (req: IncomingMessage, res: ServerResponse, body: string) => boolean,
): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    if (handle?.(req, res, body)) return;
    if (req.url === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ready"}');
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Set-Cookie': 'eventlens_session=abc; Path=/; HttpOnly; SameSite=Strict',
    });
    res.end(JSON.stringify({ from: name, url: req.url }));
  });
  return { server, url: await listen(server), seen };
}

let query: Upstream;
let command: Upstream;
let dist: string;
let handler: ConsoleHandler;
let server: Server;
let base: string;

const demo: DemoHandler = (req, res) => {
  const p = new URL(req.url ?? '/', 'http://x').pathname;
  if (p === '/' || p === '/eventlens.min.js') {
    res.writeHead(200, { 'Content-Type': p === '/' ? 'text/html' : 'text/javascript' }).end(`demo ${p}`);
    return true;
  }
  return false;
};

beforeAll(async () => {
  query = await upstream('query', (req, res) => {
    if (req.url?.startsWith('/v1/stream')) {
      // Streams: the first chunk must reach the client before the upstream ends.
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first\n');
      setTimeout(() => res.end('second\n'), 300);
      return true;
    }
    if (req.url === '/v1/missing') {
      res
        .writeHead(404, { 'Content-Type': 'application/json' })
        .end('{"error":{"code":"NOT_FOUND","message":"event not found"}}');
      return true;
    }
    return false;
  });
  command = await upstream('command');
  dist = await mkdtemp(path.join(tmpdir(), 'console-dist-'));
  await mkdir(path.join(dist, 'assets'));
  await writeFile(
    path.join(dist, 'index.html'),
    `<!doctype html><title>EventLens</title>${'<!-- padding -->'.repeat(60)}`,
  );
  await mkdir(path.join(dist, '.vite'));
  await writeFile(path.join(dist, '.vite', 'manifest.json'), '{"index.html":{"file":"assets/app-123.js"}}');
  await writeFile(
    path.join(dist, 'assets', 'app-123.js'),
    `console.log(${JSON.stringify('x'.repeat(2000))});`,
  );
  handler = createConsoleHandler({
    distDir: dist,
    queryUrl: query.url,
    ingestUrl: command.url,
    demo,
    demoApiKey: 'el_demo_key_123',
    logger: silentLogger,
  });
  server = createServer(handler);
  base = await listen(server);
});

afterAll(async () => {
  handler?.close();
  await Promise.all(
    [server, query?.server, command?.server].map((s) => new Promise((resolve) => s?.close(resolve))),
  );
  await rm(dist, { recursive: true, force: true });
});

describe('proxy', () => {
  test('/api/query/* reaches the query side without the prefix, with the query string, cookies and forwarded headers', async () => {
    const res = await fetch(`${base}/api/query/v1/events?limit=5&event_name=a%20b`, {
      headers: { Cookie: 'eventlens_session=tok' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ from: 'query', url: '/v1/events?limit=5&event_name=a%20b' });
    expect(res.headers.get('set-cookie')).toBe('eventlens_session=abc; Path=/; HttpOnly; SameSite=Strict');
    const seen = query.seen.at(-1)!;
    expect(seen.headers.cookie).toBe('eventlens_session=tok');
    expect(seen.headers['x-forwarded-for']).toBeDefined();
    expect(seen.headers['x-forwarded-proto']).toBe('http');
  });

  test('/api/command/* reaches the command side with method, body and CSRF header', async () => {
    const res = await fetch(`${base}/api/command/v1/admin/projects`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'x-eventlens-csrf': '1' },
      body: JSON.stringify({ name: 'Shop' }),
    });
    expect(await res.json()).toEqual({ from: 'command', url: '/v1/admin/projects' });
    const seen = command.seen.at(-1)!;
    expect(seen).toMatchObject({ method: 'POST', body: '{"name":"Shop"}' });
    expect(seen.headers['x-eventlens-csrf']).toBe('1');
    const del = await fetch(`${base}/api/command/v1/admin/projects/p/keys/k`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(command.seen.at(-1)).toMatchObject({ method: 'DELETE', url: '/v1/admin/projects/p/keys/k' });
  });

  test("a service's /metrics, /healthz and /readyz are not reachable through this origin", async () => {
    const seen = query.seen.length + command.seen.length;
    for (const path of [
      '/api/query/metrics',
      '/api/command/metrics',
      '/api/query/readyz',
      '/api/command/healthz',
      '/api/query/metrics?x=1',
      '/api/query',
      '/api/command/',
    ]) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
    expect(query.seen.length + command.seen.length).toBe(seen);
    // The APIs' own routes still pass: the Stats API is under /api/.
    expect((await fetch(`${base}/api/query/api/v2/query`, { method: 'POST', body: '{}' })).status).toBe(200);
    expect(query.seen.at(-1)).toMatchObject({ method: 'POST', url: '/api/v2/query' });
  });

  test('status codes and error bodies pass through', async () => {
    const res = await fetch(`${base}/api/query/v1/missing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'event not found' } });
  });

  test('responses stream: the first chunk arrives before the upstream has finished', async () => {
    const started = Date.now();
    const res = await fetch(`${base}/api/query/v1/stream`);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('first\n');
    expect(Date.now() - started).toBeLessThan(250);
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toBe('second\n');
  });

  test('the SDK on this origin sends to /v1/events and /v1/batch, which reach the command side', async () => {
    const res = await fetch(`${base}/v1/batch`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: '{"events":[]}',
    });
    expect(await res.json()).toEqual({ from: 'command', url: '/v1/batch' });
    // Other /v1 paths are not APIs of this origin.
    const get = await fetch(`${base}/v1/events`);
    expect(get.headers.get('content-type')).toContain('text/html');
  });

  /** A console without a demo over `queryUrl` and `ingestUrl`, served on a loopback port, for `run`. */
  async function withConsole(queryUrl: string, ingestUrl: string, run: (url: string) => Promise<void>) {
    const handler = createConsoleHandler({
      distDir: dist,
      queryUrl,
      ingestUrl,
      demo: { unavailable: 'no key' },
      demoApiKey: undefined,
      logger: silentLogger,
    });
    const s = createServer(handler);
    const url = await listen(s);
    try {
      await run(url);
    } finally {
      handler.close();
      await new Promise((resolve) => s.close(resolve));
    }
  }

  test('ready while the command side is not: the dashboards read the query API alone', async () => {
    await withConsole(query.url, 'http://127.0.0.1:1', async (url) => {
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    });
  });

  test('an upstream that does not answer is a 502 that names it', async () => {
    await withConsole('http://127.0.0.1:1', 'http://127.0.0.1:1', async (url) => {
      const res = await fetch(`${url}/api/query/v1/events`);
      expect(res.status).toBe(502);
      expect(await res.json()).toEqual({
        error: { code: 'UPSTREAM_UNAVAILABLE', message: 'the query API did not answer (ECONNREFUSED)' },
      });
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { error: { message: string } }).error.message).toMatch(
        /^not ready: query \(.+\)$/,
      );
      const demoPage = await fetch(`${url}/demo/`);
      expect(demoPage.status).toBe(503);
      expect(await demoPage.text()).toContain('no key');
    });
  });
});

describe('static files', () => {
  test('any page path answers index.html (history mode), revalidated, with a strict CSP', async () => {
    for (const p of ['/', '/login', '/p/abc/events?event=1', '/some/deep/path']) {
      const res = await fetch(base + p);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await res.text()).toContain('<title>EventLens</title>');
    }
  });

  test('hashed assets are immutable and gzipped when asked', async () => {
    const res = await fetch(`${base}/assets/app-123.js`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    // fetch decodes gzip itself; check the encoding header and the decoded body.
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(await res.text()).toContain('console.log');
    const etag = res.headers.get('etag')!;
    expect((await fetch(`${base}/assets/app-123.js`, { headers: { 'If-None-Match': etag } })).status).toBe(
      304,
    );
  });

  test('a missing asset is a 404, never index.html; no path escapes dist', async () => {
    expect((await fetch(`${base}/assets/gone-999.js`)).status).toBe(404);
    const traversal = await fetch(`${base}/..%2f..%2f..%2fetc%2fpasswd`);
    expect(await traversal.text()).not.toContain('root:');
  });

  test("the build's dot-folders (Vite's .vite/manifest.json) are not served", async () => {
    for (const p of ['/.vite/manifest.json', '/%2evite/manifest.json', '/assets/../.vite/manifest.json']) {
      const res = await fetch(base + p);
      expect(res.status, p).toBe(404);
      expect(await res.text(), p).not.toContain('app-123');
    }
  });

  test('/config.json tells the SPA the demo key and where ingestion lives', async () => {
    expect(await (await fetch(`${base}/config.json`)).json()).toEqual({
      demoWriteKey: 'el_demo_key_123',
      ingestPath: '/api/command',
    });
  });
});

describe('demo and health', () => {
  test('/demo/ is the SDK demo page; its script is served at the root too', async () => {
    expect((await fetch(`${base}/demo`, { redirect: 'manual' })).headers.get('location')).toBe('/demo/');
    expect(await (await fetch(`${base}/demo/`)).text()).toBe('demo /');
    expect(await (await fetch(`${base}/demo/eventlens.min.js`)).text()).toBe('demo /eventlens.min.js');
    expect(await (await fetch(`${base}/eventlens.min.js`)).text()).toBe('demo /eventlens.min.js');
    expect((await fetch(`${base}/demo/unknown`)).status).toBe(404);
  });

  test('/healthz answers; /readyz checks the query API, which the dashboards read, not the command side', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { query: { ok: true, detail: 'ok' } } });
  });
});

describe('config', () => {
  test('defaults, and one line naming a bad variable', () => {
    expect(
      loadConfig({
        EVENTLENS_QUERY_URL: 'http://127.0.0.1:18200/',
        EVENTLENS_INGEST_URL: 'http://127.0.0.1:18100',
      }),
    ).toEqual({
      port: 18300,
      host: '127.0.0.1',
      queryUrl: 'http://127.0.0.1:18200',
      ingestUrl: 'http://127.0.0.1:18100',
      demoApiKey: undefined,
      distDir: undefined,
      trustedProxies: [],
      http: {
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 20_000,
        keepAliveTimeoutMs: 5_000,
        maxConnections: 1024,
      },
      log: { level: 'info', format: 'json' },
    });
    expect(() => loadConfig({ EVENTLENS_INGEST_URL: 'http://x' })).toThrow(
      'EVENTLENS_QUERY_URL: is required',
    );
    const urls = { EVENTLENS_QUERY_URL: 'http://x', EVENTLENS_INGEST_URL: 'http://x' };
    expect(
      loadConfig({ ...urls, EVENTLENS_CONSOLE_TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustedProxies,
    ).toEqual(['loopback', '10.0.0.0/8']);
    expect(() => loadConfig({ ...urls, EVENTLENS_CONSOLE_TRUST_PROXY: 'everyone' })).toThrow(
      /^EVENTLENS_CONSOLE_TRUST_PROXY: must list addresses/,
    );
    expect(() => loadConfig({ EVENTLENS_QUERY_URL: 'ftp://x', EVENTLENS_INGEST_URL: 'http://x' })).toThrow(
      /^EVENTLENS_QUERY_URL: must be/,
    );
    expect(() =>
      loadConfig({
        EVENTLENS_QUERY_URL: 'http://x',
        EVENTLENS_INGEST_URL: 'http://x',
        EVENTLENS_CONSOLE_PORT: 'abc',
      }),
    ).toThrow(/^EVENTLENS_CONSOLE_PORT: /);
  });
});
