/**
 * The overview's refresh strategy, with real store actions on a fake API client and a clock the
 * test moves: what is asked again, and what is not.
 */
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, test } from 'vitest';
import { createApp } from 'vue';
import { createApi } from '@/api';
import { API } from '@/api/inject';
import { CLOCK } from '@/shared/clock';
import type { HttpRequest } from '@/api/http';
import type { StatsQuery } from '@/api/types';
import { apiError, createFakeHttp, type FakeHttp } from '@/testing/fakeHttp';
import { notCounted, pipeline, PROJECT_ID, volume, withTopLists } from '@/testing/fixtures';
import { changeSignal, useOverviewStore } from './overview';

let fake: FakeHttp;
let now: number;
let offsets: number;

/**
 * The Stats API: a chart query (a time dimension) gets two buckets; a KPI query its row, 10 times
 * the range's start hour for the visitors, so the current and previous periods differ.
 */
function statsAnswer(req: HttpRequest) {
  const body = req.body as StatsQuery;
  const dims = body.dimensions ?? [];
  const base = { meta: {}, query: {} };
  if (dims.length > 0) {
    return {
      ...base,
      results: [{ metrics: [4], dimensions: ['2025-03-01 16:00:00'] }],
      meta: { time_labels: ['2025-03-01 16:00:00', '2025-03-01 17:00:00', '2025-03-01 18:00:00'] },
    };
  }
  const hour = new Date((body.date_range as string[])[0]!).getUTCHours();
  return { ...base, results: [{ metrics: [hour * 10, 5, 9, 1.8, 40, 61, 20], dimensions: [] }] };
}
const statsCalls = () => fake.callsTo('POST', '/api/query/api/v2/query').map((c) => c.body as StatsQuery);
/** The Stats API queries of the KPI row and the chart: all but the top lists (one dimension, not time). */
const reportCalls = () =>
  statsCalls().filter((b) => b.dimensions === undefined || b.dimensions[0]!.startsWith('time:'));

function setup() {
  fake = createFakeHttp()
    .on('GET', '/api/query/v1/pipeline', () => pipeline({ analytics: offsets, admin: 3 }))
    .on('GET', '/api/query/v1/stats/not-counted', notCounted())
    .on('GET', '/api/query/v1/stats/volume', volume())
    .on('POST', '/api/query/api/v2/query', withTopLists(statsAnswer, { events: [['button_click', 3]] }));
  const app = createApp({});
  app.provide(API, createApi(fake.client()));
  app.provide(CLOCK, () => now);
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  return useOverviewStore();
}

const dataCalls = () => fake.callsTo('GET', '/api/query/v1/stats/not-counted').length;

beforeEach(() => {
  now = Date.UTC(2025, 2, 1, 12, 0, 10);
  offsets = 100;
});

describe('overview refresh', () => {
  test('the first refresh loads counters, volume, top events and top pages for the range', async () => {
    const store = setup();
    store.configure({ projectId: PROJECT_ID, spec: { kind: 'preset', preset: '30m' }, breakdown: true });
    await store.refresh();
    expect(store.notCounted.data?.bot_events).toBe(3);
    expect(store.volume.status).toBe('ready');
    const volumeCall = fake.callsTo('GET', '/api/query/v1/stats/volume')[0]!;
    expect(volumeCall.query).toEqual({
      from: now - 30 * 60_000,
      to: now,
      interval: 'minute',
      breakdown: 'event_name',
      top: 5,
    });
    expect(volumeCall.headers).toEqual({ 'x-eventlens-project': PROJECT_ID });
    // The KPIs: the range and the 30 minutes before it, both from the Stats API.
    expect(reportCalls().map((b) => b.date_range)).toEqual([
      [new Date(now - 30 * 60_000).toISOString(), new Date(now).toISOString()],
      [new Date(now - 60 * 60_000 - 1).toISOString(), new Date(now - 30 * 60_000 - 1).toISOString()],
    ]);
    expect(store.kpis.data?.current.visitors).toBe(110);
    expect(store.kpis.data?.previous.visitors).toBe(110);
    expect(store.kpis.data?.current.visit_duration).toBe(61);
    // The top lists: the Stats API's too, over the same range, exact to the millisecond.
    const range = [new Date(now - 30 * 60_000).toISOString(), new Date(now).toISOString()];
    expect(
      statsCalls().filter((b) => b.dimensions?.length === 1 && !b.dimensions[0]!.startsWith('time:')),
    ).toEqual([
      {
        site_id: PROJECT_ID,
        metrics: ['events'],
        date_range: range,
        dimensions: ['event:name'],
        order_by: [
          ['events', 'desc'],
          ['event:name', 'asc'],
        ],
        pagination: { limit: 10, offset: 0 },
        timezone: 'UTC',
      },
      {
        site_id: PROJECT_ID,
        metrics: ['pageviews'],
        date_range: range,
        dimensions: ['event:page'],
        order_by: [
          ['pageviews', 'desc'],
          ['event:page', 'asc'],
        ],
        pagination: { limit: 10, offset: 0 },
        timezone: 'UTC',
      },
    ]);
    expect(store.topEvents.data).toEqual([{ value: 'button_click', count: 3 }]);
    expect(store.topPages.data).toEqual([]);
  });

  test('hours and days are the Stats API’s buckets, in the configured zone', async () => {
    const store = setup();
    store.configure({
      projectId: PROJECT_ID,
      spec: { kind: 'preset', preset: '24h' },
      breakdown: false,
      timeZone: 'Asia/Kolkata',
    });
    await store.refresh();
    expect(fake.callsTo('GET', '/api/query/v1/stats/volume')).toHaveLength(0);
    const chart = statsCalls().find((b) => b.dimensions)!;
    expect(chart).toMatchObject({
      site_id: PROJECT_ID,
      metrics: ['events'],
      dimensions: ['time:hour'],
      include: { time_labels: true },
      timezone: 'Asia/Kolkata',
    });
    expect(statsCalls().every((b) => b.timezone === 'Asia/Kolkata')).toBe(true);
    // 24 hours to 17:30 India time: the 18:00 bucket of the local day is after the range.
    expect(store.volume.data?.labels).toEqual(['03-01 16:00', '03-01 17:00']);
    expect(store.volume.data?.series).toEqual([{ name: 'Events', data: [4, 0] }]);
    // The previous 24 hours started at 12:00 the day before: visitors 120 then, 120 now.
    expect(store.kpis.data?.previous.visitors).toBe(120);
  });

  test('changing the time zone asks again at once, in the new zone', async () => {
    const store = setup();
    const spec = { kind: 'preset' as const, preset: '7d' as const };
    store.configure({ projectId: PROJECT_ID, spec, breakdown: false, timeZone: 'UTC' });
    await store.refresh();
    store.configure({ projectId: PROJECT_ID, spec, breakdown: false, timeZone: 'America/New_York' });
    await store.refresh();
    expect(dataCalls()).toBe(2);
    expect(statsCalls().map((b) => b.timezone)).toEqual([
      ...Array(5).fill('UTC'),
      ...Array(5).fill('America/New_York'),
    ]);
  });

  test('nothing changed (same checkpoints, same minute): only the cheap signal is asked', async () => {
    const store = setup();
    store.configure({ projectId: PROJECT_ID, spec: { kind: 'preset', preset: '24h' }, breakdown: false });
    await store.refresh();
    now += 5000;
    await store.refresh();
    now += 5000;
    await store.refresh();
    expect(dataCalls()).toBe(1);
    expect(fake.callsTo('GET', '/api/query/v1/pipeline')).toHaveLength(3);
    expect(store.requests.skippedUnchanged).toBe(2);
  });

  test('a projection moved on: everything is asked again', async () => {
    const store = setup();
    store.configure({ projectId: PROJECT_ID, spec: { kind: 'preset', preset: '24h' }, breakdown: false });
    await store.refresh();
    offsets = 101;
    now += 5000;
    await store.refresh();
    expect(dataCalls()).toBe(2);
  });

  test('a sliding range that crossed a minute is asked again even without new events', async () => {
    const store = setup();
    store.configure({ projectId: PROJECT_ID, spec: { kind: 'preset', preset: '30m' }, breakdown: false });
    await store.refresh();
    now += 55_000; // 12:01:05
    await store.refresh();
    expect(dataCalls()).toBe(2);
  });

  test('a custom range entirely in the past is not asked again at all, not even the signal', async () => {
    const store = setup();
    const spec = { kind: 'custom' as const, from: now - 3 * 3600_000, to: now - 3600_000 };
    store.configure({ projectId: PROJECT_ID, spec, breakdown: false });
    await store.refresh();
    const signals = fake.callsTo('GET', '/api/query/v1/pipeline').length;
    offsets = 500;
    now += 120_000;
    await store.refresh();
    await store.refresh();
    expect(dataCalls()).toBe(1);
    expect(fake.callsTo('GET', '/api/query/v1/pipeline')).toHaveLength(signals);
    expect(store.requests.skippedPast).toBe(2);
    // …unless asked to.
    await store.refresh(true);
    expect(dataCalls()).toBe(2);
  });

  test('changing the range or the breakdown asks again at once', async () => {
    const store = setup();
    store.configure({ projectId: PROJECT_ID, spec: { kind: 'preset', preset: '24h' }, breakdown: false });
    await store.refresh();
    store.configure({ projectId: PROJECT_ID, spec: { kind: 'preset', preset: '7d' }, breakdown: false });
    await store.refresh();
    store.configure({ projectId: PROJECT_ID, spec: { kind: 'preset', preset: '7d' }, breakdown: true });
    await store.refresh();
    expect(dataCalls()).toBe(3);
    // Hour buckets (24 h and 7 d), now the Stats API's, by event name with the breakdown.
    expect(reportCalls().flatMap((b) => (b.dimensions ? [b.dimensions] : []))).toEqual([
      ['time:hour'],
      ['time:hour'],
      ['time:hour', 'event:name'],
    ]);
  });

  test('each part fails on its own, saying what failed; a failed part is asked again next time', async () => {
    const store = setup();
    const answer = withTopLists(statsAnswer);
    fake.on('POST', '/api/query/api/v2/query', (req: HttpRequest) => {
      if ((req.body as StatsQuery).dimensions?.[0] === 'event:page')
        throw apiError(503, 'READ_MODEL_UNAVAILABLE', 'the read models cannot be queried right now');
      return answer(req);
    });
    store.configure({ projectId: PROJECT_ID, spec: { kind: 'preset', preset: '24h' }, breakdown: false });
    await store.refresh();
    expect(store.notCounted.status).toBe('ready');
    expect(store.topPages.status).toBe('error');
    expect(store.topPages.error?.message).toBe(
      'Loading the top pages failed: the read models cannot be queried right now (READ_MODEL_UNAVAILABLE, HTTP 503)',
    );
    now += 5000;
    await store.refresh();
    expect(dataCalls()).toBe(2);
  });

  test('without a signal (pipeline status failing) the data is asked every time', async () => {
    const store = setup();
    fake.on('GET', '/api/query/v1/pipeline', () => {
      throw apiError(503, 'READ_MODEL_UNAVAILABLE', 'down');
    });
    store.configure({ projectId: PROJECT_ID, spec: { kind: 'preset', preset: '24h' }, breakdown: false });
    await store.refresh();
    now += 5000;
    await store.refresh();
    expect(dataCalls()).toBe(2);
  });

  test('the change signal sums each projection’s checkpoints', () => {
    expect(changeSignal(pipeline({ analytics: 7, admin: 2 }))).toBe('analytics:7|admin:2');
  });
});
