/**
 * JSON request bodies, read as bytes and parsed here so every failure has its own answer:
 * 415 for a content type that is not accepted, 413 beyond the size limit (checked against
 * Content-Length before reading, and while reading when there is none), 400 INVALID_JSON for
 * anything that does not parse. `text/plain` is accepted where asked: it is what
 * `navigator.sendBeacon` sends for a string body, and it needs no CORS preflight.
 *
 * Bytes that are not UTF-8 are a 400 INVALID_JSON (decoding would replace them with U+FFFD).
 * Parsing applies the contracts' exactness rule (`parseJsonExact`) to every body, for every route:
 * a body whose values could not be stored and read back exactly (a lone surrogate, NUL, the key
 * `__proto__`, a number a double does not hold, -0, nesting beyond the limit) is a 400 naming each
 * field; a key repeated with another value is a 400 INVALID_JSON naming the key. Numbers reach the
 * routes as plain numbers.
 */
import { isUtf8 } from 'node:buffer';
import { formatPath, LIMITS, parseJsonExact } from '@eventlens/contracts';
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
    if (!Buffer.isBuffer(raw) || raw.length === 0) {
      return next(new HttpError('INVALID_JSON', 'the request body is empty; send a JSON object'));
    }
    // toString would turn bytes that are not UTF-8 into U+FFFD: a value altered, not kept.
    if (!isUtf8(raw)) {
      return next(
        new HttpError('INVALID_JSON', 'the body is not valid UTF-8; send JSON text encoded as UTF-8'),
      );
    }
    let text = raw.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const parsed = parseJsonExact(text, { maxDepth: options.maxDepth ?? LIMITS.bodyMaxDepth });
    if (parsed.ok) {
      req.body = parsed.value;
      return next();
    }
    if ('syntax' in parsed) {
      const duplicate = /^Duplicate key '(.*)' encountered at position (\d+)$/s.exec(parsed.syntax);
      const message = duplicate
        ? `the body repeats the key ${JSON.stringify(duplicate[1])} with different values (at character ${duplicate[2]}); send each key once`
        : `the body is not valid JSON: ${parsed.syntax}`;
      return next(new HttpError('INVALID_JSON', message));
    }
    next(
      invalidFields(
        parsed.issues.map((issue) => ({ field: formatPath(issue.path), message: issue.message })),
      ),
    );
  };
  return [accepts, read, parse];
}

function hasBody(req: { headers: Record<string, unknown> }): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}
