/**
 * CORS. The console is served from the same origin (a reverse proxy), so credentialed
 * cross-origin requests get no CORS headers at all: a page elsewhere cannot read data with the
 * user's cookie. Requests that authenticate with a read key in the Authorization header are
 * allowed from any origin, without credentials (`*` never allows cookies): the read routes
 * (`GET /v1/…`) and the Stats API (`POST /api/v2/query`, `/api/v2/funnel`), whose JSON body makes
 * a browser send a preflight asking for `Content-Type` as well.
 */
import type { RequestHandler } from 'express';

export interface CorsOptions {
  /**
   * The method a read-key request to `path` may use from any origin (`GET` for the read routes,
   * `POST` for the Stats API), or undefined where no cross-origin request is allowed.
   */
  openMethod(path: string): 'GET' | 'POST' | undefined;
}

/** The headers a preflight may ask for, by method: the key, and the JSON body's type with a POST. */
const ALLOWED_HEADERS = { GET: ['authorization'], POST: ['authorization', 'content-type'] } as const;

export function cors(options: CorsOptions): RequestHandler {
  return (req, res, next) => {
    const method = req.get('origin') ? options.openMethod(req.path) : undefined;
    if (method === undefined) {
      next();
      return;
    }
    if (req.method === 'OPTIONS') {
      const allowed: readonly string[] = ALLOWED_HEADERS[method];
      const requested = (req.get('access-control-request-headers') ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean);
      // Only the allowed headers may be sent cross-origin; anything else is refused by omission.
      if (
        req.get('access-control-request-method') === method &&
        requested.every((h) => allowed.includes(h))
      ) {
        res.setHeader('Access-Control-Allow-Origin', '*');
        res.setHeader('Access-Control-Allow-Methods', method);
        res.setHeader('Access-Control-Allow-Headers', allowed.map(titleCase).join(', '));
        res.setHeader('Access-Control-Max-Age', '600');
      }
      res.status(204).end();
      return;
    }
    if (req.get('authorization') !== undefined) res.setHeader('Access-Control-Allow-Origin', '*');
    next();
  };
}

/** `content-type` → `Content-Type`, as the headers are usually written (browsers compare them case-blind). */
function titleCase(header: string): string {
  return header.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
