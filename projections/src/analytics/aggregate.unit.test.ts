import { describe, expect, it } from 'vitest';
import { pagePath } from '@eventlens/read-model';
import { aggregate, userKey } from './aggregate';
import type { EventRow } from './rows';

const P = '00000000-0000-4000-8000-000000000001';
const T0 = Date.UTC(2026, 0, 1, 23, 59, 30);

let seq = 0;
/** A row as toEventRow makes it: its page is the URL's (`pagePath`), whatever the overrides. */
function row(overrides: Partial<Omit<EventRow, 'page'>>): EventRow {
  seq++;
  const r = {
    project_id: P,
    event_id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    event_name: 'click',
    session_id: 's1',
    user_id: null,
    anonymous_id: 'anon-1',
    ts: T0,
    received_at: T0,
    url: null,
    referrer: null,
    metadata_json: '{}',
    context: {},
    leave_duration_ms: null,
    leave_scroll_depth: null,
    ...overrides,
  };
  return { ...r, page: r.url === null ? null : pagePath(r.url) };
}

describe('userKey', () => {
  it('is the user id when identified, else the anonymous id, else nobody', () => {
    expect(userKey({ user_id: 'u1', anonymous_id: 'a1' })).toBe('u1');
    expect(userKey({ user_id: null, anonymous_id: 'a1' })).toBe('a1');
    expect(userKey({ user_id: null, anonymous_id: null })).toBeNull();
  });
});

describe('aggregate', () => {
  it('summarises a session from events in any order: first/last seen, entry/exit URL, counts', () => {
    const events = [
      row({ ts: T0 + 20_000, url: 'https://a.dev/checkout', event_name: 'page_view' }),
      row({ ts: T0, url: 'https://a.dev/landing', event_name: 'page_view' }),
      row({ ts: T0 + 5_000, url: 'https://a.dev/landing', event_name: 'click' }),
      row({ ts: T0 + 30_000, url: 'https://a.dev/thanks', event_name: 'page_leave', user_id: 'u-7' }),
    ];
    const forward = aggregate(events);
    const backward = aggregate([...events].reverse());
    expect(forward.sessions).toEqual(backward.sessions);
    expect(forward.sessions).toEqual([
      expect.objectContaining({
        session_id: 's1',
        first_seen: T0,
        last_seen: T0 + 30_000,
        event_count: 4,
        page_views: 2,
        entry_url: 'https://a.dev/landing',
        exit_url: 'https://a.dev/thanks',
        entry_event_id: events[1]!.event_id,
        exit_event_id: events[3]!.event_id,
        user_id: 'u-7',
        anonymous_id: 'anon-1',
      }),
    ]);
  });

  it('breaks ties on the timestamp by event id, so entry and exit do not depend on arrival order', () => {
    const a = row({ ts: T0, url: 'https://a.dev/a' });
    const b = row({ ts: T0, url: 'https://a.dev/b' });
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const [session] = aggregate(order).sessions;
      expect(session).toMatchObject({ entry_url: 'https://a.dev/a', exit_url: 'https://a.dev/b' });
    }
  });

  it('counts page views per hour and path, without query string or fragment', () => {
    const { pages } = aggregate([
      row({ event_name: 'page_view', url: 'https://a.dev/pricing?plan=pro', ts: T0 }),
      row({ event_name: 'page_view', url: 'https://a.dev/pricing#faq', ts: T0 + 60_000 }),
      row({ event_name: 'page_view', url: 'https://a.dev/', ts: T0 }),
      row({ event_name: 'click', url: 'https://a.dev/pricing', ts: T0 }),
      row({ event_name: 'page_view', url: null, ts: T0 }),
    ]);
    const hour = Date.UTC(2026, 0, 1, 23);
    expect(pages).toEqual([
      { project_id: P, hour, path: '/', views: 1 },
      { project_id: P, hour, path: '/pricing', views: 1 },
      { project_id: P, hour: hour + 3_600_000, path: '/pricing', views: 1 },
    ]);
  });

  it('keys daily users by user id, else anonymous id, per UTC day, once each', () => {
    const { dailyUsers } = aggregate([
      row({ user_id: 'u1', anonymous_id: 'a1', ts: T0 }),
      row({ user_id: 'u1', anonymous_id: 'a2', ts: T0 + 1000 }),
      row({ user_id: null, anonymous_id: 'a1', ts: T0 }),
      row({ user_id: null, anonymous_id: 'a1', ts: T0 + 60_000 }),
      row({ user_id: null, anonymous_id: null, ts: T0 }),
    ]);
    expect(dailyUsers).toEqual([
      { project_id: P, day: '2026-01-01', user_key: 'a1' },
      { project_id: P, day: '2026-01-01', user_key: 'u1' },
      { project_id: P, day: '2026-01-02', user_key: 'a1' },
    ]);
  });

  it('counts volume per minute and name, and names with their last time seen', () => {
    const { volume, names } = aggregate([
      row({ event_name: 'click', ts: T0 }),
      row({ event_name: 'click', ts: T0 + 10_000 }),
      row({ event_name: 'click', ts: T0 + 40_000 }),
      row({ event_name: 'signup', ts: T0 }),
    ]);
    const minute = Date.UTC(2026, 0, 1, 23, 59);
    expect(volume).toEqual([
      { project_id: P, minute, event_name: 'click', count: 2 },
      { project_id: P, minute, event_name: 'signup', count: 1 },
      { project_id: P, minute: minute + 60_000, event_name: 'click', count: 1 },
    ]);
    expect(names).toEqual([
      { project_id: P, event_name: 'click', count: 3, last_seen: T0 + 40_000 },
      { project_id: P, event_name: 'signup', count: 1, last_seen: T0 },
    ]);
  });

  it('given bot traffic, then it is counted apart per day and left out of every report', () => {
    const result = aggregate([
      row({ event_name: 'page_view', url: '/pricing', user_id: 'u1', context: { bot: 'Headless' } }),
      row({ event_name: 'click', session_id: 's2', context: { bot: 'Googlebot', library: 'x' } }),
      row({ event_name: 'page_view', url: '/docs', ts: T0 + 60_000 }),
    ]);
    expect(result.bots).toEqual([{ project_id: P, day: '2026-01-01', count: 2 }]);
    expect(result.pages.map((p) => p.path)).toEqual(['/docs']);
    expect(result.sessions.map((s) => s.session_id)).toEqual(['s1']);
    expect(result.sessions[0]?.event_count).toBe(1);
    expect(result.dailyUsers.map((u) => u.user_key)).toEqual(['anon-1']);
    expect(result.names).toEqual([
      { project_id: P, event_name: 'page_view', count: 1, last_seen: T0 + 60_000 },
    ]);
    expect(result.volume.reduce((n, v) => n + v.count, 0)).toBe(1);
  });

  it('given excluded traffic, then it is counted apart per day and left out of every report', () => {
    const result = aggregate([
      row({ event_name: 'page_view', url: '/pricing', user_id: 'u1', context: { excluded: 'address' } }),
      row({
        event_name: 'click',
        session_id: 's2',
        ts: T0 + 60_000,
        context: { excluded: 'address', x: 'y' },
      }),
      row({ event_name: 'page_view', url: '/docs', ts: T0 + 60_000 }),
    ]);
    expect(result.excluded).toEqual([
      { project_id: P, day: '2026-01-01', count: 1 },
      { project_id: P, day: '2026-01-02', count: 1 },
    ]);
    expect(result.bots).toEqual([]);
    expect(result.pages.map((p) => p.path)).toEqual(['/docs']);
    expect(result.sessions.map((s) => [s.session_id, s.event_count])).toEqual([['s1', 1]]);
    expect(result.dailyUsers.map((u) => u.user_key)).toEqual(['anon-1']);
    expect(result.names).toEqual([
      { project_id: P, event_name: 'page_view', count: 1, last_seen: T0 + 60_000 },
    ]);
    expect(result.volume.reduce((n, v) => n + v.count, 0)).toBe(1);
  });

  it('counts an event that is both bot and excluded traffic once, as a bot', () => {
    const result = aggregate([row({ context: { bot: 'Headless', excluded: 'address' } })]);
    expect(result.bots).toEqual([{ project_id: P, day: '2026-01-01', count: 1 }]);
    expect(result.excluded).toEqual([]);
    expect(result.sessions).toEqual([]);
  });

  it('leaves events without a session out of the sessions, but not out of the counts', () => {
    const result = aggregate([row({ session_id: null }), row({ session_id: null })]);
    expect(result.sessions).toEqual([]);
    expect(result.names[0]?.count).toBe(2);
  });
});
