/**
 * The console's one origin: the built SPA, both APIs under /api, the SDK's demo page under /demo/,
 * and health checks. Serving everything from one origin keeps the session cookie first-party
 * (SameSite=Strict, httpOnly) and spares the browser any CORS.
 *
 *   /api/query/*    → query side   (reads, console login)
 *   /api/command/*  → command side (admin commands; ingestion for snippets on this origin)
 *                     both only under /v1/ and /api/: a service's /metrics, /healthz and /readyz are
 *                     not reachable from this origin
 *   POST /v1/events, /v1/batch → command side (the demo page's SDK sends to this origin's root)
 *   /demo/, /eventlens.min.js, /demo.js → sdk/serve.js's createDemoHandler
 *   /config.json    → what the SPA needs to know about this install (the demo write key)
 *   /healthz, /readyz, /metrics (Prometheus)
 *   anything else   → dist/, falling back to index.html
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createApiProxy } from './proxy';
import { createStaticHandler } from './static';
import { errorBody } from './errors';
import { healthHandlers, sendMetrics, type CheckResult, type Logger } from '@eventlens/service-kit';
import type { ConsoleMetrics } from './metrics';

/** sdk/serve.js's handler: true when it answered. */
export type DemoHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface ConsoleServerDeps {
  distDir: string;
  queryUrl: string;
  ingestUrl: string;
  /** The demo page, or why there is none (shown at /demo/). */
  demo: DemoHandler | { unavailable: string };
  /** The demo project's write key, public by nature, offered to the Setup view. */
  demoApiKey: string | undefined;
  logger: Logger;
  /** The proxies in front whose forwarding headers name the client (EVENTLENS_CONSOLE_TRUST_PROXY). */
  trustedProxies?: readonly string[];
  fetch?: typeof fetch;
  /** Counts every request and serves /metrics; no /metrics without it. */
  metrics?: ConsoleMetrics;
}

export interface ConsoleHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  close(): void;
}

/** Where ingestion lives on this origin, for snippets pasted into other sites. */
export const INGEST_PATH = '/api/command';

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function stripPrefix(url: string, prefix: string): string {
  const rest = url.slice(prefix.length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/**
 * What the proxies pass on: the APIs' own routes, `/v1/…` and `/api/…` (the Stats API, Plausible's
 * Events API). Not the services' operational paths (`/metrics`, `/healthz`, `/readyz`): those are
 * for Prometheus and the orchestrator on the services' own ports, and this origin is the public one
 * (the Ingress sends it everything but the ingestion and Stats API paths).
 */
export function isApiPath(upstreamPath: string): boolean {
  return upstreamPath.startsWith('/v1/') || upstreamPath.startsWith('/api/');
}

export function createConsoleHandler(deps: ConsoleServerDeps): ConsoleHandler {
  const doFetch = deps.fetch ?? fetch;
  const proxied = { logger: deps.logger, trustedProxies: deps.trustedProxies ?? [] };
  const query = createApiProxy({ name: 'query API', target: deps.queryUrl, ...proxied });
  const command = createApiProxy({ name: 'command API', target: deps.ingestUrl, ...proxied });
  const serveStatic = createStaticHandler({ root: deps.distDir });

  async function check(name: string, url: string): Promise<CheckResult> {
    try {
      const res = await doFetch(url, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      return { name, ok: res.ok, detail: res.ok ? 'ok' : `HTTP ${res.status}` };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      return { name, ok: false, detail: cause };
    }
  }

  // The service kit's /healthz and /readyz; ready when the query API answers its own /readyz: the
  // pages and dashboards (the public ones too) read it. Not the command side: when Kafka is down it is
  // not ready, and a console taken out of its Service then would take the read-only dashboards with it.
  const health = healthHandlers({
    checks: () => Promise.all([check('query', `${deps.queryUrl}/readyz`)]),
  });

  function demo(req: IncomingMessage, res: ServerResponse, upstreamUrl: string): void {
    if ('unavailable' in deps.demo) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(`The demo page is unavailable: ${deps.demo.unavailable}\n`);
      return;
    }
    req.url = upstreamUrl;
    if (!deps.demo(req, res)) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
    }
  }

  const handler = ((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const pathname = url.split('?')[0]!;
    deps.metrics?.observe(req, res);

    if (pathname === '/healthz') return health.healthz(req, res);
    if (pathname === '/metrics' && deps.metrics) {
      // Prometheus scrapes the pod's port directly; a request a proxy forwarded (the Ingress adds
      // X-Forwarded-For) came from the public side of this origin, which is not told the figures.
      if (req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined) {
        return json(res, 404, errorBody('NOT_FOUND', 'no /metrics through a proxy: scrape the port itself'));
      }
      return void sendMetrics(deps.metrics.registry, res);
    }
    if (pathname === '/readyz') return health.readyz(req, res);
    for (const [prefix, api] of [
      ['/api/query', query],
      ['/api/command', command],
    ] as const) {
      if (pathname !== prefix && !pathname.startsWith(`${prefix}/`)) continue;
      const upstream = stripPrefix(url, prefix);
      if (isApiPath(upstream.split('?')[0]!)) return api.forward(req, res, upstream);
      return json(res, 404, errorBody('NOT_FOUND', `no API under ${pathname}`));
    }
    if (
      (pathname === '/v1/events' || pathname === '/v1/batch') &&
      (req.method === 'POST' || req.method === 'OPTIONS')
    ) {
      return command.forward(req, res, url);
    }
    if (pathname.startsWith('/api/')) {
      return json(res, 404, errorBody('NOT_FOUND', `no API under ${pathname}`));
    }
    if (pathname === '/config.json') {
      return json(res, 200, { demoWriteKey: deps.demoApiKey ?? null, ingestPath: INGEST_PATH });
    }
    if (pathname === '/demo') {
      res.writeHead(308, { Location: `/demo/${url.slice('/demo'.length)}` });
      res.end();
      return;
    }
    if (pathname.startsWith('/demo/')) return demo(req, res, stripPrefix(url, '/demo'));
    // The demo page loads its scripts from the root of the origin it is served from.
    if (pathname === '/eventlens.min.js' || pathname === '/demo.js') return demo(req, res, url);

    serveStatic(req, res, pathname).catch((error: unknown) => {
      deps.logger.error('static file failed', { path: pathname, error: String(error) });
      if (!res.headersSent) json(res, 500, errorBody('INTERNAL', 'internal error'));
      else res.destroy();
    });
  }) as ConsoleHandler;

  handler.close = () => {
    query.close();
    command.close();
  };
  return handler;
}
