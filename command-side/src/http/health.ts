/** /healthz (the process answers), /readyz (each dependency, 503 naming those that are not ready), /metrics. */
import { Router } from 'express';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export function healthRouter(options: { checks: () => ReadinessCheck[]; registry: Registry }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    const checks = options.checks();
    const failing = checks.filter((check) => !check.ok);
    const body = { checks: Object.fromEntries(checks.map((c) => [c.name, { ok: c.ok, detail: c.detail }])) };
    if (failing.length === 0) {
      res.json({ status: 'ready', ...body });
    } else {
      res
        .status(503)
        .set('Retry-After', '1')
        .json({
          status: 'not ready',
          error: {
            code: 'NOT_READY',
            message: `not ready: ${failing.map((c) => `${c.name} (${c.detail})`).join(', ')}`,
          },
          ...body,
        });
    }
  });
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', options.registry.contentType).send(await options.registry.metrics());
  });
  return router;
}
