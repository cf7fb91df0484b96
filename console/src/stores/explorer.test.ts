/** The explorer store's actions on a fake API client: pages, races, live merging, selection. */
import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, test } from 'vitest';
import { createApp } from 'vue';
import { createApi } from '@/api';
import type { HttpRequest } from '@/api/http';
import { API } from '@/api/inject';
import { createFakeHttp, type FakeHttp } from '@/testing/fakeHttp';
import { event, events, PROJECT_ID } from '@/testing/fixtures';
import { compareEvents, sameFilters, useExplorerStore } from './explorer';

function setup(fake: FakeHttp) {
  const app = createApp({});
  app.provide(API, createApi(fake.client()));
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  return useExplorerStore();
}

describe('explorer store', () => {
  test('a slow answer for old filters never replaces the answer for the new ones', async () => {
    let release: () => void = () => undefined;
    const fake = createFakeHttp().on('GET', '/api/query/v1/events', async (req: HttpRequest) => {
      if (req.query?.event_name === 'slow') await new Promise<void>((resolve) => (release = resolve));
      return { items: events(1, { event_name: String(req.query?.event_name) }), next_cursor: null };
    });
    const store = setup(fake);
    const slow = store.load(PROJECT_ID, { event_name: 'slow' });
    await Promise.resolve();
    await store.load(PROJECT_ID, { event_name: 'fast' });
    release();
    await slow;
    expect(store.items.map((e) => e.event_name)).toEqual(['fast']);
  });

  test('loadMore appends the next cursor page once, even when asked twice at once', async () => {
    const fake = createFakeHttp().on('GET', '/api/query/v1/events', (req: HttpRequest) =>
      req.query?.cursor === 'c2'
        ? { items: events(2), next_cursor: null }
        : { items: events(50), next_cursor: 'c2' },
    );
    const store = setup(fake);
    await store.load(PROJECT_ID, {});
    await Promise.all([store.loadMore(), store.loadMore()]);
    expect(store.items).toHaveLength(52);
    expect(store.hasMore).toBe(false);
    expect(fake.callsTo('GET', '/api/query/v1/events')).toHaveLength(2);
  });

  test('pollNew merges late arrivals in order, not only at the top', async () => {
    const a = event({ timestamp: '2025-03-01T12:00:03.000Z' });
    const c = event({ timestamp: '2025-03-01T12:00:01.000Z' });
    let page = [a, c];
    const fake = createFakeHttp().on('GET', '/api/query/v1/events', () => ({
      items: page,
      next_cursor: null,
    }));
    const store = setup(fake);
    await store.load(PROJECT_ID, {});
    const b = event({ timestamp: '2025-03-01T12:00:02.000Z' });
    const d = event({ timestamp: '2025-03-01T12:00:04.000Z' });
    page = [d, a, b, c];
    expect(await store.pollNew()).toBe(2);
    expect(store.items.map((e) => e.event_id)).toEqual([d, a, b, c].map((e) => e.event_id));
  });

  test('compareEvents: latest first, event id descending on equal times', () => {
    const x = event({ event_id: '00000000-0000-4000-8000-00000000000a', timestamp: '2025-01-01T00:00:00Z' });
    const y = event({ event_id: '00000000-0000-4000-8000-00000000000b', timestamp: '2025-01-01T00:00:00Z' });
    expect([x, y].sort(compareEvents)).toEqual([y, x]);
  });

  test('select takes the event from the list, or asks for it, and reports an unknown one', async () => {
    const listed = event();
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/events', { items: [listed], next_cursor: null })
      .on('GET', '/api/query/v1/events/:id', () => {
        throw new (class extends Error {})('boom');
      });
    const store = setup(fake);
    await store.load(PROJECT_ID, {});
    await store.select(listed.event_id);
    expect(store.selected?.event_id).toBe(listed.event_id);
    await store.select('00000000-0000-4000-8000-999999999999');
    expect(store.selectedStatus).toBe('error');
    expect(store.selectedError?.message).toContain('Loading the event failed');
  });

  test('report filters go to the query side as the Stats API filters JSON, on every page', async () => {
    const fake = createFakeHttp().on('GET', '/api/query/v1/events', (req: HttpRequest) =>
      req.query?.cursor === 'c2'
        ? { items: events(1), next_cursor: null }
        : { items: events(50), next_cursor: 'c2' },
    );
    const store = setup(fake);
    const filters = {
      event_name: 'page_view',
      filters: [
        { dimension: 'event:page', op: 'is' as const, value: '/docs' },
        { dimension: 'visit:source', op: 'is_not' as const, value: 'Google' },
      ],
    };
    await store.load(PROJECT_ID, filters);
    await store.loadMore();
    const calls = fake.callsTo('GET', '/api/query/v1/events');
    expect(calls.map((c) => c.query?.filters)).toEqual([
      '[["is","event:page",["/docs"]],["is_not","visit:source",["Google"]]]',
      '[["is","event:page",["/docs"]],["is_not","visit:source",["Google"]]]',
    ]);
    expect(calls.every((c) => c.query?.event_name === 'page_view')).toBe(true);
    expect(store.items).toHaveLength(51);
    // The same filters again: nothing asked; other report filters: asked again.
    await store.load(PROJECT_ID, { ...filters, filters: [...filters.filters] });
    expect(fake.callsTo('GET', '/api/query/v1/events')).toHaveLength(2);
    await store.load(PROJECT_ID, { ...filters, filters: filters.filters.slice(0, 1) });
    expect(fake.callsTo('GET', '/api/query/v1/events')).toHaveLength(3);
    expect(fake.calls.at(-1)?.query?.filters).toBe('[["is","event:page",["/docs"]]]');
  });

  test('without report filters no `filters` parameter is sent; sameFilters compares them too', async () => {
    const fake = createFakeHttp().on('GET', '/api/query/v1/events', { items: [], next_cursor: null });
    const store = setup(fake);
    await store.load(PROJECT_ID, { user_id: 'u', filters: [] });
    expect(fake.calls.at(-1)?.query).not.toHaveProperty('filters');
    expect(store.isEmpty).toBe(true);
    const page = { dimension: 'event:page', op: 'is' as const, value: '/a' };
    expect(sameFilters({ filters: [page] }, { filters: [{ ...page }] })).toBe(true);
    expect(sameFilters({ filters: [page] }, { filters: [{ ...page, op: 'is_not' }] })).toBe(false);
    expect(sameFilters({}, { filters: [] })).toBe(true);
  });
});
