/**
 * Prometheus metrics: default process metrics, the shared HTTP metrics (service-kit: requests by
 * route template and status, latency), and the reader pool. Each app has its own registry (no
 * global state), so tests can build many apps.
 */
import { createMetricsRegistry, Gauge, httpMetrics, type Registry } from '@eventlens/service-kit';
import type { RequestHandler } from 'express';
import type { Knex } from 'knex';
import { poolStats } from '../db';

export interface Metrics {
  registry: Registry;
  middleware: RequestHandler;
}

export function createMetrics(db: Knex): Metrics {
  const registry = createMetricsRegistry();
  // The route template each handler leaves in res.locals.route (http/route.ts), never the raw path.
  const middleware = httpMetrics(registry, {
    routeOf: (_req, res) => {
      const route = (res as { locals?: { route?: unknown } }).locals?.route;
      return typeof route === 'string' ? route : 'unmatched';
    },
  });
  new Gauge({
    name: 'eventlens_query_db_pool_connections',
    help: 'Reader pool connections by state (used, free, pending_acquire, pending_create).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const s = poolStats(db);
      this.set({ state: 'used' }, s.used);
      this.set({ state: 'free' }, s.free);
      this.set({ state: 'pending_acquire' }, s.pendingAcquires);
      this.set({ state: 'pending_create' }, s.pendingCreates);
    },
  });
  return { registry, middleware };
}
