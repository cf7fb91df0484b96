/**
 * The health and metrics listener runProjections starts, on an ephemeral port with short bounds:
 * it binds loopback unless told otherwise, cuts a body trickled a byte at a time and a head that
 * never ends, and refuses connections beyond its cap.
 */
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from './app';
import { loadConfig } from './config';
import {
  checkingIntervalMs,
  DEFAULT_HTTP_LIMITS,
  startHttpServer,
  type HttpLimits,
} from '@eventlens/service-kit';

const base = {
  EVENTLENS_KAFKA_BROKERS: '127.0.0.1:9',
  EVENTLENS_REGISTRY_URL: 'http://127.0.0.1:9/apis/ccompat/v7',
  EVENTLENS_DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none',
  EVENTLENS_READER_ROLE: 'reader',
};
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
  const config = loadConfig({ ...base, ...SHORT, ...extra });
  const app = createApp({ checks: {}, registry: new Registry() });
  const { server, address } = await startHttpServer(app, { host: config.host, port: 0, ...config.http });
  cleanup.push(() => close(server));
  return { config, address };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
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
  it('defaults to loopback and bounded timeouts; EVENTLENS_PROJECTIONS_HOST and EVENTLENS_HTTP_* change them', () => {
    const config = loadConfig(base);
    expect(config.host).toBe('127.0.0.1');
    expect(config.http).toEqual(DEFAULT_HTTP_LIMITS);
    const other = loadConfig({ ...base, ...SHORT, EVENTLENS_PROJECTIONS_HOST: '0.0.0.0' });
    expect(other.host).toBe('0.0.0.0');
    expect(other.http).toMatchObject({ headersTimeoutMs: 500, requestTimeoutMs: 1000 });
    expect(() =>
      loadConfig({
        ...base,
        EVENTLENS_HTTP_HEADERS_TIMEOUT_MS: '5000',
        EVENTLENS_HTTP_REQUEST_TIMEOUT_MS: '4000',
      }),
    ).toThrow(/^EVENTLENS_HTTP_HEADERS_TIMEOUT_MS/);
  });
});

describe('the listener', () => {
  it('binds 127.0.0.1 by default, and the configured host otherwise', async () => {
    expect((await start()).address.address).toBe('127.0.0.1');
    expect((await start({ EVENTLENS_PROJECTIONS_HOST: '0.0.0.0' })).address.address).toBe('0.0.0.0');
  });

  // Health and metrics read no body: a trickled one is answered (404) and then read off until the
  // request timeout cuts it.
  it('cuts a body trickled a byte every 200 ms at the request timeout', async () => {
    const { address, config } = await start();
    const w = await open(address.port);
    w.socket.write(
      'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
    );
    trickle(w, 'a'.repeat(1000));
    await expect
      .poll(() => cut(w), { timeout: cutWithin(config.http, config.http.requestTimeoutMs), interval: 50 })
      .toBe(true);
    expect(w.received).not.toMatch(/HTTP\/1\.1 5\d\d/);
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
