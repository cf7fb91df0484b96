/**
 * The command side's listener on an ephemeral port with short bounds: it binds loopback unless told
 * otherwise, cuts a body trickled a byte at a time and a head that never ends, and refuses
 * connections beyond its cap. The instance is the real one, not started: its routes read bodies
 * before they need Kafka.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCommandSide } from '../command-side';
import { checkingIntervalMs, type HttpLimits } from '@eventlens/service-kit';
import { INGEST_HTTP_LIMITS as DEFAULT_HTTP_LIMITS, loadConfig } from '../config';

const env = {
  EVENTLENS_KAFKA_BROKERS: '127.0.0.1:9',
  EVENTLENS_REGISTRY_URL: 'http://127.0.0.1:9/apis/ccompat/v7',
  EVENTLENS_SESSION_SECRET: 'a-secret-of-enough-length',
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
  const config = loadConfig({ ...env, ...SHORT, ...extra });
  const commandSide = createCommandSide({ ...config, http: { ...config.http, port: 0 } });
  const listening = await commandSide.listen();
  cleanup.push(() => commandSide.stop());
  return { config, ...listening };
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
    const config = loadConfig(env);
    expect(config.http.host).toBe('127.0.0.1');
    expect(config.httpLimits).toEqual(DEFAULT_HTTP_LIMITS);
    expect(DEFAULT_HTTP_LIMITS.requestTimeoutMs + 1000).toBeLessThanOrEqual(30_000);
    expect(loadConfig({ ...env, ...SHORT, EVENTLENS_HTTP_MAX_CONNECTIONS: '7' }).httpLimits).toEqual({
      headersTimeoutMs: 500,
      requestTimeoutMs: 1000,
      keepAliveTimeoutMs: 500,
      maxConnections: 7,
    });
  });

  it('refuses a headers timeout longer than the request timeout, naming the variable', () => {
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
  it('binds 127.0.0.1 by default, and the host the configuration names otherwise', async () => {
    const { address } = await start();
    expect(address.address).toBe('127.0.0.1');
    const other = await start({ EVENTLENS_INGEST_HOST: '0.0.0.0' });
    expect(other.address.address).toBe('0.0.0.0');
  });

  it('cuts a body trickled a byte every 200 ms at the request timeout', async () => {
    const { port, config } = await start();
    const limits = config.httpLimits!;
    const w = await open(port);
    w.socket.write(
      'POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
    );
    trickle(w, `{"events":"${'a'.repeat(985)}`);
    await expect
      .poll(() => cut(w), { timeout: cutWithin(limits, limits.requestTimeoutMs), interval: 50 })
      .toBe(true);
    expect(w.received).not.toMatch(/HTTP\/1\.1 [25]\d\d/);
  });

  it('cuts a head trickled a byte every 200 ms at the headers timeout', async () => {
    const { port, config } = await start();
    const limits = config.httpLimits!;
    const w = await open(port);
    trickle(w, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ${'b'.repeat(200)}\r\n\r\n`);
    await expect
      .poll(() => cut(w), { timeout: cutWithin(limits, limits.headersTimeoutMs), interval: 50 })
      .toBe(true);
    expect(w.received).not.toContain('200 OK');
  });

  it('refuses connections beyond the cap', async () => {
    const { port } = await start({
      EVENTLENS_HTTP_HEADERS_TIMEOUT_MS: '5000',
      EVENTLENS_HTTP_REQUEST_TIMEOUT_MS: '10000',
      EVENTLENS_HTTP_MAX_CONNECTIONS: '2',
    });
    const held = [await open(port), await open(port)];
    const extra = await open(port);
    await expect.poll(() => extra.closed, { timeout: 3000, interval: 20 }).toBe(true);
    expect(held.every((w) => !w.closed)).toBe(true);
  });
});
