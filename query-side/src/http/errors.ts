/**
 * One error shape for every response (docs/CONVENTIONS.md): `{ error: { code, message, fields? } }`.
 * Handlers throw `ApiError`; `errorHandler` is the only place that turns anything into a response,
 * so nothing ever answers with a stack trace.
 */
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';

export type ErrorCode =
  | 'INVALID_JSON'
  | 'INVALID_FIELD'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'READ_MODEL_UNAVAILABLE'
  | 'INTERNAL';

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
}

function classify(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof z.ZodError) return fromZodError(error);
  const e = error as HttpishError;
  // body-parser's errors (express.json)
  if (e?.type === 'entity.parse.failed') return new ApiError(400, 'INVALID_JSON', 'body is not valid JSON');
  if (e?.type === 'entity.too.large') return new ApiError(413, 'PAYLOAD_TOO_LARGE', 'body is too large');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding');
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

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let apiError = classify(error);
    if (!apiError) {
      if (isUnavailable(error)) {
        logger.error('read models unavailable', { path: req.path, error: describe(error) });
        apiError = new ApiError(
          503,
          'READ_MODEL_UNAVAILABLE',
          'the read models cannot be queried right now',
          undefined,
          2,
        );
      } else {
        logger.error('unexpected error', { path: req.path, error: describe(error) });
        apiError = new ApiError(500, 'INTERNAL', 'internal error');
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

export function describe(error: unknown): string {
  if (error instanceof Error)
    return `${error.name}: ${error.message}${error.stack ? `\n${error.stack}` : ''}`;
  return String(error);
}
