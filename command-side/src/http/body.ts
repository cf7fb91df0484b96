/**
 * JSON request bodies, read as bytes and parsed here so every failure has its own answer:
 * 415 for a content type that is not accepted, 413 beyond the size limit (checked against
 * Content-Length before reading, and while reading when there is none), 400 INVALID_JSON for
 * anything that does not parse. `text/plain` is accepted where asked: it is what
 * `navigator.sendBeacon` sends for a string body, and it needs no CORS preflight.
 *
 * Bytes that are not UTF-8 are a 400 INVALID_JSON (decoding would replace them with U+FFFD).
 * Parsing applies the contracts' exactness rule (`parseJsonBody`, as the query side's bodies) to every body, for every route:
 * a body whose values could not be stored and read back exactly (a lone surrogate, NUL, the key
 * `__proto__`, a number a double does not hold, -0, nesting beyond the limit) is a 400 naming each
 * field; a key repeated with another value is a 400 INVALID_JSON naming the key. Numbers reach the
 * routes as plain numbers.
 */
import { formatPath, LIMITS, parseJsonBody } from '@eventlens/contracts';
import express, { type RequestHandler } from 'express';
import { HttpError, invalidFields } from '../errors';

export interface JsonBodyOptions {
  /** Accepted media types, e.g. ['application/json', 'text/plain']. */
  types: string[];
  limitBytes: number;
  /** Nesting allowed in the body; `LIMITS.bodyMaxDepth` unless said. */
  maxDepth?: number;
}

export function jsonBody(options: JsonBodyOptions): RequestHandler[] {
  const accepts: RequestHandler = (req, _res, next) => {
    const header = req.headers['content-type'];
    if (req.is(options.types) === false || (header === undefined && hasBody(req))) {
      return next(
        new HttpError(
          'UNSUPPORTED_MEDIA_TYPE',
          `Content-Type must be ${options.types.join(' or ')}${header ? `, not ${header.split(';')[0]}` : ''}`,
        ),
      );
    }
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(header ?? '')?.[1];
    if (charset && !/^utf-?8$/i.test(charset)) {
      return next(new HttpError('UNSUPPORTED_MEDIA_TYPE', `charset must be utf-8, not ${charset}`));
    }
    next();
  };
  const read = express.raw({ type: () => true, limit: options.limitBytes, inflate: true });
  const parse: RequestHandler = (req, _res, next) => {
    const raw: unknown = req.body;
    const parsed = parseJsonBody(Buffer.isBuffer(raw) ? raw : Buffer.alloc(0), {
      maxDepth: options.maxDepth ?? LIMITS.bodyMaxDepth,
    });
    if (parsed.ok) {
      req.body = parsed.value;
      return next();
    }
    if (parsed.code === 'INVALID_JSON') return next(new HttpError('INVALID_JSON', parsed.message));
    next(
      invalidFields(
        parsed.issues.map((issue) => ({ field: formatPath(issue.path), message: issue.message })),
      ),
    );
  };
  return [accepts, read, parse];
}

/** Whether the request carries a body (a length over 0, or chunks). */
export function hasBody(req: { headers: Record<string, unknown> }): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}
