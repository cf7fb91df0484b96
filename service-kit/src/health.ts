/**
 * `/healthz` and `/readyz`, one body shape for every service (docs/CONVENTIONS.md):
 *
 *   GET /healthz → 200 `{ "status": "ok" }` while the process answers.
 *   GET /readyz  → 200 `{ "status": "ready", "checks": { "postgres": { "ok": true, "detail": "ok" } } }`
 *                  503 `{ "status": "not ready", "error": { "code": "NOT_READY",
 *                        "message": "not ready: postgres (connect ECONNREFUSED)" }, "checks": { … } }`
 *                  with `Retry-After: 1`.
 *
 * The handlers take Node's request and response, so Express mounts them (`app.get('/readyz', …)`)
 * and a plain `http` handler calls them alike.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from './http-errors';

/** One dependency's state; `detail` says why it is not ready (`ok` when it is). */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** Resolves when the dependency answers; rejects (its message is the detail) when it does not. */
export type ReadinessCheck = () => Promise<unknown> | unknown;

/** Runs named checks side by side, each bounded by `timeoutMs` (2000 by default). */
export async function runChecks(
  checks: Record<string, ReadinessCheck>,
  timeoutMs = 2000,
): Promise<CheckResult[]> {
  return Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(check),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return { name, ok: true, detail: 'ok' };
      } catch (error) {
        return { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

export interface ReadinessAnswer {
  status: 200 | 503;
  headers: Record<string, string>;
  body: {
    status: 'ready' | 'not ready';
    checks: Record<string, { ok: boolean; detail: string }>;
    error?: { code: 'NOT_READY'; message: string };
  };
}

/** The answer for a set of results: 200 when all are ok, else 503 NOT_READY naming the failing ones. */
export function readinessAnswer(results: readonly CheckResult[]): ReadinessAnswer {
  const checks = Object.fromEntries(results.map((r) => [r.name, { ok: r.ok, detail: r.detail }]));
  const failing = results.filter((r) => !r.ok);
  if (failing.length === 0) return { status: 200, headers: {}, body: { status: 'ready', checks } };
  const message = `not ready: ${failing.map((r) => `${r.name} (${r.detail})`).join(', ')}`;
  return {
    status: 503,
    headers: { 'Retry-After': '1' },
    body: { status: 'not ready', ...errorBody('NOT_READY', message), checks },
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HealthOptions {
  /** The current results: named checks (run with runChecks) or a function computing them. */
  checks: Record<string, ReadinessCheck> | (() => Promise<CheckResult[]> | CheckResult[]);
  /** Bound on each named check, 2000 ms by default. */
  checkTimeoutMs?: number;
}

/** The two handlers. Neither is cached: each request runs the checks. */
export function healthHandlers(options: HealthOptions): { healthz: Handler; readyz: Handler } {
  const results = () =>
    typeof options.checks === 'function'
      ? Promise.resolve(options.checks())
      : runChecks(options.checks, options.checkTimeoutMs);
  return {
    healthz: (_req, res) => sendJson(res, 200, { status: 'ok' }),
    readyz: (_req, res) => {
      void results().then(
        (r) => {
          const answer = readinessAnswer(r);
          sendJson(res, answer.status, answer.body, answer.headers);
        },
        (error: unknown) => {
          const answer = readinessAnswer([{ name: 'checks', ok: false, detail: String(error) }]);
          sendJson(res, answer.status, answer.body, answer.headers);
        },
      );
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent) return;
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(JSON.stringify(body));
}
