/**
 * One error shape for every response (docs/CONVENTIONS.md): `{ error: { code, message, fields? } }`.
 * Handlers throw `ApiError`; `errorHandler` is the only place that turns anything into a response,
 * so nothing ever answers with a stack trace.
 */
import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';

/** Every code this service answers with (docs/CONVENTIONS.md lists them from here). */
export const ERROR_CODES = [
  'INVALID_JSON',
  'INVALID_FIELD',
  'INVALID_BODY_ENCODING',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'READ_MODEL_UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldError {
  field: string;
  message: string;
}

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
  return new ApiError(400, 'INVALID_FIELD', `${field}: ${message}`, [{ field, message }]);
}

export function notFound(what: string): ApiError {
  return new ApiError(404, 'NOT_FOUND', `${what} not found`);
}

export function unauthorized(message: string): ApiError {
  return new ApiError(401, 'UNAUTHORIZED', message);
}

/** A Zod failure as a 400 naming each field (an unknown parameter is named too). */
export function fromZodError(error: z.ZodError): ApiError {
  const fields: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        fields.push({ field: [...issue.path, key].join('.'), message: 'unknown parameter' });
      }
      continue;
    }
    fields.push({ field: issue.path.join('.') || '(root)', message: issue.message });
  }
  const message = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return new ApiError(400, 'INVALID_FIELD', message, fields);
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

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** SQLSTATE classes and client errors that mean "the database cannot answer now", not a bug. */
function isUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown };
  if (e?.name === 'KnexTimeoutError') return true;
  const code = typeof e?.code === 'string' ? e.code : '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE'].includes(code) ||
    code.startsWith('08') || // connection exception
    code.startsWith('53') || // insufficient resources (too many connections)
    code.startsWith('57') || // operator intervention: statement timeout, shutdown
    code === '42P01' || // undefined table: the projections have not created the read models yet
    code === '3F000' || // undefined schema: idem
    code === '42501' // the reader role has not been granted the read models
  );
}

interface HttpishError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  expose?: unknown;
  code?: unknown;
}

/** What body-parser inflates (Node 20 has no zstd); anything else is a 415. */
export const ACCEPTED_BODY_ENCODINGS = ['identity', 'gzip', 'deflate', 'br'] as const;
const acceptedEncodings = ACCEPTED_BODY_ENCODINGS.join(', ');

/**
 * A body that says it is compressed and is not: body-parser passes zlib's error on as a 400 with
 * no `type` (its own errors all have one). zlib's codes are Z_* (gzip, deflate) and ERR_* (brotli).
 */
function isInflateFailure(error: unknown, contentEncoding: string | undefined): boolean {
  const e = error as HttpishError;
  if (e?.type !== undefined || Number(e?.status) !== 400) return false;
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity') return false;
  return typeof e.code === 'string' && /^(Z_|ERR_)/.test(e.code);
}

function classify(error: unknown, contentEncoding: string | undefined): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof z.ZodError) return fromZodError(error);
  const e = error as HttpishError;
  // body-parser's errors (express.json)
  if (e?.type === 'entity.parse.failed') return new ApiError(400, 'INVALID_JSON', 'body is not valid JSON');
  if (e?.type === 'entity.too.large') return new ApiError(413, 'PAYLOAD_TOO_LARGE', 'body is too large');
  if (e?.type === 'encoding.unsupported') {
    return new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `unsupported Content-Encoding; accepted: ${acceptedEncodings}`,
    );
  }
  if (e?.type === 'charset.unsupported') {
    return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'unsupported body charset; send utf-8');
  }
  if (isInflateFailure(error, contentEncoding)) {
    return new ApiError(
      400,
      'INVALID_BODY_ENCODING',
      `the body is not valid ${String(contentEncoding).trim().toLowerCase()} data; accepted Content-Encoding: ${acceptedEncodings}`,
    );
  }
  const status = Number(e?.status ?? e?.statusCode);
  // Other client errors raised by Express itself (a malformed %-escape in the path, …).
  if (status === 404) return new ApiError(404, 'NOT_FOUND', 'no such route');
  if (status >= 400 && status < 500) {
    const message =
      error instanceof URIError || /decode/i.test(String((error as Error)?.message))
        ? 'the URL is not valid percent-encoding'
        : 'malformed request';
    return new ApiError(400, 'INVALID_FIELD', message);
  }
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

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let apiError = classify(error, req.headers['content-encoding']);
    if (!apiError) {
      if (isClientDataError(error)) {
        // Never the statement or its values: both may hold what the client sent.
        logger.info('query refused a parameter', { path: req.path, sqlstate: sqlState(error) });
        apiError = new ApiError(400, 'INVALID_FIELD', 'a parameter has a value the read models cannot use');
      } else if (isUnavailable(error)) {
        logger.error('read models unavailable', { path: req.path, error: describeSafely(error) });
        apiError = new ApiError(
          503,
          'READ_MODEL_UNAVAILABLE',
          'the read models cannot be queried right now',
          undefined,
          2,
        );
      } else {
        const errorId = randomUUID();
        logger.error('unexpected error', { errorId, path: req.path, error: describeSafely(error) });
        apiError = new ApiError(500, 'INTERNAL', `internal error (id ${errorId})`);
      }
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (apiError.retryAfterSeconds !== undefined)
      res.setHeader('Retry-After', String(apiError.retryAfterSeconds));
    if (apiError.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="eventlens"');
    res.status(apiError.status).json({
      error: {
        code: apiError.code,
        message: apiError.message,
        ...(apiError.fields ? { fields: apiError.fields } : {}),
      },
    });
  };
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
