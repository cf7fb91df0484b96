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
import { apiError, createFakeHttp, type FakeHttp } from '@/testing/fakeHttp';
import { overview, pipeline, PROJECT_ID, volume } from '@/testing/fixtures';
import { changeSignal, useOverviewStore } from './overview';

let fake: FakeHttp;
let now: number;
let offsets: number;

function setup() {
  fake = createFakeHttp()
    .on('GET', '/api/query/v1/pipeline', () => pipeline({ analytics: offsets, admin: 3 }))
    .on('GET', '/api/query/v1/stats/overview', overview())
    .on('GET', '/api/query/v1/stats/volume', volume())
    .on('GET', '/api/query/v1/stats/top-events', {
      from: '',
      to: '',
      items: [{ event_name: 'button_click', count: 3 }],
    })
    .on('GET', '/api/query/v1/stats/top-pages', { from: '', to: '', items: [] });
  const app = createApp({});
  app.provide(API, createApi(fake.client()));
  app.provide(CLOCK, () => now);
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  return useOverviewStore();
}

const dataCalls = () => fake.callsTo('GET', '/api/query/v1/stats/overview').length;

beforeEach(() => {
  now = Date.UTC(2025, 2, 1, 12, 0, 10);
  offsets = 100;
});

describe('overview refresh', () => {
  test('the first refresh loads counters, volume, top events and top pages for the range', async () => {
    const store = setup();
    store.configure({ projectId: PROJECT_ID, spec: { kind: 'preset', preset: '30m' }, breakdown: true });
    await store.refresh();
    expect(store.counters.data?.events).toBe(1234);
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
    expect(fake.callsTo('GET', '/api/query/v1/stats/volume').map((c) => c.query?.interval)).toEqual([
      'hour',
      'hour',
      'hour',
    ]);
  });

  test('each part fails on its own, saying what failed; a failed part is asked again next time', async () => {
    const store = setup();
    fake.on('GET', '/api/query/v1/stats/top-pages', () => {
      throw apiError(503, 'READ_MODEL_UNAVAILABLE', 'the read models cannot be queried right now');
    });
    store.configure({ projectId: PROJECT_ID, spec: { kind: 'preset', preset: '24h' }, breakdown: false });
    await store.refresh();
    expect(store.counters.status).toBe('ready');
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
