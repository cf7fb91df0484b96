/**
 * CORS. The console is served from the same origin (a reverse proxy), so credentialed
 * cross-origin requests get no CORS headers at all: a page elsewhere cannot read data with the
 * user's cookie. Requests that authenticate with a read key in the Authorization header are
 * allowed from any origin, without credentials (`*` never allows cookies).
 */
import type { RequestHandler } from 'express';

export interface CorsOptions {
  /** Paths under which read-key requests may come from any origin. */
  isOpen(path: string): boolean;
}

export function cors(options: CorsOptions): RequestHandler {
  return (req, res, next) => {
    if (!req.get('origin') || !options.isOpen(req.path)) {
      next();
      return;
    }
    if (req.method === 'OPTIONS') {
      const requested = (req.get('access-control-request-headers') ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean);
      // Only the Authorization header may be sent cross-origin; anything else is refused by omission.
      if (
        req.get('access-control-request-method') === 'GET' &&
        requested.every((h) => h === 'authorization')
      ) {
        res.setHeader('Access-Control-Allow-Origin', '*');
        res.setHeader('Access-Control-Allow-Methods', 'GET');
        res.setHeader('Access-Control-Allow-Headers', 'Authorization');
        res.setHeader('Access-Control-Max-Age', '600');
      }
      res.status(204).end();
      return;
    }
    if (req.get('authorization') !== undefined) res.setHeader('Access-Control-Allow-Origin', '*');
    next();
  };
}
