/**
 * The console's API proxy in front of a real command side (real Kafka and registry), which trusts
 * loopback like the stack's APIs: a client rotating X-Forwarded-For, Forwarded and X-Real-IP through
 * the proxy is still one address to the command side's login throttle, so a password spray cannot
 * invent clients (proxy.ts replaces those headers with the connection's own).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import {
  createTestTopics,
  deleteTestTopics,
  startCommandSide,
  testConfig,
  testStack,
  type RunningCommandSide,
  type TestStack,
} from '@eventlens/command-side/test-support';
import { silentLogger } from '@eventlens/service-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiProxy, type ApiProxy } from './proxy';

let stack: TestStack;
let topics: { events: string; admin: string };
let commandSide: RunningCommandSide;
let proxy: ApiProxy;
let server: Server;
let proxyUrl: string;

beforeAll(async () => {
  stack = await testStack();
  topics = await createTestTopics(stack);
  commandSide = await startCommandSide(
    testConfig(stack, topics, { http: { port: 0, host: '127.0.0.1', trustProxy: ['loopback'] } }),
  );
  proxy = createApiProxy({ name: 'command API', target: commandSide.url, logger: silentLogger });
  server = createServer((req, res) => proxy.forward(req, res, req.url ?? '/'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  proxy?.close();
  await commandSide?.stop();
  if (topics) await deleteTestTopics(stack, topics);
}, 60_000);

it('a client rotating X-Forwarded-For through the console proxy is still throttled as one address', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 22; i++) {
    const response = await fetch(`${proxyUrl}/v1/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        // The CSRF header the console sends on every state-changing request (contracts' CSRF_HEADER).
        'x-eventlens-csrf': '1',
        'x-forwarded-for': `203.0.113.${i + 1}`,
        forwarded: `for=192.0.2.${i + 1}`,
        'x-real-ip': `192.0.2.${i + 1}`,
      },
      body: JSON.stringify({ email: `spray${i}.${randomUUID()}@example.test`, password: 'Summer2026!' }),
    });
    statuses.push(response.status);
  }
  expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
  expect(statuses.slice(20)).toEqual([429, 429]);
}, 60_000);
