/**
 * The listener main.ts starts, on an ephemeral port with short bounds: it binds loopback unless
 * told otherwise, cuts a body trickled a byte at a time and a head that never ends, and refuses
 * connections beyond its cap. The app is the real one; its database is never reached.
 */
import { connect, type Socket } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, expect, test } from 'vitest';
import { createApp, silentLogger } from '../app';
import { loadConfig } from '../config';
import { createReaderDb } from '../db';
import { checkingIntervalMs, startHttpServer, type HttpLimits } from '@eventlens/service-kit';

const env = {
  EVENTLENS_READER_DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:9/none',
  EVENTLENS_SESSION_SECRET: 'a-secret-of-enough-length',
};
const SHORT: HttpLimits = {
  headersTimeoutMs: 500,
  requestTimeoutMs: 1000,
  keepAliveTimeoutMs: 500,
  maxConnections: 1024,
};
/** When a cut must have happened: the bound, one checking interval, and slack for a busy machine. */
const cutWithin = (limits: HttpLimits, bound: number) => bound + checkingIntervalMs(limits) + 3000;

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function start(limits: HttpLimits, host?: string) {
  const config = loadConfig(host ? { ...env, EVENTLENS_QUERY_HOST: host } : env);
  const db = createReaderDb({ url: config.readerDatabaseUrl, poolMax: 1 });
  const app = createApp({ db, sessionSecret: config.sessionSecret, logger: silentLogger });
  const { server, address } = await startHttpServer(app, { host: config.host, port: 0, ...limits });
  cleanup.push(() => db.destroy());
  cleanup.push(() => close(server));
  return { server, address };
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

test('binds 127.0.0.1 by default, and the host the configuration names otherwise', async () => {
  expect(loadConfig(env).host).toBe('127.0.0.1');
  const { address } = await start(SHORT);
  expect(address.address).toBe('127.0.0.1');
  const other = await start(SHORT, '0.0.0.0');
  expect(other.address.address).toBe('0.0.0.0');
});

// Most query-side routes read no request body: a trickled one is what a slow or hostile client sends
// anyway, answered (404 here) and then read off until the request timeout cuts it.
test('a body trickled a byte every 200 ms is cut at the request timeout', async () => {
  const { address } = await start(SHORT);
  const w = await open(address.port);
  w.socket.write(
    'POST /v1/nothing-here HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      'x-eventlens-csrf: 1\r\nContent-Length: 1000\r\n\r\n',
  );
  trickle(w, `{"email":"${'a'.repeat(990)}`);
  await expect
    .poll(() => cut(w), { timeout: cutWithin(SHORT, SHORT.requestTimeoutMs), interval: 50 })
    .toBe(true);
  expect(w.received).not.toMatch(/HTTP\/1\.1 5\d\d/);
});

test('a head trickled a byte every 200 ms is cut at the headers timeout', async () => {
  const { address } = await start(SHORT);
  const w = await open(address.port);
  trickle(w, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ${'b'.repeat(200)}\r\n\r\n`);
  await expect
    .poll(() => cut(w), { timeout: cutWithin(SHORT, SHORT.headersTimeoutMs), interval: 50 })
    .toBe(true);
  expect(w.received).not.toContain('200 OK');
});

test('connections beyond the cap are refused', async () => {
  const limits = { ...SHORT, headersTimeoutMs: 5000, requestTimeoutMs: 10_000, maxConnections: 2 };
  const { address } = await start(limits);
  const held = [await open(address.port), await open(address.port)];
  const extra = await open(address.port);
  await expect.poll(() => extra.closed, { timeout: 3000, interval: 20 }).toBe(true);
  expect(held.every((w) => !w.closed)).toBe(true);
});
