/**
 * Given projection status, failure counts, throughput and freshness minutes and DLQ records, when
 * the pipeline and DLQ routes are read, then lag and counts are summed per projection, throughput
 * and freshness cover the asked window (freshness percentiles within max(2 %, 1 ms) of the exact
 * ones), and each caller sees only its project's DLQ records (plus unattributed ones, for console
 * sessions).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test-support/database';
import { seedTenants, type Tenants } from '../test-support/fixtures';
import { startServer, type TestServer } from '../test-support/server';
import { sessionCookie } from '../test-support/session';
import { freshnessHistogram } from '@eventlens/read-model';
import { DlqPage } from './dlq';
import { Pipeline } from './ops';

let tdb: TestDatabase;
let server: TestServer;
let t: Tenants;

const T0 = Date.UTC(2025, 4, 1, 8);
/** The database's current minute when the fixtures were written (epoch ms). */
let M: number;
const MIN = 60_000;
/** Freshness samples (ms) of the analytics projection in the current minute and two minutes before. */
const recent: number[] = [];
const earlier: number[] = [];

/** Exact nearest-rank quantile of raw values. */
function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await seedTenants(tdb.owner);
  server = await startServer(tdb.readerUrl);
  const status: Array<[string, string, number, number, number, number | null]> = [
    ['analytics', 'eventlens.events', 0, 100, 150, T0],
    ['analytics', 'eventlens.events', 1, 200, 200, T0 + 5000],
    ['analytics', 'eventlens.events', 2, 310, 300, T0 + 1000], // watermark read before the last commit
    ['analytics', 'eventlens.events', 3, 0, 7, null],
    ['admin', 'eventlens.admin', 0, 42, 42, T0 - 60_000],
  ];
  for (const [projection, topic, partition, next, hw, processed] of status) {
    await tdb.owner.query(
      `insert into ops.projection_status (projection, topic, partition, next_offset, high_watermark, last_processed_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [
        projection,
        topic,
        partition,
        next,
        hw,
        processed === null ? null : new Date(processed),
        new Date(T0 + 10_000),
      ],
    );
  }
  for (const [projection, stage, count] of [
    ['analytics', 'retry', 12],
    ['analytics', 'dlq', 3],
    ['replayer', 'dlq', 1], // failures of a projection with no status row yet
  ] as const) {
    await tdb.owner.query('insert into ops.failure_counts (projection, stage, count) values ($1, $2, $3)', [
      projection,
      stage,
      count,
    ]);
  }
  // Throughput and freshness: analytics in the current minute, two minutes before, and 20 minutes
  // before (outside the default 15-minute window); admin only long ago.
  const now = await tdb.owner.query<{ m: Date }>(`select date_trunc('minute', now()) as m`);
  M = now.rows[0]!.m.getTime();
  for (let i = 0; i < 400; i++) recent.push(20 + ((i * 37) % 180)); // 20-199 ms
  for (let i = 0; i < 100; i++) earlier.push(500 + i * 45); // 0.5-5 s: the slow tail
  for (const [projection, minute, applied] of [
    ['analytics', M, 380],
    ['analytics', M - 2 * MIN, 100],
    ['analytics', M - 20 * MIN, 5000],
    ['admin', M - 30 * MIN, 3],
  ] as const) {
    await tdb.owner.query(
      'insert into ops.projection_throughput (minute, projection, applied) values ($1, $2, $3)',
      [new Date(minute), projection, applied],
    );
  }
  for (const [projection, minute, values] of [
    ['analytics', M, recent],
    ['analytics', M - 2 * MIN, earlier],
    ['analytics', M - 20 * MIN, Array.from({ length: 1000 }, () => 3_600_000)],
    ['admin', M - 30 * MIN, [40, 50, 60]],
  ] as const) {
    for (const b of freshnessHistogram(
      values.map((v) => 1e12 - v),
      1e12,
    )) {
      await tdb.owner.query(
        'insert into ops.projection_freshness (minute, projection, bucket, value_ms, count) values ($1, $2, $3, $4, $5)',
        [new Date(minute), projection, b.bucket, b.value_ms, b.count],
      );
    }
  }
  // DLQ: 9 records of A, 3 of B, 2 unattributed, across two projections.
  const owners = [...Array(9).fill(t.projectA), ...Array(3).fill(t.projectB), null, null] as Array<
    string | null
  >;
  for (const [i, project] of owners.entries()) {
    await tdb.owner.query(
      `insert into ops.dlq_records (projection, dlq_partition, dlq_offset, project_id, original_topic, original_partition,
         original_offset, error_code, error_message, attempts, failed_at, key, value_base64)
       values ($1, 0, $2, $3, 'eventlens.events', $4, $5, 'DECODE_FAILED', 'bad bytes', 4, $6, $7, $8)`,
      [
        i % 2 ? 'admin' : 'analytics',
        i,
        project,
        i % 4,
        1000 + i,
        new Date(T0 - Math.floor(i / 3) * 60_000), // threes share failed_at
        `k${i}`,
        Buffer.from(`record ${i}`).toString('base64'),
      ],
    );
  }
});

afterAll(async () => {
  expect(server?.errors ?? []).toEqual([]);
  await server?.close();
  await tdb?.drop();
});

describe('pipeline', () => {
  test('lag, progress and failures per projection', async () => {
    const response = await server.get('/v1/pipeline', { key: t.readKeyA });
    expect(response.status).toBe(200);
    const body = Pipeline.parse(await response.json());
    expect(body.projections.map((p) => p.projection)).toEqual(['admin', 'analytics', 'replayer']);
    const analytics = body.projections[1]!;
    expect(analytics).toMatchObject({
      projection: 'analytics',
      lag: 50 + 0 + 0 + 7,
      last_processed_at: new Date(T0 + 5000).toISOString(),
      updated_at: new Date(T0 + 10_000).toISOString(),
      retry_count: 12,
      dlq_count: 3,
    });
    expect(analytics.partitions.map((p) => [p.partition, p.lag])).toEqual([
      [0, 50],
      [1, 0],
      [2, 0],
      [3, 7],
    ]);
    expect(analytics.partitions[3]).toEqual({
      topic: 'eventlens.events',
      partition: 3,
      next_offset: 0,
      high_watermark: 7,
      lag: 7,
      last_processed_at: null,
      updated_at: new Date(T0 + 10_000).toISOString(),
    });
    expect(body.projections[0]).toMatchObject({ lag: 0, retry_count: 0, dlq_count: 0 });
    expect(body.projections[2]).toMatchObject({
      projection: 'replayer',
      lag: 0,
      last_processed_at: null,
      updated_at: null,
      retry_count: 0,
      dlq_count: 1,
      partitions: [],
      throughput: { applied: 0, per_second: 0 },
      freshness: { count: 0, p50_ms: null, p99_ms: null },
    });
  });

  test('throughput and freshness over the last 15 minutes by default', async () => {
    const response = await server.get('/v1/pipeline', { key: t.readKeyA });
    const body = Pipeline.parse(await response.json());
    expect(body.window.minutes).toBe(15);
    const from = Date.parse(body.window.from);
    const to = Date.parse(body.window.to);
    // The current minute and the 14 before it (the minute may have turned since the fixtures).
    expect(from % MIN).toBe(0);
    expect(from).toBeGreaterThanOrEqual(M - 14 * MIN);
    expect(to - from).toBeGreaterThan(14 * MIN);
    expect(to - from).toBeLessThanOrEqual(15 * MIN);

    const analytics = body.projections.find((p) => p.projection === 'analytics')!;
    // 20 minutes ago is outside the window: 380 + 100 applied, its hour-old freshness left out.
    expect(analytics.throughput.applied).toBe(480);
    expect(analytics.throughput.per_second).toBeCloseTo(480 / ((to - from) / 1000), 6);
    const series = analytics.throughput.per_minute;
    expect(series).toHaveLength(15);
    expect(series.map((p) => Date.parse(p.minute) - from)).toEqual(
      Array.from({ length: 15 }, (_, i) => i * MIN),
    );
    const at = (ms: number) => series.find((p) => Date.parse(p.minute) === ms)?.applied;
    expect(at(M)).toBe(380);
    expect(at(M - 2 * MIN)).toBe(100);
    expect(series.reduce((sum, p) => sum + p.applied, 0)).toBe(480);

    const all = [...recent, ...earlier];
    expect(analytics.freshness.count).toBe(all.length);
    for (const [q, got] of [
      [0.5, analytics.freshness.p50_ms],
      [0.99, analytics.freshness.p99_ms],
    ] as const) {
      const exact = exactQuantile(all, q);
      expect(Math.abs(got! - exact), `p${q * 100}: ${got} vs ${exact}`).toBeLessThanOrEqual(
        Math.max(0.02 * exact, 1),
      );
    }
    // The slow tail decides p99, not p50.
    expect(analytics.freshness.p50_ms).toBeLessThan(200 * 1.02);
    expect(analytics.freshness.p99_ms).toBeGreaterThan(4000);

    // admin's only minute is 30 minutes old: listed, with nothing in the window.
    expect(body.projections.find((p) => p.projection === 'admin')).toMatchObject({
      throughput: { applied: 0, per_second: 0 },
      freshness: { count: 0, p50_ms: null, p99_ms: null },
    });
  });

  test('a longer window takes the older minutes in; a projection with activity only is listed', async () => {
    const response = await server.get('/v1/pipeline?minutes=60', { cookie: sessionCookie() });
    const body = Pipeline.parse(await response.json());
    expect(body.window.minutes).toBe(60);
    const analytics = body.projections.find((p) => p.projection === 'analytics')!;
    expect(analytics.throughput.applied).toBe(5480);
    expect(analytics.throughput.per_minute).toHaveLength(60);
    expect(analytics.freshness.count).toBe(1500);
    const hour = 3_600_000;
    expect(Math.abs(analytics.freshness.p50_ms! - hour)).toBeLessThanOrEqual(0.02 * hour);
    expect(body.projections.find((p) => p.projection === 'admin')).toMatchObject({
      throughput: { applied: 3 },
      freshness: { count: 3 },
    });
  });

  test('minutes out of bounds or not a number is a 400 naming the field', async () => {
    for (const minutes of ['0', '1441', 'abc', '2.5', '-3']) {
      const response = await server.get(`/v1/pipeline?minutes=${minutes}`, { key: t.readKeyA });
      expect(response.status, minutes).toBe(400);
      const body = (await response.json()) as { error: { code: string; fields: Array<{ field: string }> } };
      expect(body.error.code).toBe('INVALID_FIELD');
      expect(body.error.fields.map((f) => f.field)).toEqual(['minutes']);
    }
    expect((await server.get('/v1/pipeline?minutes=1440', { key: t.readKeyA })).status).toBe(200);
    expect((await server.get('/v1/pipeline?minutes=1', { key: t.readKeyA })).status).toBe(200);
  });

  test('is install-wide: a console session needs no project; no credentials is a 401', async () => {
    expect((await server.get('/v1/pipeline', { cookie: sessionCookie() })).status).toBe(200);
    expect((await server.get('/v1/pipeline')).status).toBe(401);
  });
});

describe('dlq', () => {
  async function walk(query: string, init: { key?: string; cookie?: string }) {
    const items: Array<{ dlq_offset: number; project_id: string | null; projection: string }> = [];
    let cursor: string | null = null;
    do {
      const response = await server.get(`/v1/dlq?${query}${cursor ? `&cursor=${cursor}` : ''}`, init);
      expect(response.status, await response.clone().text()).toBe(200);
      const page = DlqPage.parse(await response.json());
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    return items;
  }

  test("a read key sees its project's records only, newest first, paged", async () => {
    const items = await walk('limit=2', { key: t.readKeyA });
    expect(items.every((r) => r.project_id === t.projectA)).toBe(true);
    // failed_at desc, then projection desc, partition desc, offset desc
    expect(items.map((r) => r.dlq_offset)).toEqual([2, 0, 1, 4, 5, 3, 8, 6, 7]);
  });

  test('B sees B’s', async () => {
    const items = await walk('limit=200', { key: t.readKeyB });
    expect(items.map((r) => r.dlq_offset).sort()).toEqual([10, 11, 9]);
  });

  test('a console session also sees unattributed records, but never another project’s', async () => {
    const items = await walk(`limit=4&project_id=${t.projectA}`, { cookie: sessionCookie() });
    expect(items).toHaveLength(11);
    expect(
      items
        .filter((r) => r.project_id === null)
        .map((r) => r.dlq_offset)
        .sort(),
    ).toEqual([12, 13]);
    expect(items.some((r) => r.project_id === t.projectB)).toBe(false);
  });

  test('by projection', async () => {
    const items = await walk('projection=admin&limit=3', { key: t.readKeyA });
    expect(items.map((r) => r.dlq_offset)).toEqual([1, 5, 3, 7]);
  });

  test('a projection that does not exist is a 400 naming the field, not an empty list', async () => {
    for (const projection of ['nope', 'Admin', '']) {
      const response = await server.get(`/v1/dlq?projection=${projection}`, { key: t.readKeyA });
      expect(response.status, projection).toBe(400);
      const body = (await response.json()) as {
        error: { code: string; fields: Array<{ field: string; message: string }> };
      };
      expect(body.error.code).toBe('INVALID_FIELD');
      expect(body.error.fields.map((f) => f.field)).toEqual(['projection']);
      expect(body.error.fields[0]!.message).toContain('analytics');
    }
  });

  test('records carry every field', async () => {
    const page = DlqPage.parse(await (await server.get('/v1/dlq?limit=1', { key: t.readKeyA })).json());
    expect(page.items[0]).toEqual({
      projection: 'analytics',
      dlq_partition: 0,
      dlq_offset: 2,
      project_id: t.projectA,
      original_topic: 'eventlens.events',
      original_partition: 2,
      original_offset: 1002,
      error_code: 'DECODE_FAILED',
      error_message: 'bad bytes',
      attempts: 4,
      failed_at: new Date(T0).toISOString(),
      key: 'k2',
      value_base64: Buffer.from('record 2').toString('base64'),
      replayed_at: null,
    });
  });
});
