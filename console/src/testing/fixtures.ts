/** Builders of API answers, with plausible defaults. */
import type { HttpRequest } from '@/api/http';
import type {
  ApiKey,
  EventItem,
  NotCounted,
  Pipeline,
  Project,
  SessionItem,
  StatsQuery,
  Volume,
} from '@/api/types';
import { TOP_LISTS, type TopList } from '@/modules/overview/stats';

export const PROJECT_ID = '11111111-1111-4111-8111-111111111111';
export const OTHER_PROJECT_ID = '22222222-2222-4222-8222-222222222222';

export function project(overrides: Partial<Project> = {}): Project {
  return {
    project_id: PROJECT_ID,
    name: 'Demo site',
    created_at: '2025-03-01T10:00:00.000Z',
    created_by: null,
    ...overrides,
  };
}

let n = 0;
export function event(overrides: Partial<EventItem> = {}): EventItem {
  n++;
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return {
    event_id: id,
    event_name: 'button_click',
    session_id: 'sess-1',
    user_id: null,
    anonymous_id: 'anon-1',
    url: 'https://shop.example/pricing?x=1',
    page: '/pricing',
    referrer: null,
    timestamp: new Date(Date.UTC(2025, 2, 1, 12, 0, 0) - n * 1000).toISOString(),
    received_at: new Date(Date.UTC(2025, 2, 1, 12, 0, 1) - n * 1000).toISOString(),
    metadata: { text: 'Add to cart', id: 'add-to-cart' },
    context: { locale: 'en' },
    ...overrides,
  };
}

export function events(count: number, overrides: Partial<EventItem> = {}): EventItem[] {
  return Array.from({ length: count }, () => event(overrides));
}

export function notCounted(overrides: Partial<NotCounted> = {}): NotCounted {
  return {
    from: '2025-03-01T00:00:00.000Z',
    to: '2025-03-02T00:00:00.000Z',
    bot_events: 3,
    excluded_events: 0,
    ...overrides,
  };
}

export function volume(overrides: Partial<Volume> = {}): Volume {
  return {
    from: '2025-03-01T00:00:00.000Z',
    to: '2025-03-01T03:00:00.000Z',
    interval: 'hour',
    buckets: [
      { start: '2025-03-01T00:00:00.000Z', count: 3 },
      { start: '2025-03-01T01:00:00.000Z', count: 5 },
      { start: '2025-03-01T02:00:00.000Z', count: 0 },
    ],
    breakdown: null,
    ...overrides,
  };
}

/**
 * A Stats API handler that answers the Overview's top lists (modules/overview/stats.ts, `TOP_LISTS`)
 * with `rows` (value and count, as sent; none when not given) and hands every other query to `otherwise`.
 */
export function withTopLists(
  otherwise: (req: HttpRequest) => unknown,
  rows: Partial<Record<TopList, Array<[value: string, count: number]>>> = {},
) {
  return (req: HttpRequest) => {
    const body = req.body as StatsQuery;
    const list = (Object.keys(TOP_LISTS) as TopList[]).find(
      (l) =>
        body.metrics.length === 1 &&
        body.metrics[0] === TOP_LISTS[l].metric &&
        body.dimensions?.length === 1 &&
        body.dimensions[0] === TOP_LISTS[l].dimension,
    );
    if (list === undefined) return otherwise(req);
    const results = (rows[list] ?? []).map(([value, count]) => ({ metrics: [count], dimensions: [value] }));
    return { results, meta: {}, query: { timezone: body.timezone } };
  };
}

export function pipeline(offsets: Record<string, number> = { analytics: 10 }): Pipeline {
  return {
    window: { minutes: 15, from: '2025-03-01T11:46:00.000Z', to: '2025-03-01T12:00:30.000Z' },
    projections: Object.entries(offsets).map(([projection, next]) => ({
      projection,
      lag: 0,
      last_processed_at: '2025-03-01T12:00:00.000Z',
      updated_at: '2025-03-01T12:00:00.000Z',
      retry_count: 0,
      dlq_count: 0,
      partitions: [
        {
          topic: 'eventlens.events',
          partition: 0,
          next_offset: next,
          high_watermark: next,
          lag: 0,
          last_processed_at: '2025-03-01T12:00:00.000Z',
          updated_at: '2025-03-01T12:00:00.000Z',
        },
      ],
      throughput: {
        applied: 0,
        per_second: 0,
        per_minute: Array.from({ length: 15 }, (_, i) => ({
          minute: new Date(Date.UTC(2025, 2, 1, 11, 46 + i)).toISOString(),
          applied: 0,
        })),
      },
      freshness: { count: 0, p50_ms: null, p99_ms: null },
    })),
  };
}

export function session(overrides: Partial<SessionItem> = {}): SessionItem {
  return {
    session_id: 'sess-1',
    user_id: null,
    anonymous_id: 'anon-1',
    first_seen: '2025-03-01T11:00:00.000Z',
    last_seen: '2025-03-01T11:05:00.000Z',
    duration_ms: 300_000,
    event_count: 4,
    page_views: 2,
    entry_url: 'https://shop.example/',
    exit_url: 'https://shop.example/pricing',
    entry_page: '/',
    exit_page: '/pricing',
    ...overrides,
  };
}

export function apiKey(overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    key_id: '33333333-3333-4333-8333-333333333333',
    kind: 'write',
    name: 'default',
    key_prefix: 'el_abcdefg',
    issued_at: '2025-03-01T10:00:00.000Z',
    revoked_at: null,
    ...overrides,
  };
}
