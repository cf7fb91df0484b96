/**
 * One place where anything thrown becomes an HTTP answer in the shared error shape
 * (CONVENTIONS.md). Known failures keep their code; anything else is a 500 with a generic message
 * and an id to find the full error in the server's log. Never a stack trace in a response.
 */
import { randomUUID } from 'node:crypto';
import { CodecError } from '@eventlens/contracts';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { HttpError } from '../errors';
import { LogError } from '../log/appender';
import { ERROR_CODE_LOCAL } from './metrics';
import { describeError, type Logger } from '../logger';

/** What the body reader inflates (body-parser; Node 20 has no zstd). Anything else is a 415. */
export const ACCEPTED_BODY_ENCODINGS = ['identity', 'gzip', 'deflate', 'br'] as const;
const acceptedEncodings = ACCEPTED_BODY_ENCODINGS.join(', ');

/**
 * Maps a thrown value to an HttpError; `undefined` means unexpected (a bug, or a failure nobody named).
 * `req` tells a body that failed to inflate from other unreadable bodies.
 */
export function toHttpError(error: unknown, req?: Pick<Request, 'headers'>): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof LogError) {
    switch (error.code) {
      case 'LOG_UNAVAILABLE':
      case 'APPEND_TIMEOUT':
        return new HttpError('LOG_UNAVAILABLE', 'the event log is unavailable; retry later', {
          retryAfterS: error.retryAfterS ?? 1,
        });
      case 'CLOSED':
        return new HttpError('NOT_READY', 'the service is shutting down; retry later', { retryAfterS: 1 });
      case 'APPEND_REJECTED':
        return undefined;
      default: {
        const unreachable: never = error.code;
        return unreachable;
      }
    }
  }
  if (error instanceof CodecError) {
    if (error.transient || error.code === 'SCHEMA_NOT_REGISTERED') {
      return new HttpError('NOT_READY', 'the schema registry is not available yet; retry later', {
        retryAfterS: 1,
      });
    }
    return undefined;
  }
  const bodyError = error as { type?: unknown; status?: unknown; limit?: unknown; code?: unknown };
  const encoding = String(req?.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  // zlib's error (Z_DATA_ERROR, Z_BUF_ERROR, brotli's ERR_*), passed on by body-parser as a 400
  // without a `type` (its own errors all have one): the body says it is compressed and is not.
  if (
    bodyError?.type === undefined &&
    bodyError?.status === 400 &&
    typeof bodyError.code === 'string' &&
    /^(Z_|ERR_)/.test(bodyError.code) &&
    encoding !== 'identity'
  ) {
    return new HttpError(
      'INVALID_BODY_ENCODING',
      `the body is not valid ${encoding} data; accepted Content-Encoding: ${acceptedEncodings}`,
    );
  }
  if (typeof bodyError.type === 'string' && typeof bodyError.status === 'number') {
    switch (bodyError.type) {
      case 'entity.too.large':
        return new HttpError('PAYLOAD_TOO_LARGE', `the body is larger than ${String(bodyError.limit)} bytes`);
      case 'encoding.unsupported':
        return new HttpError(
          'UNSUPPORTED_MEDIA_TYPE',
          `Content-Encoding ${encoding} is not supported; accepted: ${acceptedEncodings}`,
        );
      case 'charset.unsupported':
        return new HttpError('UNSUPPORTED_MEDIA_TYPE', describeError(error));
      case 'request.aborted':
      case 'request.size.invalid':
      case 'stream.encoding.set':
        return new HttpError('INVALID_JSON', 'the request body could not be read completely');
    }
    if (bodyError.status >= 400 && bodyError.status < 500) {
      return new HttpError('INVALID_JSON', 'the request body could not be read');
    }
  }
  return undefined;
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    let mapped = toHttpError(error, req);
    if (!mapped) {
      const errorId = randomUUID();
      logger.error('request failed', {
        errorId,
        method: req.method,
        path: req.path,
        error: describeError(error),
        stack: error instanceof Error ? error.stack : undefined,
      });
      mapped = new HttpError('INTERNAL', `internal error (id ${errorId}); it has been logged`);
    }
    // For the ingestion refusal counter (http/metrics.ts), which reads it when the answer finishes.
    res.locals[ERROR_CODE_LOCAL] = mapped.code;
    const { fields, retryAfterS } = mapped.options;
    if (retryAfterS !== undefined) res.set('Retry-After', String(retryAfterS));
    // Do not read the rest of an oversized upload just to throw it away.
    if (mapped.status === 413) res.set('Connection', 'close');
    res.status(mapped.status).json({
      error: { code: mapped.code, message: mapped.message, ...(fields ? { fields } : {}) },
    });
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) =>
  next(new HttpError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
