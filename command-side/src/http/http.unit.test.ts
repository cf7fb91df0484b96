/** Error mapping, body reading and the admin guard, through a real Express app on a loopback port. */
import type { AddressInfo } from 'node:net';
import { CodecError, TrackEvent, issueSessionToken } from '@eventlens/contracts';
import express, { type Express } from 'express';
import { z } from 'zod';
import { afterAll, describe, expect, it } from 'vitest';
import { adminAuth, readCookie } from '../admin/auth';
import { HttpError, fieldErrors, validate } from '../errors';
import { LogError } from '../log/appender';
import { jsonBody } from './body';
import { errorMiddleware, toHttpError } from './error-middleware';
import { mount } from './openapi';

const servers: { close(): void }[] = [];
afterAll(() => servers.forEach((s) => s.close()));

async function serve(app: Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('error mapping', () => {
  it('maps each known failure to its code, status and Retry-After', () => {
    expect(toHttpError(new LogError('LOG_UNAVAILABLE', 'x', 7))).toMatchObject({
      code: 'LOG_UNAVAILABLE',
      status: 503,
      options: { retryAfterS: 7 },
    });
    expect(toHttpError(new LogError('APPEND_TIMEOUT', 'x'))).toMatchObject({
      code: 'LOG_UNAVAILABLE',
      status: 503,
      options: { retryAfterS: 1 },
    });
    // A timed-out append may have been written: the client is told so, and how a retry stays exact.
    expect(toHttpError(new LogError('APPEND_TIMEOUT', 'x'))!.message).toContain(
      'may have written it: retry later with the same event_id',
    );
    expect(toHttpError(new LogError('LOG_UNAVAILABLE', 'x'))!.message).toBe(
      'the event log is unavailable; retry later',
    );
    expect(toHttpError(new CodecError('REGISTRY_UNAVAILABLE', 'x', true))).toMatchObject({
      code: 'NOT_READY',
    });
    expect(
      toHttpError(Object.assign(new Error('big'), { type: 'entity.too.large', status: 413, limit: 5 })),
    ).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      status: 413,
    });
    expect(toHttpError(new LogError('APPEND_REJECTED', 'x'))).toBeUndefined();
    expect(toHttpError(new TypeError('bug'))).toBeUndefined();
  });

  it('names each bad field, an unknown key by its own name, and a failed union by its alternatives', () => {
    const result = TrackEvent.safeParse({ api_key: 42, event_name: '', extra: 1, timestamp: 'yesterday' });
    expect(result.success).toBe(false);
    const fields = fieldErrors(result.error!.issues);
    expect(fields.map((f) => f.field).sort()).toEqual(['api_key', 'event_name', 'extra', 'timestamp']);
    // A union with a message of its own (the contract's timestamp) says its rule whole.
    expect(fields.find((f) => f.field === 'timestamp')!.message).toBe(
      'must be an ISO 8601 date-time with Z or an offset (2024-01-31T12:00:00.000Z), or whole epoch milliseconds (1706702400000)',
    );
    // Zod's default union message lists each alternative's complaint; a rule checked twice is told once.
    const union = z.union([z.number(), z.boolean()]).safeParse('x');
    expect(fieldErrors(union.error!.issues)).toEqual([
      { field: 'body', message: expect.stringMatching(/^Invalid input: .*number.*, or .*boolean/) },
    ]);
    const early = TrackEvent.safeParse({
      api_key: 'el_0123456789abcdef',
      event_name: 'e',
      timestamp: 946684799999,
    });
    expect(fieldErrors(early.error!.issues)).toEqual([
      { field: 'timestamp', message: 'must be between 2000-01-01 and 2100-01-01' },
    ]);
    expect(() => validate(TrackEvent, [1])).toThrow(HttpError);
  });

  it('answers an unexpected error with a generic 500 and logs it, never a stack trace', async () => {
    const logged: unknown[] = [];
    const app = express();
    app.get('/boom', () => {
      throw new Error('secret detail at /srv/app.ts:12');
    });
    app.use(errorMiddleware({ info: () => {}, warn: () => {}, error: (_m, f) => logged.push(f) }));
    const response = await fetch(`${await serve(app)}/boom`);
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'INTERNAL' } });
    expect(text).not.toContain('secret');
    expect(text).not.toContain('.ts');
    expect(logged).toHaveLength(1);
  });
});

describe('paths', () => {
  it('answers a path parameter that is not valid percent-encoding with 400 INVALID_FIELD, not a 500', async () => {
    const logged: unknown[] = [];
    const app = express();
    app.post('/v1/admin/projects/:projectId/keys', (_req, res) => res.status(201).end());
    app.use(
      errorMiddleware({
        info: () => undefined,
        warn: () => undefined,
        error: (...args: unknown[]) => void logged.push(args),
      }),
    );
    const base = await serve(app);
    for (const id of ['%', '%ZZ', '%E0%A4%A', '%C0%80']) {
      const response = await fetch(`${base}/v1/admin/projects/${id}/keys`, { method: 'POST' });
      expect(response.status, id).toBe(400);
      expect(await response.json()).toEqual({
        error: {
          code: 'INVALID_FIELD',
          message:
            'the URL is not valid percent-encoding: a % must be followed by two hex digits, and they must decode to UTF-8',
        },
      });
    }
    expect((await fetch(`${base}/v1/admin/projects/%41/keys`, { method: 'POST' })).status).toBe(201);
    expect(logged).toEqual([]);
  });
});

describe('inputs a route does not take', () => {
  it('refuses a query parameter, and a body on a route without one, naming it: never ignored', async () => {
    const app = express();
    app.set('query parser', 'simple');
    const router = express.Router();
    let replays = 0;
    mount(
      router,
      {
        method: 'post',
        path: '/replay',
        tag: 'admin',
        summary: 'a route without a body',
        security: [],
        responses: { 202: { description: 'requested' } },
        errors: {},
      },
      (_req, res) => {
        replays++;
        res.status(202).end();
      },
    );
    app.use(router);
    app.use(errorMiddleware({ info: () => undefined, warn: () => undefined, error: () => undefined }));
    const base = await serve(app);
    const dryRun = await fetch(`${base}/replay?dry_run=true`, { method: 'POST' });
    expect(dryRun.status).toBe(400);
    expect(((await dryRun.json()) as { error: { fields: unknown } }).error.fields).toEqual([
      { field: 'dry_run', message: 'is not a parameter of this route: it takes none' },
    ]);
    const withBody = await fetch(`${base}/replay`, { method: 'POST', body: 'garbage' });
    expect(withBody.status).toBe(400);
    expect(((await withBody.json()) as { error: { fields: unknown } }).error.fields).toEqual([
      { field: 'body', message: 'this route takes no body: send none' },
    ]);
    expect(replays).toBe(0);
    expect((await fetch(`${base}/replay`, { method: 'POST' })).status).toBe(202);
    expect(replays).toBe(1);
  });
});

describe('JSON bodies', () => {
  const app = express();
  app.post('/in', ...jsonBody({ types: ['application/json', 'text/plain'], limitBytes: 100 }), (req, res) => {
    res.json({ got: req.body as unknown });
  });
  app.use(errorMiddleware({ info: () => {}, warn: () => {}, error: () => {} }));
  const url = serve(app).then((base) => `${base}/in`);
  const post = async (body: string, contentType?: string) => {
    const response = await fetch(await url, {
      method: 'POST',
      body,
      headers: contentType ? { 'content-type': contentType } : {},
    });
    return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
  };

  it('reads JSON sent as application/json or text/plain', async () => {
    expect(await post('{"a":1}', 'application/json')).toEqual({ status: 200, body: { got: { a: 1 } } });
    expect(await post('{"a":1}', 'text/plain;charset=UTF-8')).toEqual({
      status: 200,
      body: { got: { a: 1 } },
    });
  });

  it('answers 415, 413 and 400 INVALID_JSON with their codes', async () => {
    expect((await post('{"a":1}', 'application/x-www-form-urlencoded')).body.error?.code).toBe(
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expect((await post('{"a":1}', 'text/plain; charset=latin1')).status).toBe(415);
    expect(await post(`{"a":"${'x'.repeat(200)}"}`, 'application/json')).toMatchObject({
      status: 413,
      body: { error: { code: 'PAYLOAD_TOO_LARGE' } },
    });
    expect(await post('{"a":', 'application/json')).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_JSON' } },
    });
    expect(await post('', 'application/json')).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_JSON' } },
    });
  });
});

describe('admin guard', () => {
  const secret = 'a-session-secret-of-some-length';
  const app = express();
  app.post(
    '/admin',
    adminAuth({ sessionSecret: secret, adminToken: 'an-admin-token-long-enough' }),
    (_req, res) => {
      res.json({ ok: true });
    },
  );
  app.use(errorMiddleware({ info: () => {}, warn: () => {}, error: () => {} }));
  const url = serve(app).then((base) => `${base}/admin`);
  const status = async (headers: Record<string, string>) =>
    (await fetch(await url, { method: 'POST', headers })).status;
  const cookie = `eventlens_session=${issueSessionToken({ user_id: 'u1', email: 'a@b.c' }, secret)}`;

  it('accepts the admin token, or a session cookie with the CSRF header', async () => {
    expect(await status({ authorization: 'Bearer an-admin-token-long-enough' })).toBe(200);
    expect(await status({ cookie, 'x-eventlens-csrf': '1' })).toBe(200);
  });

  it('refuses anything else with 401', async () => {
    expect(await status({})).toBe(401);
    expect(await status({ authorization: 'Bearer wrong-token' })).toBe(401);
    expect(await status({ cookie })).toBe(401);
    expect(
      await status({
        cookie: `eventlens_session=${issueSessionToken({ user_id: 'u', email: 'e' }, 'other-secret-xxxxxxxx')}`,
        'x-eventlens-csrf': '1',
      }),
    ).toBe(401);
    expect(
      await status({
        cookie: `eventlens_session=${issueSessionToken({ user_id: 'u', email: 'e' }, secret, 0)}`,
        'x-eventlens-csrf': '1',
      }),
    ).toBe(401);
  });

  it('reads a cookie among others', () => {
    expect(readCookie('a=1; eventlens_session=abc%2Edef; b=2', 'eventlens_session')).toBe('abc.def');
    expect(readCookie('a=1', 'eventlens_session')).toBeUndefined();
  });
});
