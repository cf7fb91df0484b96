/**
 * A statement that runs past the reader's statement timeout (db.ts) is a 503 `QUERY_TIMEOUT` that
 * says what to do, not the outage answer (`READ_MODEL_UNAVAILABLE`, "right now", Retry-After): the
 * same question would time out again. Real PostgreSQL cancels a real statement.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { stackForTests } from '@eventlens/stack';
import express from 'express';
import type { Knex } from 'knex';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { z } from 'zod';
import type { Callers } from '../auth/callers';
import { createReaderDb } from '../db';
import { errorHandler } from './errors';
import { defineRoute, mountRoutes } from './route';

let server: Server;
let url: string;
let db: Knex;

beforeAll(async () => {
  db = createReaderDb({ url: (await stackForTests()).databaseUrl, statementTimeoutMs: 200 });
  const app = express();
  const router = express.Router();
  const slow = defineRoute({
    method: 'get',
    path: '/v1/slow',
    tag: 'test',
    summary: 'Sleeps longer than the statement timeout',
    auth: 'public',
    response: { status: 200, description: 'Never.', schema: z.object({}) },
    handle: async () => {
      await db.raw('select pg_sleep(5)');
      return {};
    },
  });
  mountRoutes(router, new OpenAPIRegistry(), [slow], { callers: {} as Callers, validateResponses: true });
  app.use(router);
  app.use(errorHandler({ info: () => undefined, error: () => undefined }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await db.destroy();
});

test('a statement past the timeout is a 503 QUERY_TIMEOUT naming the setting and the fix, without Retry-After', async () => {
  const response = await fetch(`${url}/v1/slow`);
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toBeNull();
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('QUERY_TIMEOUT');
  expect(body.error.message).toMatch(/EVENTLENS_QUERY_STATEMENT_TIMEOUT_MS/);
  expect(body.error.message).toMatch(/narrow the date range/);
});
