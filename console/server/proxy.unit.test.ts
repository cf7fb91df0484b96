/**
 * The API proxy replaces the client's forwarding headers with what it saw on the connection: a
 * client cannot name another address (the APIs trust this hop for X-Forwarded-For). Behind a proxy
 * it trusts (EVENTLENS_CONSOLE_TRUST_PROXY), that proxy's headers name the client instead.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { silentLogger } from '@eventlens/service-kit';
import { createApiProxy, type ApiProxy } from './proxy';

let upstream: Server;
let front: Server;
let trustingFront: Server;
let proxy: ApiProxy;
let trusting: ApiProxy;
let base: string;
let trustingBase: string;
const seen: IncomingMessage['headers'][] = [];

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(204).end();
  });
  proxy = createApiProxy({ name: 'test API', target: await listen(upstream), logger: silentLogger });
  front = createServer((req, res) => proxy.forward(req, res, req.url ?? '/'));
  base = await listen(front);
  // A console behind a reverse proxy on this machine: it trusts loopback.
  trusting = createApiProxy({
    name: 'test API',
    target: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    logger: silentLogger,
    trustedProxies: ['loopback'],
  });
  trustingFront = createServer((req, res) => trusting.forward(req, res, req.url ?? '/'));
  trustingBase = await listen(trustingFront);
});

afterAll(async () => {
  proxy?.close();
  trusting?.close();
  for (const server of [front, trustingFront, upstream]) {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  }
});

test('client-sent X-Forwarded-For, Forwarded and X-Real-IP are replaced, not appended to', async () => {
  const response = await fetch(`${base}/v1/auth/login`, {
    method: 'POST',
    headers: {
      'x-forwarded-for': '203.0.113.7, 198.51.100.1',
      forwarded: 'for=192.0.2.60;proto=https',
      'x-real-ip': '192.0.2.61',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-port': '443',
    },
  });
  expect(response.status).toBe(204);
  const headers = seen.at(-1)!;
  expect(headers['x-forwarded-for']).toBe('127.0.0.1');
  expect(headers['x-real-ip']).toBe('127.0.0.1');
  expect(headers.forwarded).toBe(`for=127.0.0.1;proto=http;host="${new URL(base).host}"`);
  expect(headers['x-forwarded-proto']).toBe('http');
  expect(headers['x-forwarded-host']).toBe(new URL(base).host);
  expect(headers['x-forwarded-port']).toBe(new URL(base).port);
});

test('without any forwarding header from the client, the connecting address is sent', async () => {
  await fetch(`${base}/v1/auth/me`);
  expect(seen.at(-1)!['x-forwarded-for']).toBe('127.0.0.1');
});

test('behind a trusted proxy, its X-Forwarded-For, -Proto and -Host name the client, through trusted hops only', async () => {
  const response = await fetch(`${trustingBase}/v1/auth/login`, {
    method: 'POST',
    headers: {
      // The client wrote 203.0.113.7; the TLS proxy (on loopback) appended the address it saw.
      'x-forwarded-for': '203.0.113.7, 198.51.100.1',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'eventlens.example.com',
      'x-forwarded-port': '443',
      'x-real-ip': '192.0.2.61',
    },
  });
  expect(response.status).toBe(204);
  const headers = seen.at(-1)!;
  // 198.51.100.1 is not trusted: it is the client, whatever it claims before it.
  expect(headers['x-forwarded-for']).toBe('198.51.100.1');
  expect(headers['x-real-ip']).toBe('198.51.100.1');
  expect(headers['x-forwarded-proto']).toBe('https');
  expect(headers['x-forwarded-host']).toBe('eventlens.example.com');
  expect(headers['x-forwarded-port']).toBe('443');
  expect(headers.forwarded).toBe('for=198.51.100.1;proto=https;host="eventlens.example.com"');
  // Without forwarding headers, the trusted hop itself is the client, over its own protocol.
  await fetch(`${trustingBase}/v1/auth/login`, { method: 'POST' });
  expect(seen.at(-1)!['x-forwarded-for']).toBe('127.0.0.1');
  expect(seen.at(-1)!['x-forwarded-proto']).toBe('http');
});
