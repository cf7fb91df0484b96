/**
 * The console server's listener and what it does with bodies, on ephemeral ports with short
 * bounds: it binds loopback unless told otherwise; a body trickled to a proxied route and a head
 * that never ends are cut within the bounds; connections beyond the cap are refused; and a body
 * whose Content-Encoding is a lie reaches the API untouched (header and bytes), whose 400 comes
 * back as it is — never a 5xx from the console itself.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleHandler } from './app';
import { loadConfig } from './config';
import {
  checkingIntervalMs,
  DEFAULT_HTTP_LIMITS,
  startHttpServer,
  type HttpLimits,
} from '@eventlens/service-kit';
import { silentLogger } from '@eventlens/service-kit';

interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** An API stand-in that reads the whole body, then answers as the real ones do to a body that does not inflate. */
let api: Server;
let apiUrl: string;
const seen: Seen[] = [];

beforeAll(async () => {
  api = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the console cut a slow client, and with it this request
    }
    seen.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
    if (req.headers['content-encoding']) {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { code: 'INVALID_BODY_ENCODING', message: 'the body is not valid gzip data' },
        }),
      );
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});

afterAll(async () => {
  api.closeAllConnections();
  await new Promise((resolve) => api.close(resolve));
});

const SHORT = {
  EVENTLENS_HTTP_HEADERS_TIMEOUT_MS: '500',
  EVENTLENS_HTTP_REQUEST_TIMEOUT_MS: '1000',
  EVENTLENS_HTTP_KEEP_ALIVE_TIMEOUT_MS: '500',
};
/** When a cut must have happened: the bound, one checking interval, and slack for a busy machine. */
const cutWithin = (limits: HttpLimits, bound: number) => bound + checkingIntervalMs(limits) + 3000;

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function start(extra: Record<string, string> = {}) {
  const config = loadConfig({
    EVENTLENS_QUERY_URL: apiUrl,
    EVENTLENS_INGEST_URL: apiUrl,
    ...SHORT,
    ...extra,
  });
  const handler = createConsoleHandler({
    distDir: '/nonexistent',
    queryUrl: config.queryUrl,
    ingestUrl: config.ingestUrl,
    demo: { unavailable: 'not in this test' },
    demoApiKey: undefined,
    logger: silentLogger,
  });
  const { server, address } = await startHttpServer(handler, { host: config.host, port: 0, ...config.http });
  cleanup.push(() => handler.close());
  cleanup.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { config, address, url: `http://127.0.0.1:${address.port}` };
}

interface Watched {
  socket: Socket;
  received: string;
  closed: boolean;
}

function open(port: number): Promise<Watched> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const watched: Watched = { socket, received: '', closed: false };
    socket.on('data', (chunk) => (watched.received += chunk.toString('latin1')));
    socket.on('close', () => (watched.closed = true));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve(watched));
    socket.once('error', reject);
    cleanup.push(() => void socket.destroy());
  });
}

/** Writes one byte of `text` every 200 ms until the server cuts the connection. */
function trickle(watched: Watched, text: string): void {
  let i = 0;
  const timer = setInterval(() => {
    if (watched.closed || watched.socket.destroyed || i >= text.length) {
      clearInterval(timer);
      return;
    }
    watched.socket.write(text[i++]!);
  }, 200);
  cleanup.push(() => clearInterval(timer));
}

/** Cut: closed by the server, or told 408 (Node answers 408 and closes). */
const cut = (w: Watched) => w.closed || w.received.includes('HTTP/1.1 408');

describe('configuration', () => {
  it('defaults to loopback and bounded timeouts, and reads the shared EVENTLENS_HTTP_* variables', () => {
    const env = { EVENTLENS_QUERY_URL: 'http://127.0.0.1:1', EVENTLENS_INGEST_URL: 'http://127.0.0.1:2' };
    expect(loadConfig(env)).toMatchObject({ host: '127.0.0.1', http: DEFAULT_HTTP_LIMITS });
    expect(loadConfig({ ...env, ...SHORT, EVENTLENS_HTTP_MAX_CONNECTIONS: '3' }).http).toEqual({
      headersTimeoutMs: 500,
      requestTimeoutMs: 1000,
      keepAliveTimeoutMs: 500,
      maxConnections: 3,
    });
    expect(() =>
      loadConfig({
        ...env,
        EVENTLENS_HTTP_HEADERS_TIMEOUT_MS: '5000',
        EVENTLENS_HTTP_REQUEST_TIMEOUT_MS: '4000',
      }),
    ).toThrow(/^EVENTLENS_HTTP_HEADERS_TIMEOUT_MS: /);
  });
});

describe('the listener', () => {
  it('binds 127.0.0.1 by default, and EVENTLENS_CONSOLE_HOST otherwise', async () => {
    expect((await start()).address.address).toBe('127.0.0.1');
    expect((await start({ EVENTLENS_CONSOLE_HOST: '0.0.0.0' })).address.address).toBe('0.0.0.0');
  });

  it('cuts a body trickled a byte every 200 ms to a proxied route at the request timeout', async () => {
    const { address, config } = await start();
    const w = await open(address.port);
    w.socket.write(
      'POST /api/command/v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
    );
    trickle(w, 'a'.repeat(1000));
    await expect
      .poll(() => cut(w), { timeout: cutWithin(config.http, config.http.requestTimeoutMs), interval: 50 })
      .toBe(true);
    expect(w.received).not.toMatch(/HTTP\/1\.1 [25]\d\d/);
  });

  it('cuts a head trickled a byte every 200 ms at the headers timeout', async () => {
    const { address, config } = await start();
    const w = await open(address.port);
    trickle(w, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ${'b'.repeat(200)}\r\n\r\n`);
    await expect
      .poll(() => cut(w), { timeout: cutWithin(config.http, config.http.headersTimeoutMs), interval: 50 })
      .toBe(true);
    expect(w.received).not.toContain('200 OK');
  });

  it('refuses connections beyond the cap', async () => {
    const { address } = await start({
      EVENTLENS_HTTP_HEADERS_TIMEOUT_MS: '5000',
      EVENTLENS_HTTP_REQUEST_TIMEOUT_MS: '10000',
      EVENTLENS_HTTP_MAX_CONNECTIONS: '2',
    });
    const held = [await open(address.port), await open(address.port)];
    const extra = await open(address.port);
    await expect.poll(() => extra.closed, { timeout: 3000, interval: 20 }).toBe(true);
    expect(held.every((w) => !w.closed)).toBe(true);
  });
});

describe('a Content-Encoding that is not true', () => {
  it.each([
    ['/api/command/v1/batch', '/v1/batch'],
    ['/api/command/v1/admin/projects', '/v1/admin/projects'],
    ['/api/query/v1/auth/login', '/v1/auth/login'],
    ['/v1/events', '/v1/events'],
  ])('%s passes header and bytes through and relays the API’s 400', async (path, upstreamPath) => {
    const { url } = await start();
    seen.length = 0;
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' },
      body: 'hello',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('INVALID_BODY_ENCODING');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe(upstreamPath);
    expect(seen[0]!.headers['content-encoding']).toBe('gzip');
    expect(seen[0]!.body.toString()).toBe('hello');
  });

  it('on the console’s own routes is never a 5xx', async () => {
    const { url } = await start();
    for (const path of ['/healthz', '/config.json', '/', '/some/page', '/api/nowhere']) {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: 'hello',
      });
      await response.arrayBuffer();
      expect(response.status, path).toBeLessThan(500);
    }
  });
});
