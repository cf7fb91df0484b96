/** /healthz and /readyz (the service kit's, one shape for every service), and /metrics. */
import { healthHandlers, type CheckResult } from '@eventlens/service-kit';
import { Router } from 'express';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { defineRoute, mount, type RouteDoc } from './openapi';

/** One dependency's state, computed by the command side itself (kafka, registry, admin directory). */
export type ReadinessCheck = CheckResult;

/** The kit's readiness body (service-kit/src/health.ts), for the document. */
const Readiness = z.object({
  status: z.enum(['ready', 'not ready']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string() })),
  error: z.object({ code: z.literal('NOT_READY'), message: z.string() }).optional(),
});

export const HEALTH_ROUTES = {
  healthz: defineRoute({
    method: 'get',
    path: '/healthz',
    tag: 'operations',
    summary: 'The process is up',
    security: [],
    responses: { 200: { description: 'Up.', schema: z.object({ status: z.literal('ok') }) } },
    errors: {},
  }),
  readyz: defineRoute({
    method: 'get',
    path: '/readyz',
    tag: 'operations',
    summary: 'Kafka, the schema registry and the admin directory are ready',
    security: [],
    responses: {
      200: { description: 'Ready.', schema: Readiness },
      503: {
        description: 'A dependency is not ready; `error.message` and `checks` name it.',
        schema: Readiness,
      },
    },
    errors: {},
  }),
  metrics: defineRoute({
    method: 'get',
    path: '/metrics',
    tag: 'operations',
    summary: 'Prometheus metrics',
    security: [],
    responses: {
      200: { description: 'Text exposition format.', schema: z.string(), contentType: 'text/plain' },
    },
    errors: {},
  }),
} satisfies Record<string, RouteDoc>;

export interface HealthOptions {
  checks: () => ReadinessCheck[];
  registry: Registry;
  /** The text /metrics answers; `registry`'s own by default (a cluster worker gathers every worker's). */
  scrape?: () => Promise<string>;
}

export function healthRouter(options: HealthOptions): Router {
  const router = Router();
  const { healthz, readyz } = healthHandlers({ checks: options.checks });
  mount(router, HEALTH_ROUTES.healthz, healthz);
  mount(router, HEALTH_ROUTES.readyz, readyz);
  const scrape = options.scrape ?? (() => options.registry.metrics());
  mount(router, HEALTH_ROUTES.metrics, async (_req, res) => {
    const text = await scrape();
    res.set('Content-Type', options.registry.contentType).send(text);
  });
  return router;
}
