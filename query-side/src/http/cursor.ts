/**
 * Opaque keyset cursors: base64url of a JSON array `[kind, ...position]`. The kind keeps a cursor
 * of one list from being replayed against another; the position is checked with Zod before it
 * reaches SQL, so a forged cursor is a 400 naming `cursor`, never a query error.
 *
 * This is the one place cursor contents are validated, and they are validated completely: every
 * value must be one PostgreSQL accepts for the column it is compared with (a real calendar
 * date-time in the range the text form can express, an integer within the column's type, a uuid,
 * text without NUL), because a value PostgreSQL refuses would fail the query instead.
 */
import { z } from 'zod';
import { invalidField } from './errors';

/** Column bounds of the read models (@eventlens/read-model, migrations). */
export const PG_INTEGER_MAX = 2_147_483_647;
/** bigint columns: JSON numbers are doubles, exact only up to 2^53 − 1 (offsets never get near it). */
export const PG_BIGINT_SAFE_MAX = Number.MAX_SAFE_INTEGER;
/** Text keys (session ids, projection names): the contracts' id bound. */
export const CURSOR_TEXT_MAX = 200;

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?Z$/;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether `text` is a timestamp PostgreSQL accepts: years 0001–9999 (there is no year 0 in
 * PostgreSQL's Gregorian calendar, and the cursor's text form has four digits), a day that exists
 * in its month, hours 00–23, minutes and seconds 00–59.
 */
export function isCursorTimestamp(text: string): boolean {
  const m = TIMESTAMP.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const days = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  return day <= days && hour <= 23 && minute <= 59 && second <= 59;
}

/** A timestamptz as text with microseconds (PostgreSQL's precision), e.g. 2025-01-01T10:00:00.123456Z. */
const timestampText = z.string().max(40).refine(isCursorTimestamp);

/** PostgreSQL's uuid: any 8-4-4-4-12 hex form (it stores what it is given, version or not). */
const uuidText = z.guid();

/** PostgreSQL text cannot hold U+0000. */
const keyText = z
  .string()
  .min(1)
  .max(CURSOR_TEXT_MAX)
  .refine((s) => !s.includes('\u0000'));

const integer = z.number().int().min(0).max(PG_INTEGER_MAX);
const bigint = z.number().int().min(0).max(PG_BIGINT_SAFE_MAX);

const positions = {
  /** analytics.events: (ts, event_id). */
  events: z.tuple([timestampText, uuidText]),
  /** A session's timeline, analytics.events: (ts, event_id). */
  timeline: z.tuple([timestampText, uuidText]),
  /** analytics.sessions: (last_seen, session_id). */
  sessions: z.tuple([timestampText, keyText]),
  /** ops.dlq_records: (failed_at, projection, dlq_partition integer, dlq_offset bigint). */
  dlq: z.tuple([timestampText, keyText, integer, bigint]),
} as const;

export type CursorKind = keyof typeof positions;
export type CursorPosition<K extends CursorKind> = z.infer<(typeof positions)[K]>;
export const CURSOR_KINDS = Object.keys(positions) as CursorKind[];

export function encodeCursor<K extends CursorKind>(kind: K, position: CursorPosition<K>): string {
  return Buffer.from(JSON.stringify([kind, ...position])).toString('base64url');
}

const NOT_A_CURSOR = 'is not a cursor returned by this list';

export function decodeCursor<K extends CursorKind>(kind: K, cursor: string): CursorPosition<K> {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidField('cursor', NOT_A_CURSOR);
  }
  if (!Array.isArray(parsed) || parsed[0] !== kind) throw invalidField('cursor', NOT_A_CURSOR);
  const position = positions[kind].safeParse(parsed.slice(1));
  if (!position.success) throw invalidField('cursor', NOT_A_CURSOR);
  return position.data as CursorPosition<K>;
}

/** SQL that renders a timestamptz column as the cursor's text form (the session runs in UTC). */
export const cursorTimestampSql = (column: string) =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
