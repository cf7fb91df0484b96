/**
 * Bodies whose Content-Encoding does not match their bytes: a 400 `INVALID_BODY_ENCODING` that
 * says which encodings are accepted, never a 500. A body that really is compressed still works.
 * The route is declared and mounted the way every query-side route is (route.ts), behind the
 * app's error handler.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express from 'express';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { z } from 'zod';
import type { Callers } from '../auth/callers';
import { errorHandler } from './errors';
import { defineRoute, mountRoutes } from './route';

let server: Server;
let url: string;
const logged: string[] = [];

beforeAll(async () => {
  const app = express();
  const router = express.Router();
  const echo = defineRoute({
    method: 'post',
    path: '/v1/echo',
    tag: 'test',
    summary: 'Echoes its body',
    auth: 'public',
    body: z.strictObject({ name: z.string() }),
    response: { status: 200, description: 'The body.', schema: z.object({ name: z.string() }) },
    handle: async ({ body }) => body,
  });
  mountRoutes(router, new OpenAPIRegistry(), [echo], {
    callers: {} as Callers,
    validateResponses: true,
  });
  app.use(router);
  app.use(
    errorHandler({
      info: () => undefined,
      error: (message, fields) => logged.push(`${message} ${JSON.stringify(fields)}`),
    }),
  );
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  expect(logged).toEqual([]);
  await new Promise((resolve) => server.close(resolve));
});

function post(body: Buffer | string, encoding: string) {
  return fetch(`${url}/v1/echo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': encoding },
    body,
  });
}

test.each(['gzip', 'deflate', 'br', 'GZIP'])(
  '%s on a body that is not compressed is a 400',
  async (encoding) => {
    const response = await post('{"name":"plain"}', encoding);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('INVALID_BODY_ENCODING');
    expect(error.message).toContain('identity, gzip, deflate, br');
  },
);

test('a truncated gzip body is a 400 too', async () => {
  const whole = gzipSync('{"name":"cut short"}');
  const response = await post(whole.subarray(0, whole.length - 8), 'gzip');
  expect(response.status).toBe(400);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe('INVALID_BODY_ENCODING');
});

test('an encoding nobody inflates is a 415 naming the accepted ones', async () => {
  const response = await post('{"name":"plain"}', 'compress');
  expect(response.status).toBe(415);
  const { error } = (await response.json()) as { error: { code: string; message: string } };
  expect(error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  expect(error.message).toContain('identity, gzip, deflate, br');
});

test.each([
  ['gzip', gzipSync],
  ['deflate', deflateSync],
  ['br', brotliCompressSync],
  ['identity', (b: Buffer) => b],
] as const)('a body really encoded with %s is read', async (encoding, encode) => {
  const response = await post(encode(Buffer.from('{"name":"packed"}')), encoding);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ name: 'packed' });
});
