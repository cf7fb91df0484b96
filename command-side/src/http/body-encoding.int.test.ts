/**
 * Bodies whose Content-Encoding does not match their bytes, on every route that reads a body
 * (ingestion, admin and console login), against a running instance: a 400 `INVALID_BODY_ENCODING` that says which
 * encodings are accepted, never a 500. A body that really is compressed is still accepted.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  adminClient,
  createTestTopics,
  deleteTestTopics,
  startCommandSide,
  testConfig,
  testStack,
  type RunningCommandSide,
  type TestStack,
} from '../test-support';

let stack: TestStack;
let topics: { events: string; admin: string };
let running: RunningCommandSide;
let project: { projectId: string; key: string };

beforeAll(async () => {
  stack = await testStack();
  topics = await createTestTopics(stack);
  running = await startCommandSide(testConfig(stack, topics));
  project = await adminClient(running.url).projectWithKey('encodings');
});

afterAll(async () => {
  await running?.stop();
  if (topics) await deleteTestTopics(stack, topics);
});

const ROUTES = () => [
  { path: '/v1/events', type: 'text/plain', admin: false },
  { path: '/v1/events', type: 'application/json', admin: false },
  { path: '/v1/batch', type: 'text/plain', admin: false },
  { path: '/v1/admin/projects', type: 'application/json', admin: true },
  { path: `/v1/admin/projects/${project.projectId}/keys`, type: 'application/json', admin: true },
  { path: '/v1/admin/users', type: 'application/json', admin: true },
  { path: '/v1/auth/login', type: 'application/json', admin: false },
];

function post(path: string, type: string, encoding: string, body: string | Buffer, admin: boolean) {
  return fetch(`${running.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': type,
      'content-encoding': encoding,
      'x-eventlens-csrf': '1',
      ...(admin ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {}),
    },
    body,
  });
}

it.each(['gzip', 'deflate', 'br'])(
  '%s on a body that is not compressed is a 400 on every route',
  async (encoding) => {
    for (const route of ROUTES()) {
      const response = await post(route.path, route.type, encoding, 'hello', route.admin);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect({ path: route.path, status: response.status, code: body.error.code }).toEqual({
        path: route.path,
        status: 400,
        code: 'INVALID_BODY_ENCODING',
      });
      expect(body.error.message).toContain('identity, gzip, deflate, br');
    }
  },
);

it('a truncated gzip body is a 400 too', async () => {
  const whole = gzipSync(JSON.stringify({ api_key: project.key, event_name: 'cut' }));
  const response = await post('/v1/events', 'text/plain', 'gzip', whole.subarray(0, whole.length - 8), false);
  expect(response.status).toBe(400);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe('INVALID_BODY_ENCODING');
});

it('an encoding nobody inflates is a 415 naming the accepted ones', async () => {
  const response = await post('/v1/batch', 'application/json', 'compress', 'hello', false);
  expect(response.status).toBe(415);
  const { error } = (await response.json()) as { error: { code: string; message: string } };
  expect(error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  expect(error.message).toContain('identity, gzip, deflate, br');
});

it('a body really gzipped is accepted', async () => {
  const events = gzipSync(JSON.stringify({ api_key: project.key, event_name: 'packed' }));
  expect((await post('/v1/events', 'text/plain', 'gzip', events, false)).status).toBe(202);
  const created = gzipSync(JSON.stringify({ name: 'gzipped project' }));
  expect((await post('/v1/admin/projects', 'application/json', 'gzip', created, true)).status).toBe(201);
});
