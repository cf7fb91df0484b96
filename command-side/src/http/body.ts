/**
 * JSON request bodies, read as bytes and parsed here so every failure has its own answer:
 * 415 for a content type that is not accepted, 413 beyond the size limit (checked against
 * Content-Length before reading, and while reading when there is none), 400 INVALID_JSON for
 * anything that does not parse. `text/plain` is accepted where asked: it is what
 * `navigator.sendBeacon` sends for a string body, and it needs no CORS preflight.
 */
import express, { type RequestHandler } from 'express';
import { HttpError } from '../errors';

export interface JsonBodyOptions {
  /** Accepted media types, e.g. ['application/json', 'text/plain']. */
  types: string[];
  limitBytes: number;
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
    let text = raw.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    try {
      req.body = JSON.parse(text) as unknown;
    } catch (error) {
      return next(new HttpError('INVALID_JSON', `the body is not valid JSON: ${(error as Error).message}`));
    }
    next();
  };
  return [accepts, read, parse];
}

function hasBody(req: { headers: Record<string, unknown> }): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}
