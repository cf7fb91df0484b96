/**
 * The HTTP error shape of every service (docs/CONVENTIONS.md):
 * `{ "error": { "code": "INVALID_FIELD", "message": "…", "fields": [{ "field": "…", "message": "…" }] } }`,
 * never a stack trace. Each service keeps its own list of codes (`ERROR_CODES` in its errors.ts,
 * which docs/scripts/error-codes.ts reads); the kit gives the body, the body-parser failures every
 * JSON API shares, and the base of the Express error handler.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from './logger';

export interface FieldError {
  field: string;
  message: string;
}

export interface ErrorBody<C extends string = string> {
  error: { code: C; message: string; fields?: FieldError[] };
}

/** The shared body; `fields` only when given. */
export function errorBody<C extends string>(code: C, message: string, fields?: FieldError[]): ErrorBody<C> {
  return { error: { code, message, ...(fields ? { fields } : {}) } };
}

/** What a handler answers for a known failure. */
export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  fields?: FieldError[] | undefined;
  /** Sent as `Retry-After` (seconds); 429 and 503 carry it. */
  retryAfterS?: number | undefined;
}

/**
 * Express's refusal of a path whose parameter is not valid percent-encoding (`/projects/%ZZ`,
 * `%E0%A4%A`, a lone `%`): `decodeURIComponent`'s URIError, which Express marks 400 ("Failed to
 * decode param"). As a 400 INVALID_FIELD naming the URL; undefined for anything else.
 */
export function pathDecodeError(error: unknown): (ErrorAnswer & { code: 'INVALID_FIELD' }) | undefined {
  if (error instanceof MalformedQueryError) {
    const message = `is not valid percent-encoding: a % must be followed by two hex digits, and they must decode to UTF-8 (a literal % is %25)`;
    return {
      status: 400,
      code: 'INVALID_FIELD',
      message: `the query parameter ${error.parameter} ${message}`,
      fields: [{ field: error.parameter, message }],
    };
  }
  const e = error as { status?: unknown; message?: unknown };
  if (e === null || typeof e !== 'object' || e.status !== 400) return undefined;
  if (!(error instanceof URIError) && !/^Failed to decode param/.test(String(e.message))) return undefined;
  return {
    status: 400,
    code: 'INVALID_FIELD',
    message:
      'the URL is not valid percent-encoding: a % must be followed by two hex digits, and they must decode to UTF-8',
  };
}

/**
 * A query parameter that does not decode exactly. Express's query parser (node:querystring) puts
 * U+FFFD in place of bytes that are not UTF-8 and keeps a stray `%` as it is, so `user_id=%FF`
 * would look for "\uFFFD" and answer with the events that hold it: a value altered, not refused.
 * `rejectMalformedQuery` raises it before any route reads the query; `pathDecodeError` answers it.
 */
export class MalformedQueryError extends URIError {
  readonly status = 400;
  constructor(readonly parameter: string) {
    super(`the query parameter ${parameter} is not valid percent-encoding`);
  }
}

/** The first parameter of `url`'s query string that does not decode as UTF-8 (`+` is a space), or undefined. */
export function malformedQuery(url: string): MalformedQueryError | undefined {
  const start = url.indexOf('?');
  if (start < 0) return undefined;
  const decode = (text: string) => decodeURIComponent(text.replaceAll('+', ' '));
  for (const pair of url.slice(start + 1).split('&')) {
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    let key: string;
    try {
      key = decode(rawKey);
    } catch {
      return new MalformedQueryError(JSON.stringify(rawKey));
    }
    try {
      if (eq >= 0) decode(pair.slice(eq + 1));
    } catch {
      return new MalformedQueryError(key);
    }
  }
  return undefined;
}

/** Express middleware (any framework passing `url` and `next`): refuses a malformed query string (above). */
export function rejectMalformedQuery(
  req: { url: string },
  _res: unknown,
  next: (error?: unknown) => void,
): void {
  next(malformedQuery(req.url));
}

/** What body-parser inflates (Node 20 has no zstd); any other Content-Encoding is a 415. */
export const ACCEPTED_BODY_ENCODINGS = ['identity', 'gzip', 'deflate', 'br'] as const;
const acceptedEncodings = ACCEPTED_BODY_ENCODINGS.join(', ');

export type BodyErrorCode =
  'INVALID_JSON' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'INVALID_BODY_ENCODING';

/**
 * A failure of body-parser (express.json, express.text) as an answer; undefined for anything else.
 * zlib's own error (Z_DATA_ERROR, brotli's ERR_*), passed on by body-parser as a 400 without a
 * `type` (its own errors all have one), means the body is not the encoding it says.
 */
export function bodyParserError(
  error: unknown,
  contentEncoding: string | undefined,
): (ErrorAnswer & { code: BodyErrorCode }) | undefined {
  const e = error as {
    type?: unknown;
    status?: unknown;
    limit?: unknown;
    code?: unknown;
    message?: unknown;
    body?: unknown;
  };
  if (e === null || typeof e !== 'object') return undefined;
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (
    e.type === undefined &&
    e.status === 400 &&
    typeof e.code === 'string' &&
    /^(Z_|ERR_)/.test(e.code) &&
    encoding !== 'identity'
  ) {
    return {
      status: 400,
      code: 'INVALID_BODY_ENCODING',
      message: `the body is not valid ${encoding} data; accepted Content-Encoding: ${acceptedEncodings}`,
    };
  }
  if (typeof e.type !== 'string' || typeof e.status !== 'number') return undefined;
  switch (e.type) {
    case 'entity.parse.failed':
      // express.json's strict mode refuses a bare value (`null`, `5`, `"x"`) that is valid JSON.
      return {
        status: 400,
        code: 'INVALID_JSON',
        message: isJson(e.body) ? 'the body must be a JSON object' : 'the body is not valid JSON',
      };
    case 'entity.too.large':
      return {
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
        message: `the body is larger than ${String(e.limit)} bytes`,
      };
    case 'encoding.unsupported':
      return {
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: `Content-Encoding ${encoding} is not supported; accepted: ${acceptedEncodings}`,
      };
    case 'charset.unsupported':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported body charset; send utf-8' };
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return { status: 400, code: 'INVALID_JSON', message: 'the request body could not be read completely' };
  }
  if (e.status >= 400 && e.status < 500) {
    return { status: 400, code: 'INVALID_JSON', message: 'the request body could not be read' };
  }
  return undefined;
}

/** Whether body-parser's raw `body` (a string on its parse errors) is JSON text. */
function isJson(body: unknown): boolean {
  if (typeof body !== 'string') return false;
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}

/** Writes an answer in the shared shape (JSON, Retry-After when set). */
export function sendError(
  res: ServerResponse,
  answer: ErrorAnswer,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(errorBody(answer.code, answer.message, answer.fields));
  res.writeHead(answer.status, {
    'Content-Type': 'application/json; charset=utf-8',
    ...(answer.retryAfterS !== undefined ? { 'Retry-After': String(answer.retryAfterS) } : {}),
    ...headers,
  });
  res.end(body);
}

export interface ErrorHandlerOptions {
  /** A known failure's answer; undefined means unexpected (a bug): a 500 with an error id. */
  classify: (error: unknown, req: IncomingMessage) => ErrorAnswer | undefined;
  logger: Pick<Logger, 'error'>;
  /** How the log line shows an unexpected error; a service whose errors may carry data redacts here. */
  describe?: (error: unknown) => string;
  /** Extra headers for an answer (WWW-Authenticate on a 401, Connection: close on a 413). */
  headers?: (answer: ErrorAnswer) => Record<string, string>;
  /** Called with every answer before it is sent (a metrics label, say). */
  onAnswer?: (answer: ErrorAnswer, res: ServerResponse) => void;
}

/**
 * The base of every service's Express error handler (an ErrorRequestHandler: four parameters).
 * An unexpected error is logged with an id and answered `500 INTERNAL` "internal error (id …)".
 * When the answer has begun already, the connection is cut rather than a second answer sent.
 */
export function createErrorHandler(options: ErrorHandlerOptions) {
  const describe =
    options.describe ??
    ((error: unknown) => (error instanceof Error ? (error.stack ?? error.message) : String(error)));
  return (
    error: unknown,
    req: IncomingMessage,
    res: ServerResponse,
    _next: (error?: unknown) => void,
  ): void => {
    let answer = options.classify(error, req);
    if (!answer) {
      const errorId = randomUUID();
      options.logger.error('unexpected error', {
        errorId,
        method: req.method,
        path: (req.url ?? '').split('?')[0],
        error: describe(error),
      });
      answer = { status: 500, code: 'INTERNAL', message: `internal error (id ${errorId})` };
    }
    options.onAnswer?.(answer, res);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendError(res, answer, options.headers?.(answer));
  };
}
