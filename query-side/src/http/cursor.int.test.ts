/**
 * Forged cursors against the real app and PostgreSQL: whatever a client puts in a cursor of any
 * kind (random base64url, random bytes, JSON of the wrong shape or types, impossible dates,
 * integers beyond their columns, huge or NUL-bearing strings), the answer is a 400 naming `cursor`
 * — or, for a well-formed position, a page — and never a 5xx. Nothing a client sends is logged at
 * error level, and no log line carries SQL.
 */
import { randomUUID } from 'node:crypto';
import express from 'express';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createReaderDb } from '../db';
import { createTestDatabase, type TestDatabase } from '../test-support/database';
import { insertEvents, seedTenants, type Tenants } from '../test-support/fixtures';
import { startServer, type TestServer } from '../test-support/server';
import { CURSOR_KINDS, encodeCursor, PG_BIGINT_SAFE_MAX, PG_INTEGER_MAX, type CursorKind } from './cursor';
import { errorHandler } from './errors';

interface LogEntry {
  level: 'info' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;
const logs: LogEntry[] = [];
const logger = {
  info: (message: string, fields?: Record<string, unknown>) => logs.push({ level: 'info', message, fields }),
  error: (message: string, fields?: Record<string, unknown>) =>
    logs.push({ level: 'error', message, fields }),
};

const SESSION = 'fuzz-session';
const TS = '2025-03-01T10:00:00.123456Z';
let eventId: string;

/** Where each kind of cursor is accepted. */
const ROUTE: Record<CursorKind, string> = {
  events: '/v1/events',
  sessions: '/v1/sessions',
  timeline: `/v1/sessions/${SESSION}`,
  dlq: '/v1/dlq',
};

/** A position of each kind that decodes, for mutation. */
const valid = (kind: CursorKind): unknown[] =>
  ({
    events: [TS, eventId],
    timeline: [TS, eventId],
    sessions: [TS, SESSION],
    dlq: [TS, 'analytics', 0, 1],
  })[kind];

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  server = await startServer(tdb.readerUrl, { logger });
  const base = Date.parse('2025-03-01T09:00:00Z');
  const ids = await insertEvents(
    tdb.owner,
    Array.from({ length: 5 }, (_, i) => ({
      project_id: t.projectA,
      session_id: SESSION,
      ts: new Date(base + i * 60_000),
    })),
  );
  eventId = ids[0]!;
  for (const [i, session] of [SESSION, 'fuzz-session-2', 'fuzz-session-3'].entries()) {
    await tdb.owner.query(
      `insert into analytics.sessions (project_id, session_id, first_seen, last_seen, event_count)
       values ($1, $2, $3, $4, 5)`,
      [t.projectA, session, new Date(base), new Date(base + (4 + i) * 60_000)],
    );
  }
  for (let i = 0; i < 3; i++) {
    await tdb.owner.query(
      `insert into ops.dlq_records (projection, dlq_partition, dlq_offset, project_id, original_topic,
         original_partition, original_offset, error_code, error_message, attempts, failed_at)
       values ('analytics', 0, $1, $2, 'eventlens.events', 0, $1, 'E', 'm', 1, $3)`,
      [i, t.projectA, new Date(base + i * 1000)],
    );
  }
});

afterAll(async () => {
  await server?.close();
  await tdb?.drop();
});

async function request(kind: CursorKind, cursor: string) {
  const path = `${ROUTE[kind]}?limit=2&cursor=${encodeURIComponent(cursor)}`;
  let response: Response;
  try {
    response = await server.get(path, { key: t.readKeyA });
  } catch {
    // A keep-alive connection the server closed as it was reused (a loaded machine delays the
    // client's idle timer): a transport race before any answer, so ask once more.
    response = await server.get(path, { key: t.readKeyA });
  }
  const body = (await response.json()) as {
    error?: { code: string; fields?: Array<{ field: string }> };
  };
  return { status: response.status, body };
}

function expectCursorRefused(result: Awaited<ReturnType<typeof request>>, cursor: string) {
  expect(result.status, `cursor ${cursor}`).toBe(400);
  expect(result.body.error?.code).toBe('INVALID_FIELD');
  expect(result.body.error?.fields?.map((f) => f.field)).toEqual(['cursor']);
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const forge = (kind: unknown, position: unknown[]) => b64(JSON.stringify([kind, ...position]));

/** Is this "YYYY-MM-DDTHH:MM:SS[.f]Z" a date-time PostgreSQL accepts? Decided by Date, not by cursor.ts. */
function realTimestamp(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string) {
  if (y < 1 || frac.length > 6) return false;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return (
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
  );
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

const timestampParts = fc.record({
  y: fc.integer({ min: 0, max: 9999 }),
  mo: fc.integer({ min: 0, max: 99 }),
  d: fc.integer({ min: 0, max: 99 }),
  h: fc.integer({ min: 0, max: 99 }),
  mi: fc.integer({ min: 0, max: 99 }),
  s: fc.integer({ min: 0, max: 99 }),
  frac: fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 9 }),
});
const formatParts = (p: {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  frac: string;
}) =>
  `${pad(p.y, 4)}-${pad(p.mo, 2)}-${pad(p.d, 2)}T${pad(p.h, 2)}:${pad(p.mi, 2)}:${pad(p.s, 2)}${p.frac ? `.${p.frac}` : ''}Z`;
const isReal = (p: { y: number; mo: number; d: number; h: number; mi: number; s: number; frac: string }) =>
  realTimestamp(p.y, p.mo, p.d, p.h, p.mi, p.s, p.frac);

/** Days 29–31 that do not exist in their month (February 30, April 31, February 29 of 2023, …). */
const impossibleDay = fc
  .record({
    y: fc.integer({ min: 1, max: 9999 }),
    mo: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 29, max: 31 }),
  })
  .filter((p) => !realTimestamp(p.y, p.mo, p.d, 0, 0, 0, ''))
  .map((p) => `${pad(p.y, 4)}-${pad(p.mo, 2)}-${pad(p.d, 2)}T00:00:00Z`);

const notAString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue(), { maxKeys: 3 }),
);
const notAnInteger = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.double().filter((x) => !Number.isInteger(x)),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);
const beyondInteger = fc.oneof(
  fc.integer({ min: PG_INTEGER_MAX + 1, max: Number.MAX_SAFE_INTEGER }),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -1 }),
  fc.double({ min: 2 ** 53, max: 1e300, noNaN: true }),
  fc.constant(-0.5),
);
const beyondBigint = fc.oneof(
  fc.double({ min: PG_BIGINT_SAFE_MAX + 1, max: 1e300, noNaN: true }),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -1 }),
);
const textSlots: Record<CursorKind, number[]> = { events: [], timeline: [], sessions: [1], dlq: [1] };

const RUNS = { numRuns: 40 };

describe.each(CURSOR_KINDS)('%s cursors', (kind) => {
  test('a real next_cursor is accepted', async () => {
    const response = await server.get(`${ROUTE[kind]}?limit=1`, { key: t.readKeyA });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { next_cursor?: string; timeline?: { next_cursor: string } };
    const next = body.next_cursor ?? body.timeline?.next_cursor;
    expect(next).toBeTruthy();
    expect((await request(kind, next!)).status).toBe(200);
  });

  test('random base64url and random bytes are refused', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({
            unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
            minLength: 1,
            maxLength: 300,
          }),
          fc
            .uint8Array({ minLength: 1, maxLength: 300 })
            .map((bytes) => Buffer.from(bytes).toString('base64url')),
          fc.string({ maxLength: 50 }).map(b64),
          fc.string({ minLength: 1, maxLength: 50 }),
        ),
        async (cursor) => expectCursorRefused(await request(kind, cursor), cursor),
      ),
      RUNS,
    );
  });

  test('JSON of the wrong shape, kind or types is refused', async () => {
    const position = valid(kind);
    const wrongTyped = fc.nat({ max: position.length - 1 }).chain((i) =>
      (typeof position[i] === 'number' ? notAnInteger : notAString).map((value) => {
        const copy = [...position];
        copy[i] = value;
        return forge(kind, copy);
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          wrongTyped,
          fc.jsonValue().map((value) => b64(JSON.stringify(value))),
          fc.array(fc.jsonValue(), { maxLength: 6 }).map((rest) => forge(kind, rest)),
          fc
            .constantFrom(...CURSOR_KINDS.filter((k) => k !== kind))
            .map((other) => forge(other, valid(kind))),
          fc.constant(forge(kind, position.slice(0, -1))),
          fc.jsonValue().map((extra) => forge(kind, [...position, extra])),
          fc.constant(forge(kind.toUpperCase(), position)),
        ),
        async (cursor) => expectCursorRefused(await request(kind, cursor), cursor),
      ),
      RUNS,
    );
  });

  test('impossible dates are refused', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(impossibleDay, timestampParts.filter((p) => !isReal(p)).map(formatParts)),
        async (ts) => {
          const cursor = forge(kind, [ts, ...valid(kind).slice(1)]);
          expectCursorRefused(await request(kind, cursor), `${cursor} (${ts})`);
        },
      ),
      RUNS,
    );
  });

  test('every real date-time is accepted', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          timestampParts
            .map((p) => ({
              ...p,
              mo: (p.mo % 12) + 1,
              d: (p.d % 28) + 1,
              h: p.h % 24,
              mi: p.mi % 60,
              s: p.s % 60,
              frac: p.frac.slice(0, 6),
              y: Math.max(1, p.y),
            }))
            .map(formatParts),
          fc.constantFrom('0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z', '2024-02-29T12:00:00Z'),
        ),
        async (ts) => {
          const result = await request(kind, forge(kind, [ts, ...valid(kind).slice(1)]));
          expect(result.status, ts).toBe(200);
        },
      ),
      RUNS,
    );
  });

  test('huge strings are refused', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: valid(kind).length - 1 }),
        fc.integer({ min: 201, max: 4000 }),
        async (i, length) => {
          const copy = [...valid(kind)];
          copy[i] = 'x'.repeat(length);
          const cursor = forge(kind, copy);
          expectCursorRefused(await request(kind, cursor), cursor.slice(0, 80));
        },
      ),
      { numRuns: 10 },
    );
    expectCursorRefused(await request(kind, 'A'.repeat(5000)), 'A×5000');
  });

  // Registered only for the kinds they apply to: a kind without text keys has no such test (not a skipped one).
  if (textSlots[kind].length > 0)
    test('text keys: NUL is refused, any other text is a page', async () => {
      const slot = textSlots[kind][0]!;
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), async (text) => {
          const copy = [...valid(kind)];
          copy[slot] = text;
          const result = await request(kind, forge(kind, copy));
          if (text.includes('\u0000')) expectCursorRefused(result, JSON.stringify(text));
          else expect(result.status, JSON.stringify(text)).toBe(200);
        }),
        RUNS,
      );
    });

  if (kind === 'dlq')
    test('partitions beyond integer and offsets beyond bigint are refused', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            beyondInteger.map((partition) => [TS, 'analytics', partition, 0]),
            beyondBigint.map((offset) => [TS, 'analytics', 0, offset]),
          ),
          async (position) => {
            const cursor = forge(kind, position);
            expectCursorRefused(await request(kind, cursor), JSON.stringify(position));
          },
        ),
        RUNS,
      );
      // Numbers JSON.stringify cannot write: too large for a double, or past 2^53 as text.
      for (const raw of [
        `["dlq","${TS}","analytics",1e400,0]`,
        `["dlq","${TS}","analytics",0,99999999999999999999999]`,
        `["dlq","${TS}","analytics",2147483648,0]`,
      ]) {
        expectCursorRefused(await request(kind, b64(raw)), raw);
      }
      const edge = encodeCursor('dlq', [TS, 'analytics', PG_INTEGER_MAX, PG_BIGINT_SAFE_MAX]);
      expect((await request(kind, edge)).status).toBe(200);
    });
});

test('nothing a client sent was logged at error level, and no log line holds SQL', () => {
  expect(logs.filter((l) => l.level === 'error')).toEqual([]);
  expect(JSON.stringify(logs)).not.toMatch(/\bselect\b/i);
});

describe('a database error the validation missed', () => {
  /** The real error handler behind a route that sends a client's value straight to PostgreSQL. */
  async function withRawRoute(sql: string, run: (url: string, entries: LogEntry[]) => Promise<void>) {
    const db = createReaderDb({ url: tdb.readerUrl, poolMax: 1 });
    const entries: LogEntry[] = [];
    const app = express();
    app.get('/raw', async (req, res) => {
      res.json(await db.raw(sql, [String(req.query.value)]));
    });
    app.use(
      errorHandler({
        info: (message, fields) => entries.push({ level: 'info', message, fields }),
        error: (message, fields) => entries.push({ level: 'error', message, fields }),
      }),
    );
    const listener = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listener.once('listening', resolve));
    try {
      const { port } = listener.address() as { port: number };
      await run(`http://127.0.0.1:${port}`, entries);
    } finally {
      listener.close();
      await db.destroy();
    }
  }

  test('caused by a client value: a 400, logged at info without the statement or the value', async () => {
    await withRawRoute('select ?::timestamptz as t', async (url, entries) => {
      const value = '0000-02-30T00:00:00Z';
      const response = await fetch(`${url}/raw?value=${value}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('INVALID_FIELD');
      expect(entries.map((e) => e.level)).toEqual(['info']);
      expect(entries[0]!.fields).toMatchObject({ sqlstate: expect.stringMatching(/^22/) });
      expect(JSON.stringify(entries)).not.toContain('select');
      expect(JSON.stringify(entries)).not.toContain('0000-02-30');
    });
  });

  test('unexpected: a 500 with an error id, logged without the statement or the bound value', async () => {
    const secret = randomUUID();
    await withRawRoute('select no_such_column, ?::text as v from analytics.events', async (url, entries) => {
      const response = await fetch(`${url}/raw?value=${secret}`);
      expect(response.status).toBe(500);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('INTERNAL');
      const errorId = /id ([0-9a-f-]{36})/.exec(body.error.message)?.[1];
      expect(errorId).toBeDefined();
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ level: 'error', fields: { errorId } });
      expect(String(entries[0]!.fields!.error)).toContain('42703');
      expect(JSON.stringify(entries)).not.toContain(secret);
      expect(JSON.stringify(entries)).not.toContain('select');
    });
  });
});
