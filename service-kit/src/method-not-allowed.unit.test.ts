import express, { Router } from 'express';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createErrorHandler } from './http-errors';
import {
  allowedMethods,
  methodNotAllowed,
  unroutedHandler,
  type UnroutedRequest,
} from './method-not-allowed';

const ok: express.RequestHandler = (_req, res) => void res.end();

/** An app shaped like the services': routes at the top, nested routers, a mounted middleware. */
function sampleApp() {
  const app = express();
  app.get('/healthz', ok);
  const ingest = Router();
  ingest.options('/v1/events', ok);
  ingest.post('/v1/events', ok);
  app.use(ingest);
  const admin = Router();
  admin.use('/v1/admin', (_req, _res, next) => next());
  admin.post('/v1/admin/projects', ok);
  admin.delete('/v1/admin/projects/:project_id/keys/:key_id', ok);
  app.use(admin);
  const reads = Router();
  reads.get('/v1/events', ok);
  const nested = Router();
  nested.put('/settings', ok);
  reads.use('/v1/projects/:id', nested);
  app.use(reads);
  app.post('/v1/events', ok); // a second route for the same path adds to the first
  return app;
}

describe('allowedMethods', () => {
  const app = sampleApp();

  it("lists every method of the routes that match, across nested routers, as Express's matchers match", () => {
    expect(allowedMethods(app.router, '/healthz')).toEqual(['GET', 'HEAD']);
    expect(allowedMethods(app.router, '/v1/events')).toEqual(['GET', 'HEAD', 'OPTIONS', 'POST']);
    expect(allowedMethods(app.router, '/v1/events/')).toEqual(['GET', 'HEAD', 'OPTIONS', 'POST']);
    expect(allowedMethods(app.router, '/v1/admin/projects/p1/keys/k1')).toEqual(['DELETE']);
    expect(allowedMethods(app.router, '/v1/projects/p1/settings')).toEqual(['PUT']);
  });

  it('is empty for a path no route takes, a middleware-only prefix included', () => {
    expect(allowedMethods(app.router, '/nope')).toEqual([]);
    expect(allowedMethods(app.router, '/v1/admin')).toEqual([]);
    expect(allowedMethods(app.router, '/v1/admin/projects/p1')).toEqual([]);
    expect(allowedMethods(app.router, '/v1/projects/p1/settingsx')).toEqual([]);
    expect(allowedMethods(app.router, '/v1/events/extra')).toEqual([]);
  });

  it('skips a layer whose parameter does not decode, and anything that is not a router', () => {
    expect(allowedMethods(app.router, '/v1/admin/projects/%E0/keys/k1')).toEqual([]);
    expect(allowedMethods(undefined, '/healthz')).toEqual([]);
    expect(allowedMethods({ stack: 'no' }, '/healthz')).toEqual([]);
  });
});

describe('methodNotAllowed', () => {
  it('names the method, the path and what to use instead, and gives the Allow header', () => {
    expect(methodNotAllowed('GET', '/v1/events', ['OPTIONS', 'POST'])).toEqual({
      allow: 'OPTIONS, POST',
      message: 'GET is not allowed on /v1/events; use POST',
    });
    expect(methodNotAllowed('DELETE', '/healthz', ['GET', 'HEAD'])).toEqual({
      allow: 'GET, HEAD',
      message: 'DELETE is not allowed on /healthz; use GET',
    });
    expect(methodNotAllowed('PATCH', '/x', ['DELETE', 'GET', 'HEAD', 'POST'])?.message).toBe(
      'PATCH is not allowed on /x; use DELETE, GET or POST',
    );
    expect(methodNotAllowed('GET', '/x', ['HEAD'])?.message).toBe('GET is not allowed on /x; use HEAD');
  });

  it('is no 405 for an unknown path, a path with only OPTIONS, or an OPTIONS request', () => {
    expect(methodNotAllowed('GET', '/nope', [])).toBeUndefined();
    expect(methodNotAllowed('GET', '/x', ['OPTIONS'])).toBeUndefined();
    expect(methodNotAllowed('OPTIONS', '/healthz', ['GET', 'HEAD'])).toBeUndefined();
  });
});

describe('unroutedHandler', () => {
  const handler = unroutedHandler({
    notFound: (req) => ({ code: 'NOT_FOUND', path: req.path }),
    methodNotAllowed: (message) => ({ code: 'METHOD_NOT_ALLOWED', message }),
  });
  const app = sampleApp();

  function run(method: string, path: string) {
    const headers: Record<string, string> = {};
    const res = { setHeader: (name: string, value: string) => void (headers[name] = value) };
    let passed: unknown;
    const req = { method, path, app } as unknown as UnroutedRequest;
    handler(req, res as unknown as ServerResponse, (error) => void (passed = error));
    return { passed, headers };
  }

  it('passes on the 405 with Allow set, or the 404 without', () => {
    expect(run('GET', '/v1/admin/projects')).toEqual({
      passed: { code: 'METHOD_NOT_ALLOWED', message: 'GET is not allowed on /v1/admin/projects; use POST' },
      headers: { Allow: 'POST' },
    });
    expect(run('DELETE', '/nope')).toEqual({ passed: { code: 'NOT_FOUND', path: '/nope' }, headers: {} });
    expect(run('OPTIONS', '/v1/admin/projects')).toEqual({
      passed: { code: 'NOT_FOUND', path: '/v1/admin/projects' },
      headers: {},
    });
  });

  it("ends in the error handler's shared shape with Allow; HEAD is served where GET is", async () => {
    const app = sampleApp();
    app.use(
      unroutedHandler({
        notFound: () => ({ status: 404, code: 'NOT_FOUND', message: 'no such route' }),
        methodNotAllowed: (message) => ({ status: 405, code: 'METHOD_NOT_ALLOWED', message }),
      }),
    );
    app.use(
      createErrorHandler({
        classify: (error) => error as { status: number; code: string; message: string },
        logger: { error: () => undefined },
      }),
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const refused = await fetch(`${base}/healthz`, { method: 'DELETE' });
      expect(refused.status).toBe(405);
      expect(refused.headers.get('allow')).toBe('GET, HEAD');
      expect(refused.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await refused.json()).toEqual({
        error: { code: 'METHOD_NOT_ALLOWED', message: 'DELETE is not allowed on /healthz; use GET' },
      });
      expect((await fetch(`${base}/healthz`, { method: 'HEAD' })).status).toBe(200);
      const unknown = await fetch(`${base}/nope`, { method: 'DELETE' });
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('allow')).toBeNull();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
