/**
 * One place where anything thrown becomes an HTTP answer in the shared error shape
 * (CONVENTIONS.md). Known failures keep their code; anything else is a 500 with a generic message
 * and an id to find the full error in the server's log. Never a stack trace in a response.
 */
import { CodecError } from '@eventlens/contracts';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { HttpError } from '../errors';
import { LogError } from '../log/appender';
import { ERROR_CODE_LOCAL } from './metrics';
import {
  bodyParserError,
  createErrorHandler,
  pathDecodeError,
  unroutedHandler,
  type Logger,
} from '@eventlens/service-kit';

/**
 * Maps a thrown value to an HttpError; `undefined` means unexpected (a bug, or a failure nobody named).
 * `req` tells a body that failed to inflate from other unreadable bodies.
 */
export function toHttpError(error: unknown, req?: Pick<Request, 'headers'>): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof LogError) {
    switch (error.code) {
      case 'LOG_UNAVAILABLE':
        return new HttpError('LOG_UNAVAILABLE', 'the event log is unavailable; retry later', {
          retryAfterS: error.retryAfterS ?? 1,
        });
      case 'APPEND_TIMEOUT':
        // Kafka may yet have written what it did not confirm in time: the retry is what keeps it exact.
        return new HttpError(
          'LOG_UNAVAILABLE',
          'the event log did not confirm the append in time, and may have written it: retry later with the same event_id (an event appended twice counts once)',
          { retryAfterS: error.retryAfterS ?? 1 },
        );
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
  const body = bodyParserError(error, req?.headers['content-encoding']) ?? pathDecodeError(error);
  return body ? new HttpError(body.code, body.message) : undefined;
}

export function errorMiddleware(logger: Pick<Logger, 'info' | 'warn' | 'error'>): ErrorRequestHandler {
  return createErrorHandler({
    classify: (error, req) => {
      const mapped = toHttpError(error, req);
      return (
        mapped && { ...mapped.options, status: mapped.status, code: mapped.code, message: mapped.message }
      );
    },
    logger,
    // Do not read the rest of an oversized upload just to throw it away.
    headers: (answer): Record<string, string> => (answer.status === 413 ? { Connection: 'close' } : {}),
    // For the ingestion refusal counter (http/metrics.ts), which reads it when the answer finishes.
    onAnswer: (answer, res) => {
      (res as Response).locals[ERROR_CODE_LOCAL] = answer.code;
    },
  });
}

/**
 * After every route: a method the path does not take is a 405 METHOD_NOT_ALLOWED with `Allow`
 * (read from the app's router by the kit), any other request that no route took a 404 NOT_FOUND.
 */
export const notFoundHandler: RequestHandler = unroutedHandler({
  notFound: (req) => new HttpError('NOT_FOUND', `no route for ${req.method} ${req.path}`),
  methodNotAllowed: (message) => new HttpError('METHOD_NOT_ALLOWED', message),
});
