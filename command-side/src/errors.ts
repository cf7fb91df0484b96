/**
 * HTTP errors: a stable code, a status, a message a caller can act on, and for validation the
 * fields at fault. One middleware (`http/error-middleware.ts`) turns anything thrown into this shape.
 */
import { formatPath } from '@eventlens/contracts';
import type { FieldError } from '@eventlens/service-kit';
import type { z } from 'zod';

/** Every code this service answers with (docs/CONVENTIONS.md lists them from here). */
export const ERROR_CODES = [
  'INVALID_JSON',
  'INVALID_FIELD',
  'INVALID_BODY_ENCODING',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'RATE_LIMITED',
  'LOG_UNAVAILABLE',
  'NOT_READY',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'INVALID_JSON':
    case 'INVALID_FIELD':
    case 'INVALID_BODY_ENCODING':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'NOT_FOUND':
      return 404;
    case 'METHOD_NOT_ALLOWED':
      return 405;
    case 'CONFLICT':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'RATE_LIMITED':
      return 429;
    case 'INTERNAL':
      return 500;
    case 'LOG_UNAVAILABLE':
    case 'NOT_READY':
      return 503;
    default: {
      const unreachable: never = code;
      throw new Error(`unknown error code ${String(unreachable)}`);
    }
  }
}

/** A field at fault: its dotted path and what is wrong (the service kit's shape). */
export type { FieldError };

export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { fields?: FieldError[]; retryAfterS?: number } = {},
  ) {
    super(message);
    this.status = statusOf(code);
  }
}

const MAX_FIELDS = 50;

/** Field errors from Zod issues: the dotted path and Zod's message; an unknown key is named itself. */
export function fieldErrors(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): FieldError[] {
  const fields: FieldError[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        fields.push({ field: dotted([...path, key]), message: 'is not a known field' });
    } else if (issue.code === 'invalid_union' && issue.message === 'Invalid input') {
      // Zod's default: each alternative's complaint. A union with its own message says it whole.
      const alternatives = [...new Set(issue.errors.flat().map((sub) => sub.message))];
      fields.push({ field: dotted(path), message: `Invalid input: ${alternatives.join(', or ')}` });
    } else {
      fields.push({ field: dotted(path), message: issue.message });
    }
  }
  // A rule checked twice (a bound inside a union and again after it) is told once.
  const told = new Set<string>();
  return fields
    .filter((f) => !told.has(`${f.field}\n${f.message}`) && told.add(`${f.field}\n${f.message}`))
    .slice(0, MAX_FIELDS);
}

export function invalidFields(fields: FieldError[]): HttpError {
  const shown = fields.slice(0, 5).map((f) => `${f.field}: ${f.message}`);
  const more = fields.length > shown.length ? ` (and ${fields.length - shown.length} more)` : '';
  return new HttpError('INVALID_FIELD', `${shown.join('; ')}${more}`, { fields });
}

/** `events[3].metadata.x`: the same field names as the body parser's (contracts' formatPath). */
function dotted(path: readonly PropertyKey[]): string {
  return formatPath(path);
}

/** Parses a request body with a contract schema; a failure is a 400 naming each field at fault. */
export function validate<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalidFields([{ field: 'body', message: 'must be a JSON object' }]);
  }
  const result = schema.safeParse(input);
  if (!result.success) throw invalidFields(fieldErrors(result.error.issues));
  return result.data;
}
