import { describe, expect, it } from 'vitest';
import { TrackEvent } from '@eventlens/contracts';
import { contextOf, derivedTimestamp, pageContextOf, recordKey, toEventTracked } from './track';

const projectId = '7d8e6c57-7a4e-4d0e-9d43-0b6c0f1b2a10';
const stamp = { projectId, receivedAt: Date.UTC(2025, 0, 2, 3, 4, 5), newId: () => 'generated-id' };

describe('record key', () => {
  it('keeps a session together, else an anonymous visitor, else the event alone', () => {
    const base = { session_id: null, anonymous_id: null, event_id: 'e1' };
    expect(recordKey(projectId, { ...base, session_id: 's1', anonymous_id: 'a1' })).toBe(`${projectId}:s1`);
    expect(recordKey(projectId, { ...base, anonymous_id: 'a1' })).toBe(`${projectId}:a1`);
    expect(recordKey(projectId, base)).toBe(`${projectId}:e1`);
  });
});

describe('TrackEvent → EventTracked', () => {
  it('stamps the project and arrival time, fills the id and defaults, and keeps metadata as JSON text', () => {
    const { api_key: _key, ...item } = TrackEvent.parse({
      api_key: 'el_abcdefghijklmnop1234',
      event_name: 'click',
    });
    expect(toEventTracked(item, stamp)).toEqual({
      event_id: 'generated-id',
      project_id: projectId,
      event_name: 'click',
      session_id: null,
      user_id: null,
      anonymous_id: null,
      timestamp: stamp.receivedAt,
      received_at: stamp.receivedAt,
      url: null,
      referrer: null,
      metadata_json: '{}',
      context: {},
      // v2: nothing known of the page nor of the sender.
      page_title: null,
      utm_source: null,
      utm_medium: null,
      utm_campaign: null,
      utm_term: null,
      utm_content: null,
      screen_width: null,
      screen_height: null,
      language: null,
      time_zone: null,
      client_sent_at: null,
      browser: null,
      browser_version: null,
      os: null,
      os_version: null,
      device_type: null,
      country: null,
    });
  });

  it('keeps every field the client sent, with an ISO timestamp normalised to epoch ms', () => {
    const { api_key: _key, ...item } = TrackEvent.parse({
      api_key: 'el_abcdefghijklmnop1234',
      event_name: 'page_view',
      event_id: 'a3bb189e-8bf9-4888-9912-ace4e6543002',
      session_id: 's',
      user_id: 'u',
      anonymous_id: 'a',
      timestamp: '2024-05-06T07:08:09.010+02:00',
      url: 'https://example.com/a?b=1',
      referrer: 'https://google.com/',
      metadata: { plan: 'pro', n: 3, nested: { ok: true } },
      context: { locale: 'fr-FR' },
    });
    expect(toEventTracked(item, stamp)).toMatchObject({
      event_id: 'a3bb189e-8bf9-4888-9912-ace4e6543002',
      session_id: 's',
      user_id: 'u',
      anonymous_id: 'a',
      timestamp: Date.UTC(2024, 4, 6, 5, 8, 9, 10),
      url: 'https://example.com/a?b=1',
      referrer: 'https://google.com/',
      metadata_json: '{"plan":"pro","n":3,"nested":{"ok":true}}',
      context: { locale: 'fr-FR', client_timestamp: String(Date.UTC(2024, 4, 6, 5, 8, 9, 10)) },
    });
  });

  it('keeps whitespace, and keys such as constructor, exactly', () => {
    const { api_key: _key, ...item } = TrackEvent.parse({
      api_key: 'el_abcdefghijklmnop1234',
      event_name: ' click ',
      user_id: ' u ',
      metadata: JSON.parse('{"constructor":{"prototype":1},"":[-1.5e-7]}') as Record<string, unknown>,
      context: JSON.parse('{"constructor":"c"}') as Record<string, string>,
    });
    const event = toEventTracked(item, stamp);
    expect(event).toMatchObject({ event_name: ' click ', user_id: ' u ', context: { constructor: 'c' } });
    expect(JSON.parse(event.metadata_json)).toEqual({ constructor: { prototype: 1 }, '': [-1.5e-7] });
  });
});

describe('client clocks', () => {
  // A plain clock: the server received the request at this instant.
  const receivedAt = Date.UTC(2026, 5, 1, 12, 0, 0);
  const minute = 60_000;
  const day = 86_400_000;

  it('uses the arrival time when the client gives no timestamp', () => {
    expect(derivedTimestamp(undefined, undefined, receivedAt)).toBe(receivedAt);
    expect(derivedTimestamp(undefined, receivedAt - day, receivedAt)).toBe(receivedAt);
  });

  it('removes the client clock offset: timestamp + (received_at - sent_at)', () => {
    // The client's clock is 5 minutes fast; the event happened 2 s before it sent the request.
    const sentAt = receivedAt + 5 * minute;
    expect(derivedTimestamp(sentAt - 2000, sentAt, receivedAt)).toBe(receivedAt - 2000);
    // 10 minutes slow, and the request took 300 ms on the way: the event moves by both.
    const slowSent = receivedAt - 10 * minute - 300;
    expect(derivedTimestamp(slowSent - 1000, slowSent, receivedAt)).toBe(receivedAt - 1000);
  });

  it('never lands later than the arrival time: a year-2099 clock, with or without sent_at', () => {
    const in2099 = Date.UTC(2099, 0, 1);
    expect(derivedTimestamp(in2099, undefined, receivedAt)).toBe(receivedAt);
    expect(derivedTimestamp(in2099, in2099, receivedAt)).toBe(receivedAt);
    expect(derivedTimestamp(in2099 + 5000, in2099, receivedAt)).toBe(receivedAt);
    expect(derivedTimestamp(in2099 - 5000, in2099, receivedAt)).toBe(receivedAt - 5000);
    expect(derivedTimestamp(receivedAt + 1, undefined, receivedAt)).toBe(receivedAt);
  });

  it('keeps an old event at its age relative to sent_at, however old (offline queues)', () => {
    const sentAt = receivedAt - 3 * minute;
    expect(derivedTimestamp(sentAt - 30 * day, sentAt, receivedAt)).toBe(receivedAt - 30 * day);
    expect(derivedTimestamp(Date.UTC(2001, 0, 1), undefined, receivedAt)).toBe(Date.UTC(2001, 0, 1));
  });

  it("keeps the client's readings in context as decimal epoch-ms strings", () => {
    expect(contextOf({ context: { a: 'b' } }, undefined)).toEqual({ a: 'b' });
    expect(contextOf({}, undefined)).toEqual({});
    expect(contextOf({ context: { a: 'b' } }, undefined, 'HeadlessChrome')).toEqual({
      a: 'b',
      bot: 'HeadlessChrome',
    });
    expect(contextOf({ timestamp: 1_700_000_000_123 }, 1_700_000_000_999)).toEqual({
      client_timestamp: '1700000000123',
      client_sent_at: '1700000000999',
    });
    expect(contextOf({ context: { a: 'b' } }, 5)).toEqual({ a: 'b', client_sent_at: '5' });
    expect(contextOf({ context: { a: 'b' } }, undefined, undefined, 'address')).toEqual({
      a: 'b',
      excluded: 'address',
    });
  });

  it('stamps the derived timestamp and the readings on the event', () => {
    const { api_key: _key, ...item } = TrackEvent.parse({
      api_key: 'el_abcdefghijklmnop1234',
      event_name: 'x',
      timestamp: '2099-01-01T00:00:00.000Z',
    });
    const sentAt = Date.UTC(2099, 0, 1, 0, 0, 3);
    const event = toEventTracked(item, { ...stamp, sentAt });
    expect(event.timestamp).toBe(stamp.receivedAt - 3000);
    expect(event.context).toEqual({
      client_timestamp: String(Date.UTC(2099, 0, 1)),
      client_sent_at: String(sentAt),
    });
    expect(event.client_sent_at).toBe(sentAt);
  });
});

describe('EventTracked v2: typed page context and what the server derived', () => {
  const sdkContext = {
    title: 'Pricing – Acme',
    screen: '390x844',
    language: 'fr-FR',
    time_zone: 'Europe/Paris',
    utm_source: 'newsletter',
    utm_medium: 'email',
    utm_campaign: 'spring',
    utm_term: 'analytics',
    utm_content: 'header link',
  };

  it('types the page context the SDK sends, and keeps the context map exactly as sent for v1 readers', () => {
    const { api_key: _key, ...item } = TrackEvent.parse({
      api_key: 'el_abcdefghijklmnop1234',
      event_name: 'page_view',
      context: sdkContext,
    });
    const event = toEventTracked(item, stamp);
    expect(event).toMatchObject({
      page_title: 'Pricing – Acme',
      screen_width: 390,
      screen_height: 844,
      language: 'fr-FR',
      time_zone: 'Europe/Paris',
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'spring',
      utm_term: 'analytics',
      utm_content: 'header link',
    });
    expect(event.context).toEqual(sdkContext);
  });

  it('reads what an SDK from before v2 sends (no title, no time zone), and refuses nothing new', () => {
    expect(pageContextOf({ screen: '1920x1080', language: 'en-US', utm_source: 'x' })).toEqual({
      page_title: null,
      utm_source: 'x',
      utm_medium: null,
      utm_campaign: null,
      utm_term: null,
      utm_content: null,
      screen_width: 1920,
      screen_height: 1080,
      language: 'en-US',
      time_zone: null,
    });
    // A screen in another form stays in the context map only.
    for (const screen of ['big', '0x10', '1920 x 1080', '1920x1080x2', '123456x1'])
      expect(pageContextOf({ screen })).toMatchObject({ screen_width: null, screen_height: null });
    expect(pageContextOf(undefined).page_title).toBeNull();
    // Only own keys: an inherited name is not a context key.
    expect(pageContextOf(JSON.parse('{"constructor":"c"}') as Record<string, string>).language).toBeNull();
  });

  it('stamps the sender fields the request gave, whatever the client sent', () => {
    const sender = {
      browser: 'Chrome',
      browser_version: '124',
      os: 'Windows',
      os_version: '10',
      device_type: 'desktop',
      country: 'FR',
    };
    const event = toEventTracked({ event_name: 'x' }, { ...stamp, client: sender });
    expect(event).toMatchObject(sender);
  });
});
