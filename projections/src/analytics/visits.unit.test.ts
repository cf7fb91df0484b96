import { describe, expect, it } from 'vitest';
import { DIRECT_SOURCE, pagePath, SOURCE_CATEGORIES } from '@eventlens/read-model';
import { aggregate, isEngagement } from './aggregate';
import type { EventRow, V2Fields } from './rows';
import { knownSource, SOURCES, sourceOf } from './sources';
import { visitOf } from './visits';

const P = '00000000-0000-4000-8000-000000000001';
const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);

let seq = 0;
function v2(overrides: Partial<V2Fields> = {}): V2Fields {
  return {
    page_title: null,
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    utm_term: null,
    utm_content: null,
    language: null,
    time_zone: null,
    browser: null,
    browser_version: null,
    os: null,
    os_version: null,
    device_type: null,
    country: null,
    screen_width: null,
    screen_height: null,
    client_sent_at: null,
    ...overrides,
  };
}
/** A row as toEventRow makes it: its page is the URL's (`pagePath`), whatever the overrides. */
function row(overrides: Partial<Omit<EventRow, 'page'>>): EventRow {
  seq++;
  const r = {
    project_id: P,
    event_id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    event_name: 'page_view',
    session_id: 'v1',
    user_id: null,
    anonymous_id: 'anon-1',
    ts: T0,
    received_at: T0,
    url: 'https://shop.example/',
    referrer: null,
    metadata_json: '{}',
    context: {},
    leave_duration_ms: null,
    leave_scroll_depth: null,
    v2: v2(),
    ...overrides,
  };
  return { ...r, page: r.url === null ? null : pagePath(r.url) };
}

describe('sourceOf', () => {
  const on = (referrer: string | null, utm_source: string | null = null) =>
    sourceOf({ referrer, url: 'https://shop.example/pricing', utm_source });

  it.each([
    ['https://www.google.com/', 'Google'],
    ['https://www.google.de/search?q=x', 'Google'],
    ['https://google.co.uk/', 'Google'],
    ['https://www.google.com.br/', 'Google'],
    ['https://www.bing.com/search?q=x', 'Bing'],
    ['https://duckduckgo.com/', 'DuckDuckGo'],
    ['https://search.yahoo.com/search?p=x', 'Yahoo!'],
    ['https://www.baidu.com/link?url=x', 'Baidu'],
    ['https://yandex.ru/search/', 'Yandex'],
    ['https://www.ecosia.org/search?q=x', 'Ecosia'],
    ['https://search.brave.com/search?q=x', 'Brave Search'],
    ['https://l.facebook.com/l.php?u=x', 'Facebook'],
    ['https://m.facebook.com/', 'Facebook'],
    ['https://t.co/abc', 'Twitter'],
    ['https://x.com/someone', 'Twitter'],
    ['https://lnkd.in/xyz', 'LinkedIn'],
    ['https://www.linkedin.com/feed/', 'LinkedIn'],
    ['https://old.reddit.com/r/node', 'Reddit'],
    ['https://l.instagram.com/', 'Instagram'],
    ['https://m.youtube.com/watch?v=1', 'YouTube'],
    ['https://www.pinterest.com/pin/1', 'Pinterest'],
    ['https://news.ycombinator.com/item?id=1', 'Hacker News'],
    ['https://github.com/eventlens/eventlens', 'GitHub'],
  ])('%s → %s', (referrer, name) => {
    expect(on(referrer)).toBe(name);
  });

  it('is Direct / None with no referrer, a referrer that is no web URL, or one on the same site', () => {
    expect(on(null)).toBe(DIRECT_SOURCE);
    expect(on('')).toBe(DIRECT_SOURCE);
    expect(on('not a url')).toBe(DIRECT_SOURCE);
    expect(on('android-app://com.google.android.gm/')).toBe(DIRECT_SOURCE);
    expect(on('https://shop.example/docs')).toBe(DIRECT_SOURCE);
    expect(on('https://WWW.Shop.Example/docs')).toBe(DIRECT_SOURCE);
  });

  it('names an unknown site by its host, lowercase and without www.', () => {
    expect(on('https://www.Blog.Example.org/post?id=1')).toBe('blog.example.org');
    expect(on('http://news.example.net:8080/a')).toBe('news.example.net');
    // A subdomain of the same site is another host: another source.
    expect(on('https://docs.shop.example/')).toBe('docs.shop.example');
  });

  it('does not take a lookalike host for a known one', () => {
    expect(on('https://google.evil.example/')).toBe('google.evil.example');
    expect(on('https://notgithub.com/')).toBe('notgithub.com');
    expect(on('https://github.com.example.net/')).toBe('github.com.example.net');
  });

  it('lets utm_source win over the referrer, naming known sources as the table does', () => {
    expect(on('https://www.google.com/', 'newsletter')).toBe('newsletter');
    expect(on(null, '  spring-mail ')).toBe('spring-mail');
    expect(on(null, 'google')).toBe('Google');
    expect(on(null, 'FB')).toBe('Facebook');
    expect(on(null, 't.co')).toBe('Twitter');
    expect(on(null, 'hn')).toBe('Hacker News');
    expect(on('https://shop.example/a', 'partner')).toBe('partner');
    expect(on('https://t.co/x', '   ')).toBe('Twitter');
  });

  it('is the same for a page URL given without a host (no internal check possible)', () => {
    expect(sourceOf({ referrer: 'https://shop.example/', url: '/pricing', utm_source: null })).toBe(
      'shop.example',
    );
    expect(sourceOf({ referrer: 'https://shop.example/', url: null, utm_source: null })).toBe('shop.example');
  });

  it('has one rule per name, and hosts that each belong to one source', () => {
    const names = SOURCES.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    const hosts = SOURCES.flatMap((s) => s.hosts ?? []);
    expect(new Set(hosts).size).toBe(hosts.length);
    for (const rule of SOURCES)
      for (const host of rule.hosts ?? []) expect(knownSource(host)).toBe(rule.name);
  });

  it('gives every source of the table a category, which visit:channel reads (read-model channels.ts)', () => {
    expect(SOURCES.map((s) => s.name).filter((name) => !(name.toLowerCase() in SOURCE_CATEGORIES))).toEqual(
      [],
    );
  });
});

describe('visits', () => {
  it('counts engagement: every event but page_view and page_leave, unless marked non-interactive', () => {
    const of = (event_name: string, context: Record<string, string> = {}) =>
      isEngagement({ event_name, context });
    expect(['page_view', 'page_leave', 'click', 'signup'].map((name) => of(name))).toEqual([
      false,
      false,
      true,
      true,
    ]);
    expect(of('Video Play', { interactive: 'false' })).toBe(false);
    // Only the marker Plausible's interactive: false becomes; any other value is an interaction.
    expect(of('Video Play', { interactive: 'true' })).toBe(true);
    expect(of('Video Play', { interactive: 'False' })).toBe(true);
  });

  it('bounces a visit of one page view and only non-interactive events, as Plausible does', () => {
    const result = aggregate([
      row({ session_id: 'quiet', ts: T0 }),
      row({ session_id: 'quiet', ts: T0 + 1, event_name: 'Scroll Depth', context: { interactive: 'false' } }),
      row({ session_id: 'quiet', ts: T0 + 2, event_name: 'page_leave' }),
      row({ session_id: 'engaged', ts: T0 }),
      row({
        session_id: 'engaged',
        ts: T0 + 1,
        event_name: 'Scroll Depth',
        context: { interactive: 'false' },
      }),
      row({ session_id: 'engaged', ts: T0 + 2, event_name: 'Signup' }),
    ]);
    expect(
      result.sessions.map((s) => [s.session_id, s.page_views, s.engagement_events, s.event_count]),
    ).toEqual([
      ['engaged', 1, 1, 3],
      ['quiet', 1, 0, 3],
    ]);
  });

  it('takes every attribute from the entry event, whatever the order the events came in', () => {
    const entry = row({
      ts: T0,
      url: 'https://shop.example/landing?utm_source=x#top',
      referrer: 'https://www.google.com/',
      v2: v2({
        utm_medium: 'cpc',
        utm_campaign: 'spring',
        utm_term: 'shoes',
        utm_content: 'a',
        browser: 'Firefox',
        browser_version: '125',
        os: 'Linux',
        os_version: '6.8',
        device_type: 'desktop',
        country: 'DE',
      }),
    });
    const events = [
      row({
        ts: T0 + 60_000,
        url: 'https://shop.example/checkout',
        referrer: 'https://shop.example/landing',
        v2: v2({
          utm_source: 'later',
          browser: 'Chrome',
          browser_version: '124',
          os: 'Android',
          os_version: '14',
          device_type: 'mobile',
          country: 'FR',
        }),
      }),
      entry,
      row({ ts: T0 + 5_000, event_name: 'click', url: 'https://shop.example/landing' }),
      row({ ts: T0 + 90_000, event_name: 'page_leave', url: 'https://shop.example/checkout?step=2' }),
    ];
    const forward = aggregate(events).sessions;
    expect(aggregate([...events].reverse()).sessions).toEqual(forward);
    expect(forward).toEqual([
      expect.objectContaining({
        session_id: 'v1',
        entry_event_id: entry.event_id,
        entry_path: '/landing',
        exit_path: '/checkout',
        entry_referrer: 'https://www.google.com/',
        source: 'Google',
        utm_source: null,
        utm_medium: 'cpc',
        utm_campaign: 'spring',
        utm_term: 'shoes',
        utm_content: 'a',
        browser: 'Firefox',
        browser_version: '125',
        os: 'Linux',
        os_version: '6.8',
        device_type: 'desktop',
        country: 'DE',
        page_views: 2,
        engagement_events: 1,
        event_count: 4,
      }),
    ]);
  });

  it('leaves excluded traffic out: no visit from it, and it counts in no visit', () => {
    const result = aggregate([
      row({ session_id: 'own', context: { excluded: 'address' } }),
      row({ session_id: 'v1', ts: T0 + 1, context: { excluded: 'address' }, event_name: 'click' }),
      row({ session_id: 'v1', ts: T0 + 2 }),
    ]);
    expect(
      result.sessions.map((s) => [s.session_id, s.engagement_events, s.page_views, s.event_count]),
    ).toEqual([['v1', 0, 1, 1]]);
    expect(result.excluded).toEqual([{ project_id: P, day: '2026-03-01', count: 2 }]);
  });

  it('leaves bot traffic out: a visit is made of human events only', () => {
    const result = aggregate([
      row({ session_id: 'b', context: { bot: 'Googlebot' } }),
      row({ session_id: 'v1', ts: T0 + 1, context: { bot: 'Headless' }, event_name: 'click' }),
      row({ session_id: 'v1', ts: T0 + 2 }),
    ]);
    expect(result.sessions.map((s) => [s.session_id, s.engagement_events, s.page_views])).toEqual([
      ['v1', 0, 1],
    ]);
  });

  it('gives a v1 record (no v2 fields) null UTM and client fields, and its source from the referrer', () => {
    const { v2: _absent, ...v1 } = row({ referrer: 'https://news.ycombinator.com/', url: null });
    expect(visitOf(v1)).toEqual({
      utm_source: null,
      utm_medium: null,
      utm_campaign: null,
      utm_term: null,
      utm_content: null,
      browser: null,
      browser_version: null,
      os: null,
      os_version: null,
      device_type: null,
      country: null,
      entry_path: null,
      entry_referrer: 'https://news.ycombinator.com/',
      source: 'Hacker News',
    });
  });

  it('has no exit path for an exit event without a URL', () => {
    const [session] = aggregate([
      row({ ts: T0 }),
      row({ ts: T0 + 1, url: null, event_name: 'signup' }),
    ]).sessions;
    expect(session).toMatchObject({ entry_path: '/', exit_path: null, exit_url: null });
  });
});
