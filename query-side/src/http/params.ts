/**
 * Query parameters shared by the routes. They are Zod schemas so that the same object validates a
 * request and documents it in /v1/openapi.json.
 */
import { z } from 'zod';

export const EARLIEST_MS = Date.UTC(2000, 0, 1);
export const LATEST_MS = Date.UTC(2100, 0, 1);

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * ISO 8601 (a date, which means UTC midnight, or a date-time with `Z` or an offset) or epoch
 * milliseconds, as epoch milliseconds. A local time without an offset is refused: the server's
 * zone is nobody's business.
 */
export function parseInstant(text: string): number | string {
  if (/^\d{1,16}$/.test(text)) {
    const ms = Number(text);
    return ms >= EARLIEST_MS && ms <= LATEST_MS
      ? ms
      : 'epoch milliseconds must be between 2000-01-01 and 2100-01-01';
  }
  const m = ISO.exec(text);
  if (!m) return 'must be an ISO 8601 date-time with a zone (Z or ±hh:mm), a date, or epoch milliseconds';
  const [, y, mo, d, h, mi, s] = m;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (
    day.getUTCFullYear() !== Number(y) ||
    day.getUTCMonth() !== Number(mo) - 1 ||
    day.getUTCDate() !== Number(d) ||
    Number(h ?? 0) > 23 ||
    Number(mi ?? 0) > 59 ||
    Number(s ?? 0) > 59
  ) {
    return 'is not a valid calendar date-time';
  }
  const ms = Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(ms)) return 'is not a valid date-time';
  if (ms < EARLIEST_MS || ms > LATEST_MS) return 'must be between 2000-01-01 and 2100-01-01';
  return ms;
}

export const instant = z
  .string()
  .max(40)
  .transform((text, ctx) => {
    const result = parseInstant(text.trim());
    if (typeof result === 'string') {
      ctx.addIssue({ code: 'custom', message: result });
      return z.NEVER;
    }
    return result;
  });

export const fromParam = instant.optional().meta({
  description: 'Start of the range, inclusive: ISO 8601 (with Z or an offset) or epoch milliseconds.',
  example: '2025-01-01T00:00:00Z',
});
export const toParam = instant.optional().meta({
  description: 'End of the range, exclusive: ISO 8601 (with Z or an offset) or epoch milliseconds.',
  example: '2025-01-02T00:00:00Z',
});

export const MAX_PAGE = 200;

/**
 * A query parameter holding a whole number from `min` to `max`, written in decimal digits only.
 * `z.coerce.number` would read it with `Number()`: `1e2` as 100, `0x10` as 16, ` 5 ` as 5, `5.0` as
 * 5. Those are refused instead, with the one message `must be a whole number from min to max`,
 * as is every value out of bounds. Documented (OpenAPI) as an integer; absent: `fallback`.
 */
export function wholeNumberParam(min: number, max: number, fallback: number) {
  return z
    .preprocess(
      (value) => (typeof value === 'string' && /^[0-9]{1,16}$/.test(value) ? Number(value) : value),
      z
        .number({ error: `must be a whole number from ${min} to ${max}` })
        .int()
        .min(min)
        .max(max),
    )
    .default(fallback);
}

export function limitParam(defaultLimit: number, max: number = MAX_PAGE) {
  return wholeNumberParam(1, max, defaultLimit).meta({
    description: `Page size, 1-${max} (default ${defaultLimit}); above ${max} is a 400.`,
  });
}

export const cursorParam = z
  .string()
  .max(1024)
  .optional()
  .meta({ description: 'Opaque: the `next_cursor` of the previous page.' });

/** Text filters: the same bound as the ids the contracts accept. */
export const textFilter = (description: string) =>
  z.string().min(1).max(200).optional().meta({ description });

/**
 * An optional on/off query parameter: `true` or `1` is on; `false`, `0` or none is off; any other
 * value is a 400 naming the parameter. Parses to a boolean.
 */
export const switchParam = (description: string) =>
  z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1')
    .meta({ description });

export const DAY_MS = 24 * 3600 * 1000;

export interface Range {
  from: number;
  to: number;
}

/**
 * Stats ranges: absent bounds default to the last 24 hours (ending now). from must be before to.
 * Throws nothing: returns the message for a 400 naming `from`.
 */
export function resolveRange(from: number | undefined, to: number | undefined, now: number): Range | string {
  const end = to ?? now;
  const start = from ?? end - DAY_MS;
  if (start >= end) return 'must be earlier than to';
  return { from: start, to: end };
}

/** Lists: absent bounds stay absent (no window), but when both are given from must be before to. */
export function checkOpenRange(from: number | undefined, to: number | undefined): string | undefined {
  if (from !== undefined && to !== undefined && from >= to) return 'must be earlier than to';
  return undefined;
}

export const iso = (ms: number | Date) => new Date(ms).toISOString();
