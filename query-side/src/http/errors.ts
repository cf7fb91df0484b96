/**
 * One error shape for every response (docs/CONVENTIONS.md, the service kit's):
 * `{ error: { code, message, fields? } }`. Handlers throw `ApiError`; `errorHandler` (on the kit's
 * handler base) is the only place that turns anything into a response, so nothing ever answers with
 * a stack trace.
 */
import {
  bodyParserError,
  pathDecodeError,
  createErrorHandler,
  type FieldError,
  type Logger as KitLogger,
} from '@eventlens/service-kit';
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';

export type { FieldError };

/** Every code this service answers with (docs/CONVENTIONS.md lists them from here). */
export const ERROR_CODES = [
  'INVALID_JSON',
  'INVALID_FIELD',
  'INVALID_BODY_ENCODING',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'RATE_LIMITED',
  'READ_MODEL_UNAVAILABLE',
  'QUERY_TIMEOUT',
  'NOT_READY',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly fields?: FieldError[],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export function invalidField(field: string, message: string): ApiError {
  return invalidFields([{ field, message }]);
}

/** A 400 naming each field, its message `field: message; …`. */
export function invalidFields(fields: FieldError[]): ApiError {
  const message = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return new ApiError(400, 'INVALID_FIELD', message, fields);
}

export function notFound(what: string): ApiError {
  return new ApiError(404, 'NOT_FOUND', `${what} not found`);
}

export function unauthorized(message: string): ApiError {
  return new ApiError(401, 'UNAUTHORIZED', message);
}

/** Authenticated, but this caller may not call this route (a public dashboard's grant, auth/share.ts). */
export function forbidden(message: string): ApiError {
  return new ApiError(403, 'FORBIDDEN', message);
}

/**
 * A Zod failure as a 400 naming each field (an unknown parameter is named too), once: a value that
 * breaks two checks (`1e300` for a whole number up to 1,000,000) is told the first, not both.
 */
export function fromZodError(error: z.ZodError): ApiError {
  const fields: FieldError[] = [];
  const named = new Set<string>();
  const add = (field: string, message: string) => {
    if (named.has(field)) return;
    named.add(field);
    fields.push({ field, message });
  };
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...issue.path, key].join('.'), 'unknown parameter');
      continue;
    }
    add(issue.path.join('.') || '(root)', issue.message);
  }
  return invalidFields(fields);
}

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'INVALID_FIELD' }),
      message: z.string(),
      fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({
    id: 'Error',
    description: 'Every error answer. `code` is a stable string; `fields` names bad inputs.',
  });

/** What the query side logs with: the kit's logger, or any fake with these two methods. */
export type Logger = Pick<KitLogger, 'info' | 'error'>;

/** SQLSTATE classes and client errors that mean "the database cannot answer now", not a bug. */
function isUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown };
  if (e?.name === 'KnexTimeoutError') return true;
  const code = typeof e?.code === 'string' ? e.code : '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE'].includes(code) ||
    code.startsWith('08') || // connection exception
    code.startsWith('28') || // invalid authorization: the reader's login refused (a rotated password, NOLOGIN)
    code === '3D000' || // invalid catalog name: the database is not there (yet)
    code.startsWith('53') || // insufficient resources (too many connections)
    code.startsWith('57') || // operator intervention: shutdown (a statement timeout is QUERY_TIMEOUT)
    code === '42P01' || // undefined table: the projections have not created the read models yet
    code === '3F000' || // undefined schema: idem
    code === '42501' // the reader role has not been granted the read models
  );
}

function classify(error: unknown, contentEncoding: string | undefined): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof z.ZodError) return fromZodError(error);
  const body = bodyParserError(error, contentEncoding) ?? pathDecodeError(error);
  if (body) return new ApiError(body.status, body.code, body.message, body.fields);
  const e = error as { status?: unknown; statusCode?: unknown };
  const status = Number(e?.status ?? e?.statusCode);
  // Other client errors raised by Express itself.
  if (status === 404) return new ApiError(404, 'NOT_FOUND', 'no such route');
  if (status >= 400 && status < 500) return new ApiError(400, 'INVALID_FIELD', 'malformed request');
  return undefined;
}

/** A PostgreSQL error (pg's DatabaseError, passed on by knex): its five-character SQLSTATE. */
function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; severity?: unknown };
  return typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.severity === 'string'
    ? e.code
    : undefined;
}

/**
 * SQLSTATE class 22 (data exception: a value out of range, a malformed date, invalid text) can
 * only come from a value a client sent that validation let through: it is the client's mistake,
 * not the server's. Validation should catch every such value first; this is the net under it.
 */
function isClientDataError(error: unknown): boolean {
  return sqlState(error)?.startsWith('22') ?? false;
}

/** Known failures, and the database's answers that are not bugs (a client's value, an outage). */
function classifyAll(
  error: unknown,
  contentEncoding: string | undefined,
  logger: Logger,
): ApiError | undefined {
  const known = classify(error, contentEncoding);
  if (known) return known;
  if (isClientDataError(error)) {
    // Never the statement or its values: both may hold what the client sent.
    logger.info('query refused a parameter', { sqlstate: sqlState(error) });
    return new ApiError(400, 'INVALID_FIELD', 'a parameter has a value the read models cannot use');
  }
  if (sqlState(error) === '57014') {
    // query_canceled: this service's statement timeout (db.ts). The same query would time out again,
    // so no Retry-After; the fix is a smaller question or a longer timeout.
    logger.info('query ran past the statement timeout', {});
    return new ApiError(
      503,
      'QUERY_TIMEOUT',
      "the query ran past the query API's statement timeout (EVENTLENS_QUERY_STATEMENT_TIMEOUT_MS): " +
        'narrow the date range or the filters, or raise the timeout',
    );
  }
  if (isUnavailable(error)) {
    logger.error('read models unavailable', { error: describeSafely(error) });
    return new ApiError(
      503,
      'READ_MODEL_UNAVAILABLE',
      'the read models cannot be queried right now',
      undefined,
      2,
    );
  }
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return createErrorHandler({
    classify: (error, req) => {
      const apiError = classifyAll(error, req.headers['content-encoding'], logger);
      return (
        apiError && {
          status: apiError.status,
          code: apiError.code,
          message: apiError.message,
          fields: apiError.fields,
          retryAfterS: apiError.retryAfterSeconds,
        }
      );
    },
    logger,
    // A database error's message may quote the statement and its values.
    describe: describeSafely,
    headers: (answer): Record<string, string> =>
      answer.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="eventlens"' } : {},
  });
}

/**
 * An error for the log without what a query carried: knex prefixes a database error's message
 * with the statement and its bound values, and PostgreSQL's own message may quote a value. A
 * database error is logged by its SQLSTATE, severity and the server routine that raised it, with
 * the stack's frames; any other error as `describe` does.
 */
export function describeSafely(error: unknown): string {
  const state = sqlState(error);
  if (state === undefined) return describe(error);
  const e = error as { severity?: unknown; routine?: unknown; stack?: unknown };
  const frames = typeof e.stack === 'string' ? e.stack.split('\n').filter((l) => /^\s+at /.test(l)) : [];
  const parts = [`database error ${state}`];
  if (typeof e.severity === 'string') parts.push(`severity ${e.severity}`);
  if (typeof e.routine === 'string') parts.push(`routine ${e.routine}`);
  return [parts.join(', '), ...frames].join('\n');
}

export function describe(error: unknown): string {
  if (error instanceof Error)
    return `${error.name}: ${error.message}${error.stack ? `\n${error.stack}` : ''}`;
  return String(error);
}
