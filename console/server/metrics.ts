/**
 * Prometheus metrics of the console server: Node's process metrics and the shared HTTP metrics
 * (service-kit), on a registry of its own. The console proxies both APIs; what those answer is
 * counted again here under `/api/query` and `/api/command`, which shows the proxy's own errors
 * (502, 504) apart from the APIs'.
 */
import { createMetricsRegistry, httpMetrics, type Registry } from '@eventlens/service-kit';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ConsoleMetrics {
  registry: Registry;
  /** Call first for every request: counts and times it when its answer finishes. */
  observe(req: IncomingMessage, res: ServerResponse): void;
}

/** The few route labels the console answers under; anything else is the SPA's static files. */
export function consoleRouteOf(url: string | undefined): string {
  const pathname = (url ?? '/').split('?')[0]!;
  if (['/healthz', '/readyz', '/metrics', '/config.json', '/v1/events', '/v1/batch'].includes(pathname)) {
    return pathname;
  }
  for (const prefix of ['/api/query', '/api/command', '/demo']) {
    if (pathname === prefix || pathname.startsWith(`${prefix}/`)) return prefix;
  }
  if (pathname.startsWith('/api/')) return 'unmatched';
  return 'static';
}

export function createConsoleMetrics(options: { defaultMetrics?: boolean } = {}): ConsoleMetrics {
  const registry = createMetricsRegistry(options);
  // Read at the start: the demo handler rewrites req.url before the answer finishes.
  const routes = new WeakMap<IncomingMessage, string>();
  const observeHttp = httpMetrics(registry, { routeOf: (req) => routes.get(req) ?? 'unmatched' });
  return {
    registry,
    observe(req, res) {
      routes.set(req, consoleRouteOf(req.url));
      observeHttp(req, res);
    },
  };
}
