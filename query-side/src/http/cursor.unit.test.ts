import { expect, test } from 'vitest';
import { ApiError } from './errors';
import { decodeCursor, encodeCursor } from './cursor';

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
