import { expect, test } from 'vitest';
import { ApiError } from './errors';
import {
  decodeCursor,
  encodeCursor,
  isCursorTimestamp,
  PG_BIGINT_SAFE_MAX,
  PG_INTEGER_MAX,
  type CursorKind,
} from './cursor';

const id = '0b6f3a52-8f0c-4d8e-9a51-2f4a3c6a9e10';

test('a cursor round-trips and is opaque base64url', () => {
  const cursor = encodeCursor('events', ['2025-01-01T10:00:00.123456Z', id]);
  expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
  expect(decodeCursor('events', cursor)).toEqual(['2025-01-01T10:00:00.123456Z', id]);
});

test.each([
  ['garbage', 'not base64'],
  ['not a cursor at all!', 'bad alphabet'],
  [Buffer.from('{"a":1}').toString('base64url'), 'not an array'],
  [Buffer.from('["sessions","2025-01-01T10:00:00Z","s1"]').toString('base64url'), 'another list'],
  [Buffer.from(`["events","yesterday","${id}"]`).toString('base64url'), 'bad time'],
  [Buffer.from(`["events","2025-01-01T10:00:00Z","'; drop table x; --"]`).toString('base64url'), 'bad id'],
  [Buffer.from(`["events","2025-01-01T10:00:00Z","${id}",1]`).toString('base64url'), 'extra element'],
])('%s (%s) is a 400 naming cursor', (cursor) => {
  let error: unknown;
  try {
    decodeCursor('events', cursor);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).status).toBe(400);
  expect((error as ApiError).fields).toEqual([
    { field: 'cursor', message: 'is not a cursor returned by this list' },
  ]);
});

const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

test.each<[CursorKind, unknown[], string]>([
  ['events', ['events', '2025-02-30T10:00:00Z', id], 'February 30'],
  ['events', ['events', '2023-02-29T10:00:00Z', id], 'February 29 of a common year'],
  ['events', ['events', '0000-01-01T00:00:00Z', id], 'year 0000'],
  ['events', ['events', '2025-13-01T00:00:00Z', id], 'month 13'],
  ['events', ['events', '2025-04-31T00:00:00Z', id], 'April 31'],
  ['events', ['events', '2025-01-01T24:00:00Z', id], 'hour 24'],
  ['events', ['events', '2025-01-01T23:60:00Z', id], 'minute 60'],
  ['events', ['events', '2025-01-01T23:59:60Z', id], 'second 60'],
  ['events', ['events', '2025-01-01T00:00:00.1234567Z', id], 'nanoseconds'],
  ['timeline', ['timeline', '2025-00-10T00:00:00Z', id], 'month 00'],
  ['sessions', ['sessions', '2025-01-01T00:00:00Z', 'a\u0000b'], 'NUL in the session id'],
  ['sessions', ['sessions', '2025-01-01T00:00:00Z', 'x'.repeat(201)], 'a session id too long'],
  ['dlq', ['dlq', '2025-01-01T00:00:00Z', 'analytics', 2_147_483_648, 0], 'partition beyond integer'],
  ['dlq', ['dlq', '2025-01-01T00:00:00Z', 'analytics', 0, 2 ** 53], 'offset beyond a safe bigint'],
  ['dlq', ['dlq', '2025-01-01T00:00:00Z', 'analytics', -1, 0], 'negative partition'],
  ['dlq', ['dlq', '2025-01-01T00:00:00Z', 'analytics', 0, 1.5], 'fractional offset'],
  ['dlq', ['dlq', '2025-01-01T00:00:00Z', 'analytics', '0', 0], 'partition as a string'],
])('%s cursor with %j (%s) is a 400 naming cursor', (kind, value) => {
  expect(() => decodeCursor(kind, forge(value))).toThrow(ApiError);
});

test.each([
  ['2024-02-29T23:59:59.999999Z', 'February 29 of a leap year'],
  ['2000-02-29T00:00:00Z', 'a leap century'],
  ['0001-01-01T00:00:00Z', 'the first year'],
  ['9999-12-31T23:59:59.999999Z', 'the last year with four digits'],
])('%s (%s) is a timestamp a cursor may hold', (ts) => {
  expect(isCursorTimestamp(ts)).toBe(true);
  expect(decodeCursor('events', forge(['events', ts, id]))).toEqual([ts, id]);
});

test('partition and offset at their columns’ bounds are accepted', () => {
  const position = ['2025-01-01T00:00:00Z', 'analytics', PG_INTEGER_MAX, PG_BIGINT_SAFE_MAX] as const;
  expect(decodeCursor('dlq', encodeCursor('dlq', [...position]))).toEqual([...position]);
});
