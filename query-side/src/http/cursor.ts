/**
 * Opaque keyset cursors: base64url of a JSON array `[kind, ...position]`. The kind keeps a cursor
 * of one list from being replayed against another; the position is checked with Zod before it
 * reaches SQL, so a forged cursor is a 400 naming `cursor`, never a query error.
 */
import { z } from 'zod';
import { invalidField } from './errors';

/** A timestamptz as text with microseconds (PostgreSQL's precision), e.g. 2025-01-01T10:00:00.123456Z. */
const timestampText = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/)
  .refine((s) => !Number.isNaN(Date.parse(s)));

const positions = {
  events: z.tuple([timestampText, z.uuid()]),
  timeline: z.tuple([timestampText, z.uuid()]),
  sessions: z.tuple([timestampText, z.string().min(1).max(200)]),
  dlq: z.tuple([timestampText, z.string().min(1).max(200), z.number().int().min(0), z.number().int().min(0)]),
} as const;

export type CursorKind = keyof typeof positions;
export type CursorPosition<K extends CursorKind> = z.infer<(typeof positions)[K]>;

export function encodeCursor<K extends CursorKind>(kind: K, position: CursorPosition<K>): string {
  return Buffer.from(JSON.stringify([kind, ...position])).toString('base64url');
}

export function decodeCursor<K extends CursorKind>(kind: K, cursor: string): CursorPosition<K> {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidField('cursor', 'is not a cursor returned by this list');
  }
  if (!Array.isArray(parsed) || parsed[0] !== kind) {
    throw invalidField('cursor', 'is not a cursor returned by this list');
  }
  const position = positions[kind].safeParse(parsed.slice(1));
  if (!position.success) throw invalidField('cursor', 'is not a cursor returned by this list');
  return position.data as CursorPosition<K>;
}

/** SQL that renders a timestamptz column as the cursor's text form (the session runs in UTC). */
export const cursorTimestampSql = (column: string) =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
