/**
 * The API proxy replaces the client's forwarding headers with what it saw on the connection: a
 * client cannot name another address (the APIs trust this hop for X-Forwarded-For).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { silentLogger } from '@eventlens/service-kit';
import { createApiProxy, type ApiProxy } from './proxy';

let upstream: Server;
let front: Server;
let proxy: ApiProxy;
let base: string;
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
});

afterAll(async () => {
  proxy?.close();
  for (const server of [front, upstream]) {
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
