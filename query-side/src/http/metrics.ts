/**
 * Prometheus metrics: default process metrics, requests by route and status, latency, and the
 * reader pool. Each app has its own registry (no global state), so tests can build many apps.
 */
import type { RequestHandler } from 'express';
import type { Knex } from 'knex';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { poolStats } from '../db';

export interface Metrics {
  registry: Registry;
  middleware: RequestHandler;
}

export function createMetrics(db: Knex): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'eventlens_query_http_requests_total',
    help: 'HTTP requests answered, by route template, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'eventlens_query_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route template and method.',
    labelNames: ['route', 'method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
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

  const middleware: RequestHandler = (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      // The route template, never the raw path: ids in paths would explode the label set.
      const route = typeof res.locals.route === 'string' ? res.locals.route : 'unmatched';
      const method = req.method;
      requests.inc({ route, method, status: String(res.statusCode) });
      latency.observe({ route, method }, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };

  return { registry, middleware };
}
