/** /healthz and /readyz (the service kit's, one shape for every service), and /metrics. */
import { healthHandlers, type CheckResult } from '@eventlens/service-kit';
import { Router } from 'express';
import type { Registry } from 'prom-client';

/** One dependency's state, computed by the command side itself (kafka, registry, admin directory). */
export type ReadinessCheck = CheckResult;

export function healthRouter(options: { checks: () => ReadinessCheck[]; registry: Registry }): Router {
  const router = Router();
  const { healthz, readyz } = healthHandlers({ checks: options.checks });
  router.get('/healthz', healthz);
  router.get('/readyz', readyz);
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', options.registry.contentType).send(await options.registry.metrics());
  });
  return router;
}
