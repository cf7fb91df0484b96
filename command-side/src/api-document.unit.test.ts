/**
 * The OpenAPI document against the app itself: every route the Express app serves is in the
 * document and nothing else is (a route mounted without its declaration fails here), the app
 * serves the document, and the checked-in copy (openapi.json) is up to date. The app is built with
 * plain fakes: no request reaches them.
 */
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@eventlens/service-kit';
import { createKeyDirectory } from './admin/directory';
import { commandSideDocument } from './api-document';
import { checkedInDocument, documentFileContent } from './api-document-file';
import { createApp } from './app';
import { createMetrics } from './http/metrics';

function buildApp(): Express {
  const common = {
    directory: createKeyDirectory(),
    appender: { append: async () => {} },
    codec: { encode: () => Buffer.alloc(0) },
    notReady: () => undefined,
    catchUp: async () => undefined,
    now: () => 0,
    newId: () => '00000000-0000-4000-8000-000000000000',
  };
  return createApp({
    ingest: {
      ...common,
      limiter: { take: async () => ({ ok: true }) },
      eventsTopic: 'events',
    },
    admin: {
      ...common,
      adminTopic: 'admin',
      auth: { sessionSecret: 'a session secret of the test', adminToken: undefined },
    },
    metrics: createMetrics({ defaultMetrics: false }),
    checks: () => [],
    logger: silentLogger,
  });
}

interface StackLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: StackLayer[] };
  slash: boolean;
}

/**
 * `METHOD /path` of every route in Express's router stack, in OpenAPI's path form. Routers are
 * followed when mounted at the root; under a prefix their paths could not be told from here.
 * CORS preflights (OPTIONS) are the cors middleware's, not operations of the API.
 */
function servedRoutes(stack: StackLayer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const paths = [layer.route.path].flat();
      return Object.keys(layer.route.methods)
        .filter((method) => method !== 'options')
        .flatMap((method) =>
          paths.map((path) => `${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`),
        );
    }
    if (layer.handle.stack) {
      if (!layer.slash) throw new Error('a router mounted under a prefix: follow its prefix here');
      return servedRoutes(layer.handle.stack);
    }
    return [];
  });
}

const documented = () =>
  Object.entries(commandSideDocument().paths ?? {}).flatMap(([path, item]) =>
    Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`),
  );

describe('the OpenAPI document', () => {
  const app = buildApp();
  const servers: Array<{ close(): void }> = [];
  afterAll(() => servers.forEach((server) => server.close()));

  it('lists exactly the routes the app serves', () => {
    const served = servedRoutes((app as unknown as { router: { stack: StackLayer[] } }).router.stack);
    expect(served).toContain('POST /v1/admin/projects/{project_id}/keys');
    expect(new Set(served).size).toBe(served.length);
    expect([...served].sort()).toEqual([...documented()].sort());
  });

  it('would see a route mounted without its declaration', () => {
    const other = buildApp();
    other.delete('/v1/admin/undocumented/:id', (_req, res) => res.end());
    const served = servedRoutes((other as unknown as { router: { stack: StackLayer[] } }).router.stack);
    expect(served).toContain('DELETE /v1/admin/undocumented/{id}');
    expect(documented()).not.toContain('DELETE /v1/admin/undocumented/{id}');
  });

  it('is OpenAPI 3.0 with a schema for every body and success answer, served at GET /v1/openapi.json', async () => {
    const document = commandSideDocument();
    expect(document.openapi).toBe('3.0.3');
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const [method, operation] of Object.entries(item as Record<string, OperationLike>)) {
        const key = `${method.toUpperCase()} ${path}`;
        const success = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'));
        expect(success, key).toHaveLength(1);
        const [status, answer] = success[0]!;
        if (status !== '204') expect(answer.content, key).toBeDefined();
        if (['post', 'put', 'patch'].includes(method) && operation.requestBody) {
          expect(Object.keys(operation.requestBody.content), key).toContain('application/json');
        }
      }
    }

    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    const response = await fetch(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/openapi.json`,
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(document)));
  });
});

describe('the checked-in openapi.json', () => {
  it('is the document the routes declare now (npm run openapi -w command-side rewrites it)', async () => {
    expect(await checkedInDocument()).toBe(await documentFileContent());
  });
});

interface OperationLike {
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { content?: unknown }>;
}
