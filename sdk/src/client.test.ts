import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ACCEPTED_FIELDS, HOST, KEY, UUID, mapStorage, names, network, tab } from '../test/support.js';
import { KEEPALIVE_BUDGET, SESSION_TIMEOUT_MS, cut, keys, on, store, uuid } from './client.js';

/** The time zone of the machine running the tests, as the browser reports its own. */
const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-01T12:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the event envelope', () => {
  it('carries exactly the fields the API accepts, with the types it expects, and no nulls', () => {
    const { client, net } = tab({ url: 'https://shop.example/pricing?x=1' });
    client.send('signup', { plan: 'pro' });

    expect(net.sent).toHaveLength(1);
    const [req] = net.sent;
    expect(req!.body).not.toContain('null');
    const body = JSON.parse(req!.body);
    expect(Object.keys(body).every((k) => ACCEPTED_FIELDS.includes(k))).toBe(true);
    expect(body).toEqual({
      api_key: KEY,
      event_name: 'signup',
      metadata: { plan: 'pro' },
      session_id: expect.stringMatching(UUID),
      anonymous_id: expect.stringMatching(UUID),
      event_id: expect.stringMatching(UUID),
      timestamp: Date.now(),
      url: 'https://shop.example/pricing?x=1',
      context: { screen: '1280x720', language: 'en-GB', time_zone: TIME_ZONE, title: '' },
      sent_at: Date.now(),
    });
    // Absent fields are left out rather than sent as null.
    expect(body).not.toHaveProperty('user_id');
    expect(body).not.toHaveProperty('referrer');
  });

  it('sends the page title as it is at each event (an SPA changes it), cut to what the API accepts', () => {
    const { client, net, document } = tab();
    document.title = 'Pricing';
    client.send('a');
    document.title = 'Checkout ' + 'x'.repeat(600);
    client.send('b');
    expect(net.events().map((e) => e.context.title)).toEqual([
      'Pricing',
      ('Checkout ' + 'x'.repeat(600)).slice(0, 500),
    ]);
    expect(net.events()[0]!.context.time_zone).toBe(TIME_ZONE);
  });

  it('gives every event its own id', () => {
    const { client, net } = tab();
    for (let i = 0; i < 50; i++) client.send('e');
    expect(new Set(net.events().map((e) => e.event_id)).size).toBe(50);
  });

  it('carries the referrer and the user id when there are some', () => {
    const local = mapStorage();
    local.data.set('el_u', 'user-42');
    const { client, net } = tab({ referrer: 'https://search.example/?q=shoes', local: local.storage });
    client.send('e');
    expect(net.events()[0]).toMatchObject({
      referrer: 'https://search.example/?q=shoes',
      user_id: 'user-42',
    });
  });

  it("puts the landing page's utm parameters in the context, as strings, on every event", () => {
    const { client, net } = tab({
      url: 'https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=spring&utm_term=shoes&utm_content=hero&utm_id=7&ref=x',
    });
    client.send('a');
    client.send('b');
    for (const e of net.events())
      expect(e.context).toEqual({
        screen: '1280x720',
        language: 'en-GB',
        time_zone: TIME_ZONE,
        title: '',
        utm_source: 'newsletter',
        utm_medium: 'email',
        utm_campaign: 'spring',
        utm_term: 'shoes',
        utm_content: 'hero',
      });
  });

  it('names events with 1–200 characters, trimmed, and sends nothing for an empty name', () => {
    const { client, net } = tab();
    client.send('  spaced  ');
    client.send('x'.repeat(300));
    client.send('   ');
    client.send('');
    expect(names(net)).toEqual(['spaced', 'x'.repeat(200)]);
  });

  it('leaves the fragment out of url and referrer, unless hash routing is on', () => {
    const off = tab({ url: 'https://app.example/app/#/settings', referrer: 'https://a.example/#x' });
    off.client.ref = 'https://app.example/app/#/billing';
    off.client.send('e');
    expect(off.net.events()[0]).toMatchObject({
      url: 'https://app.example/app/',
      referrer: 'https://app.example/app/',
    });
    const on = tab({ url: 'https://app.example/app/#/settings', options: { hashRouting: true } });
    on.client.ref = 'https://app.example/app/#/billing';
    on.client.send('e');
    expect(on.net.events()[0]).toMatchObject({
      url: 'https://app.example/app/#/settings',
      referrer: 'https://app.example/app/#/billing',
    });
  });

  it('cuts every text on a code-point boundary, never leaving half a character', () => {
    const emoji = '😀'; // two UTF-16 code units
    const { client, net } = tab({
      url: 'https://shop.example/?utm_source=' + encodeURIComponent('a' + emoji.repeat(300)),
    });
    client.ref = 'https://r.example/' + 'b'.repeat(2029) + emoji.repeat(10); // 2,048th unit: a high surrogate
    client.send('x'.repeat(199) + emoji);
    const e = net.events()[0]!;
    const whole = (s: string) => expect(s).toMatch(/^(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/u);
    expect(e.event_name).toBe('x'.repeat(199));
    expect(e.context.utm_source).toBe('a' + emoji.repeat(249));
    expect(e.referrer).toHaveLength(2047);
    for (const s of [e.event_name, e.context.utm_source!, e.referrer!]) whole(s);
    expect(cut('ab' + emoji, 3)).toBe('ab');
    expect(cut('ab' + emoji, 4)).toBe('ab' + emoji);
    expect(cut('abc', 2)).toBe('ab');
  });

  it('keeps url and referrer within the 2,048 characters the API allows', () => {
    const long = 'https://shop.example/?q=' + 'a'.repeat(3000);
    const { client, net } = tab({ url: long, referrer: long });
    client.send('e');
    expect(net.events()[0]!.url).toHaveLength(2048);
    expect(net.events()[0]!.referrer).toHaveLength(2048);
  });
});

describe('uuid', () => {
  it('uses crypto.randomUUID where there is one', () => {
    expect(uuid({ randomUUID: () => '00000000-0000-4000-8000-000000000000' } as unknown as Crypto)).toBe(
      '00000000-0000-4000-8000-000000000000',
    );
  });

  it("falls back to a blob URL's UUID (plain http pages have no randomUUID) and still makes v4 UUIDs", () => {
    const noRandomUUID = { getRandomValues: <T extends ArrayBufferView>(a: T) => crypto.getRandomValues(a) };
    const ids = Array.from({ length: 2000 }, () => uuid(noRandomUUID as Crypto));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('sessions', () => {
  it('keeps one session id in sessionStorage for the events of a page', () => {
    const session = mapStorage();
    const { client, net } = tab({ session: session.storage });
    client.send('a');
    client.send('b');
    const [a, b] = net.events();
    expect(a!.session_id).toMatch(UUID);
    expect(b!.session_id).toBe(a!.session_id);
    expect(session.data.get('el_s')).toContain(a!.session_id);
  });

  it('keeps the session across a reload, and starts a new one in a new tab', () => {
    const local = mapStorage().storage;
    const session = mapStorage().storage;
    const first = tab({ local, session });
    first.client.send('a');
    const reloaded = tab({ local, session });
    reloaded.client.send('b');
    const newTab = tab({ local });
    newTab.client.send('c');

    const [a] = first.net.events(),
      [b] = reloaded.net.events(),
      [c] = newTab.net.events();
    expect(b!.session_id).toBe(a!.session_id);
    expect(c!.session_id).not.toBe(a!.session_id);
    // The anonymous id lives in localStorage: the same in every tab.
    expect(b!.anonymous_id).toBe(a!.anonymous_id);
    expect(c!.anonymous_id).toBe(a!.anonymous_id);
  });

  it('rolls over after 30 minutes without activity, and activity keeps it alive', () => {
    const { client, net } = tab();
    client.send('a');
    // Every 20 minutes for two hours: one session.
    for (let i = 0; i < 6; i++) {
      vi.advanceTimersByTime(20 * 60_000);
      client.send('active');
    }
    vi.advanceTimersByTime(SESSION_TIMEOUT_MS + 1);
    client.send('back');
    const ids = net.events().map((e) => e.session_id);
    expect(new Set(ids.slice(0, 7)).size).toBe(1);
    expect(ids[7]).toMatch(UUID);
    expect(ids[7]).not.toBe(ids[0]);
  });

  it('is still the same 29 minutes later', () => {
    const { client, net } = tab();
    client.send('a');
    vi.advanceTimersByTime(29 * 60_000);
    client.send('b');
    const [a, b] = net.events();
    expect(b!.session_id).toBe(a!.session_id);
  });
});

describe('when storage is unavailable', () => {
  const throws = () => {
    throw new DOMException('The operation is insecure.', 'SecurityError');
  };

  it('works in memory when merely reading window.localStorage throws (sandboxed iframe)', () => {
    const { client, net } = tab({ local: throws, session: throws });
    client.send('a');
    client.send('b');
    const [a, b] = net.events();
    expect(a!.session_id).toMatch(UUID);
    expect(a!.anonymous_id).toMatch(UUID);
    expect(b!.session_id).toBe(a!.session_id);
    expect(b!.anonymous_id).toBe(a!.anonymous_id);
  });

  it('works in memory when writes throw (private mode, quota full) and keeps ids it had read', () => {
    const local = mapStorage();
    local.data.set('el_a', 'anon-from-before');
    const session = mapStorage();
    local.state.full = true;
    session.state.full = true;
    const { client, net } = tab({ local: local.storage, session: session.storage });
    client.send('a');
    client.send('b');
    const [a, b] = net.events();
    expect(a!.anonymous_id).toBe('anon-from-before');
    expect(b!.anonymous_id).toBe('anon-from-before');
    expect(b!.session_id).toBe(a!.session_id);
  });

  it('a store falls back per access, and a value another tab removed does not come back from memory', () => {
    const backing = mapStorage();
    const s = store(() => backing.storage);
    s.set('k', 'v');
    expect(backing.data.get('k')).toBe('v');
    backing.data.delete('k'); // another tab removed it
    expect(s.get('k')).toBeUndefined();

    backing.state.full = true;
    s.set('k', 'kept in memory');
    expect(s.get('k')).toBe('kept in memory');
    expect(keys(s)).toContain('k');
    s.set('k');
    expect(s.get('k')).toBeUndefined();
  });
});

describe('delivery', () => {
  it('POSTs each event to /v1/events as a text/plain string with keepalive, so no CORS preflight happens', () => {
    const { client, net } = tab({ options: { host: HOST + '/' } });
    client.send('e');
    const [req] = net.sent;
    expect(req).toMatchObject({ url: `${HOST}/v1/events`, method: 'POST', keepalive: true, via: 'fetch' });
    expect(req!.headers).toBeUndefined();
    // What the browser will send: a string body makes the request "simple" (text/plain).
    const request = new Request(req!.url, { method: 'POST', body: req!.body });
    expect(request.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(JSON.parse(req!.body).api_key).toBe(KEY);
  });

  it('takes a host without a scheme as that host, not as a path of the page (every event went to the page itself)', () => {
    const sentTo = (host: string) => {
      const { client, net } = tab({ options: { host } });
      client.send('e');
      // Resolved against the page as the browser's fetch resolves it.
      return new URL(net.sent[0]!.url, 'https://shop.example/docs/').href;
    };
    expect(sentTo('ingest.example.com')).toBe('https://ingest.example.com/v1/events');
    expect(sentTo('ingest.example.com:8443/')).toBe('https://ingest.example.com:8443/v1/events');
    expect(sentTo('http://localhost:18100')).toBe('http://localhost:18100/v1/events');
    // A path of the page's own origin (a first-party proxy) stays one.
    expect(sentTo('/collect')).toBe('https://shop.example/collect/v1/events');
  });

  it('uses sendBeacon when the page is going away', () => {
    const { client, net } = tab();
    client.send('page_leave', { duration_ms: 1 }, true);
    expect(net.sent).toHaveLength(1);
    expect(net.sent[0]).toMatchObject({ url: `${HOST}/v1/events`, via: 'beacon' });
    expect(JSON.parse(net.sent[0]!.body)).toMatchObject({ api_key: KEY, event_name: 'page_leave' });
  });

  it('falls back to fetch keepalive when sendBeacon refuses or throws', () => {
    const refuses = tab();
    refuses.net.beacon = () => false;
    refuses.client.send('a', undefined, true);
    expect(refuses.net.sent).toMatchObject([{ via: 'fetch', keepalive: true }]);

    const throws = tab();
    throws.net.beacon = () => {
      throw new TypeError('beacon');
    };
    throws.client.send('a', undefined, true);
    expect(throws.net.sent).toMatchObject([{ via: 'fetch', keepalive: true }]);
  });

  it('puts sent_at, the clock at the moment of sending, on every request, beacons included', () => {
    const { client, net } = tab();
    client.send('a');
    vi.advanceTimersByTime(5_000);
    client.send('b', undefined, true);
    const [a, b] = net.sent.map((r) => JSON.parse(r.body));
    expect(a).toMatchObject({ event_name: 'a', sent_at: a.timestamp });
    expect(b).toMatchObject({ event_name: 'b', sent_at: b.timestamp });
    expect(b.sent_at - a.sent_at).toBe(5_000);
    expect(net.sent[1]!.via).toBe('beacon');
  });

  it('uses keepalive only while the bodies in flight stay within the keepalive budget', async () => {
    const { client, net } = tab();
    const release: (() => void)[] = [];
    const fetch = net.fetch;
    net.fetch = (url, init) => {
      const answered = fetch(url, init); // recorded now, answered when released
      return new Promise<Response>((resolve) => release.push(() => resolve(answered)));
    };
    (client.w as { fetch: typeof fetch }).fetch = net.fetch;
    const big = { blob: 'é'.repeat(7_000) }; // 14,000 bytes in UTF-8, 7,000 characters
    for (let i = 0; i < 10; i++) client.send('burst', big);
    const sizes = net.sent.map((r) => new Blob([r.body]).size);
    let inFlight = 0;
    net.sent.forEach((r, i) => {
      if (r.keepalive) inFlight += sizes[i]!;
    });
    expect(inFlight).toBeLessThanOrEqual(KEEPALIVE_BUDGET);
    expect(inFlight).toBeLessThanOrEqual(65_536);
    expect(net.sent.filter((r) => r.keepalive)).toHaveLength(4);
    expect(net.sent).toHaveLength(10);
    // Once those are done, the budget is free again.
    release.splice(0).forEach((r) => r());
    await vi.advanceTimersByTimeAsync(0);
    client.send('after');
    expect(net.sent.at(-1)).toMatchObject({ keepalive: true });
  });

  it('tells which answers are final and which are worth another try', async () => {
    const { client, net } = tab();
    const outcome = (answer: ReturnType<typeof net.answer>) => {
      net.answer = () => answer;
      return client.post('/v1/events', '{}').then(
        () => 'done',
        (after) => ['retry', after],
      );
    };
    expect(await outcome(202)).toBe('done');
    for (const status of [400, 401, 413, 415]) expect(await outcome(status)).toBe('done');
    expect(await outcome({ status: 503, headers: { 'Retry-After': '7' } })).toEqual(['retry', 7]);
    expect(await outcome({ status: 429, headers: { 'Retry-After': '2' } })).toEqual(['retry', 2]);
    expect(await outcome(500)).toEqual(['retry', 0]);
    expect(await outcome(502)).toEqual(['retry', 0]);
    const [kind, error] = (await outcome(new TypeError('Failed to fetch'))) as [string, unknown];
    expect(kind).toBe('retry');
    expect(error).toBeInstanceOf(TypeError);
  });
});

describe('privacy', () => {
  it('sends nothing and stores nothing under Do Not Track when respectDnt is set', () => {
    const local = mapStorage(),
      session = mapStorage();
    const { client, net } = tab({
      navigator: { doNotTrack: '1' },
      options: { respectDnt: true },
      local: local.storage,
      session: session.storage,
    });
    client.send('e');
    expect(net.sent).toHaveLength(0);
    expect(local.data.size + session.data.size).toBe(0);
  });

  it('sends nothing under Global Privacy Control when respectDnt is set', () => {
    const { client, net } = tab({ navigator: { globalPrivacyControl: true }, options: { respectDnt: true } });
    client.send('e');
    expect(net.sent).toHaveLength(0);
  });

  it('ignores DNT and GPC unless respectDnt is set', () => {
    const { client, net } = tab({ navigator: { doNotTrack: '1', globalPrivacyControl: true } });
    client.send('e');
    expect(net.sent).toHaveLength(1);
  });

  it('sends nothing while the opt-out flag is in localStorage', () => {
    const local = mapStorage();
    local.data.set('el_o', '1');
    const { client, net } = tab({ local: local.storage });
    client.send('e');
    expect(net.sent).toHaveLength(0);
  });

  it('sends nothing while the visitor\'s eventlens_ignore or plausible_ignore is "true", and again once removed', () => {
    const local = mapStorage();
    const { client, net } = tab({ local: local.storage });
    for (const flag of ['eventlens_ignore', 'plausible_ignore']) {
      local.data.set(flag, 'true');
      client.send('while ' + flag);
      expect(net.sent).toHaveLength(0);
      local.data.delete(flag);
    }
    // Only "true" is the switch, as in Plausible's script.
    local.data.set('eventlens_ignore', 'false');
    client.send('resumed');
    expect(names(net)).toEqual(['resumed']);
  });

  it('sends nothing from an automated browser (navigator.webdriver) unless allowAutomation is set', () => {
    const local = mapStorage();
    const robot = tab({ navigator: { webdriver: true }, local: local.storage });
    robot.client.send('e');
    expect(robot.net.sent).toHaveLength(0);
    expect(local.data.size).toBe(0);
    const allowed = tab({ navigator: { webdriver: true }, options: { allowAutomation: true } });
    allowed.client.send('e');
    expect(allowed.net.sent).toHaveLength(1);
  });

  it('sets no cookie', () => {
    const { client, document } = tab();
    client.send('e');
    expect(document.cookie).toBe('');
  });
});

describe('listeners', () => {
  it('never let an error escape into the page', () => {
    const { w } = tab();
    const seen: string[] = [];
    on(w as unknown as Window, 'custom', () => {
      seen.push('ran');
      throw new Error('boom');
    });
    expect(() => w.dispatchEvent(new w.Event('custom'))).not.toThrow();
    expect(seen).toEqual(['ran']);
  });

  it('still delivers with a network that fails synchronously, without throwing from a plugin listener', () => {
    const net = network();
    net.fetch = () => {
      throw new TypeError('fetch is not a function');
    };
    const { client, w } = tab({ net });
    on(w as unknown as Window, 'go', () => client.send('e'));
    expect(() => w.dispatchEvent(new w.Event('go'))).not.toThrow();
  });
});
