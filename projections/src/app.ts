/**
 * HTTP for operators only: /healthz (the process is up), /readyz (PostgreSQL and Kafka answer),
 * /metrics (Prometheus). Projections serve nothing else (DESIGN: "never serve HTTP beyond health
 * and metrics").
 */
import express, { type Express } from 'express';
import { httpMetrics, sendMetrics, type Registry } from '@eventlens/service-kit';
import { errorBody } from './errors';

export type ReadinessCheck = () => Promise<void>;

export interface AppDeps {
  /** Named dependency checks; each rejects when its dependency does not answer. */
  checks: Record<string, ReadinessCheck>;
  registry: Registry;
  checkTimeoutMs?: number;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  const timeoutMs = deps.checkTimeoutMs ?? 2000;
  app.use(
    httpMetrics(deps.registry, { routeOf: (req) => (req as express.Request).route?.path ?? 'unmatched' }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      Object.entries(deps.checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), timeoutMs, `${name} did not answer within ${timeoutMs} ms`);
          return { name, ok: true as const };
        } catch (error) {
          return {
            name,
            ok: false as const,
            message: error instanceof Error ? error.message : String(error),
          };
        }
      }),
    );
    const failing = results.filter((r) => !r.ok);
    if (failing.length === 0) {
      res.json({ status: 'ready', checks: Object.fromEntries(results.map((r) => [r.name, 'ok'])) });
      return;
    }
    res.status(503).json(
      errorBody(
        'NOT_READY',
        failing.map((r) => `${r.name}: ${'message' in r ? r.message : 'failing'}`).join('; '),
        failing.map((r) => ({ field: r.name, message: 'message' in r ? r.message : 'failing' })),
      ),
    );
  });

  app.get('/metrics', (_req, res) => void sendMetrics(deps.registry, res));

  app.use((_req, res) => {
    res.status(404).json(errorBody('NOT_FOUND', 'no such endpoint'));
  });
  return app;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
