/**
 * The public functions, as an app calls them: a fresh module (so a fresh singleton) and a fresh
 * happy-dom window per test, with the network replaced by a recording fake.
 */
import { Window } from 'happy-dom';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HOST, KEY, UUID, names, network, type Network } from '../test/support.js';
import type * as Index from './index.js';

type Api = typeof Index;
const g = globalThis as { window?: unknown };

let net: Network;
let win: Window;

/** Opens (or reloads, keeping storage) a page and loads the SDK module afresh in it. */
const open = async (entry: 'index' | 'core' = 'index', keep?: Window): Promise<Api> => {
  win = new Window({ url: 'https://shop.example/' });
  if (keep) {
    for (let i = 0; i < keep.localStorage.length; i++) {
      const k = keep.localStorage.key(i)!;
      win.localStorage.setItem(k, keep.localStorage.getItem(k)!);
    }
  }
  net = network();
  Object.assign(win, { fetch: net.fetch });
  Object.defineProperty(win.navigator, 'sendBeacon', { value: net.sendBeacon });
  // happy-dom says it is automated (navigator.webdriver), as a test browser does; a visitor's is not.
  Object.defineProperty(win.navigator, 'webdriver', { value: false });
  g.window = win;
  vi.resetModules();
  return entry == 'index' ? await import('./index.js') : ((await import('./core.js')) as unknown as Api);
};

const clickB = () => (win.document.getElementById('b') as unknown as HTMLElement).click();

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-01T12:00:00Z'), toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
  delete g.window;
});

describe('before init', () => {
  it('every function is a no-op that throws nothing', async () => {
    const api = await open();
    expect(() => {
      api.track('e', { a: 1 });
      api.identify('u');
      api.reset();
      api.page();
      api.optOut();
      api.optIn();
    }).not.toThrow();
    expect(net.sent).toHaveLength(0);
    expect(win.localStorage.length).toBe(0);
  });

  it('init without a write key, or with no options at all, does nothing', async () => {
    const api = await open();
    expect(() => {
      api.init(undefined as never);
      api.init(null as never);
      api.init({} as never);
      api.init(
        new Proxy({} as never, {
          get() {
            throw new Error('hostile options');
          },
        }),
      );
    }).not.toThrow();
    api.track('e');
    expect(net.sent).toHaveLength(0);
  });
});

describe('init (eventlens-js)', () => {
  it('starts page tracking and autocapture by default', async () => {
    const api = await open();
    api.init({ apiKey: KEY, host: HOST });
    win.document.body.innerHTML = '<button id="b">Go</button>';
    clickB();
    expect(names(net)).toEqual(['page_view', 'button_click']);
    expect(net.sent[0]!.url).toBe(`${HOST}/v1/events`);
  });

  it('leaves out what is turned off', async () => {
    const api = await open();
    api.init({ apiKey: KEY, host: HOST, autocapture: false, pageviews: false });
    win.document.body.innerHTML = '<button id="b">Go</button>';
    clickB();
    win.history.pushState({}, '', '/next');
    api.track('custom');
    expect(names(net)).toEqual(['custom']);
  });

  it('ignores a second call', async () => {
    const api = await open();
    api.init({ apiKey: KEY, host: HOST, pageviews: false });
    api.init({ apiKey: 'el_other_0123456789abcdef', host: 'https://elsewhere.example' });
    api.track('e');
    expect(net.sent).toHaveLength(1);
    expect(net.sent[0]!.url).toBe(`${HOST}/v1/events`);
    expect(net.events()[0]!.api_key).toBe(KEY);
  });
});

describe('two copies of the SDK on one page', () => {
  it('the second copy to start sends nothing and says so once in the console', async () => {
    const first = await open();
    first.init({ apiKey: KEY, host: HOST, pageviews: false });
    vi.resetModules();
    const second = (await import('./index.js')) as Api;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      second.init({ apiKey: KEY, host: HOST, pageviews: false });
      expect(warn).toHaveBeenCalledExactlyOnceWith('eventlens: loaded twice');
    } finally {
      warn.mockRestore();
    }
    second.track('from the second');
    first.track('from the first');
    expect(names(net)).toEqual(['from the first']);
  });
});

describe('eventlens-js/core', () => {
  it('turns nothing on by itself', async () => {
    const api = await open('core');
    api.init({ apiKey: KEY, host: HOST });
    win.document.body.innerHTML = '<button id="b">Go</button>';
    clickB();
    api.track('only_this');
    expect(names(net)).toEqual(['only_this']);
  });
});

describe('track', () => {
  it('sends the event with its metadata', async () => {
    const api = await open();
    api.init({ apiKey: KEY, host: HOST, pageviews: false });
    api.track('checkout', { total: 42, items: ['a'] });
    expect(net.events()[0]).toMatchObject({ event_name: 'checkout', metadata: { total: 42, items: ['a'] } });
  });

  it('keeps the event but leaves out metadata that is not a JSON object', async () => {
    const api = await open();
    api.init({ apiKey: KEY, host: HOST, pageviews: false });
    api.track('a', 'text' as never);
    api.track('b', [1, 2] as never);
    api.track('c', null as never);
    expect(names(net)).toEqual(['a', 'b', 'c']);
    for (const e of net.events()) expect(e).not.toHaveProperty('metadata');
  });

  it('sends nothing for a name or user id of null or undefined (not events named "null" or "undefined")', async () => {
    const api = await open();
    api.init({ apiKey: KEY, host: HOST, pageviews: false });
    api.track(null as never);
    api.track(undefined as never);
    api.identify(null as never);
    api.identify(undefined as never);
    api.track('kept');
    expect(names(net)).toEqual(['kept']);
    expect(net.events()[0]).not.toHaveProperty('user_id');
  });

  it('sends nothing for a name or user id that is an object; a number is written out', async () => {
    const api = await open();
    api.init({ apiKey: KEY, host: HOST, pageviews: false });
    api.track({ name: 'signup' } as never);
    api.track((() => 'fn') as never);
    api.identify({ id: 7 } as never);
    api.track('after object id');
    api.identify(7 as never);
    api.track(404 as never);
    expect(names(net)).toEqual(['after object id', '404']);
    expect(net.events()[0]).not.toHaveProperty('user_id');
    expect(net.events()[1]!.user_id).toBe('7');
  });

  it('sends the event without its metadata when JSON cannot write it (a BigInt, a cycle)', async () => {
    const api = await open();
    api.init({ apiKey: KEY, host: HOST, pageviews: false });
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    api.track('big', { n: 10n } as never);
    api.track('cycle', circular);
    api.track('fine', { n: 10 });
    expect(names(net)).toEqual(['big', 'cycle', 'fine']);
    expect(net.events()[0]).not.toHaveProperty('metadata');
    expect(net.events()[1]).not.toHaveProperty('metadata');
    expect(net.events()[2]!.metadata).toEqual({ n: 10 });
  });

  it('throws nothing, whatever it is given', async () => {
    const api = await open();
    api.init({ apiKey: KEY, host: HOST, pageviews: false });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => {
      api.track('circular', circular);
      api.track(undefined as never);
      api.track({
        toString: () => {
          throw new Error('no');
        },
      } as never);
      api.track('big', { n: 10n } as never);
    }).not.toThrow();
  });

  it('throws nothing when the page has no fetch', async () => {
    const api = await open();
    Object.assign(win, { fetch: undefined });
    api.init({ apiKey: KEY, host: HOST });
    expect(() => api.track('e')).not.toThrow();
  });
});

describe('identify and reset', () => {
  it('identify puts user_id on later events and keeps it across page loads', async () => {
    let api = await open();
    api.init({ apiKey: KEY, host: HOST, pageviews: false });
    api.track('before');
    api.identify('  user-42  ');
    api.track('after');
    const [before, after] = net.events();
    expect(before).not.toHaveProperty('user_id');
    expect(after!.user_id).toBe('user-42');

    api = await open('index', win);
    api.init({ apiKey: KEY, host: HOST, pageviews: false });
    api.track('next page');
    expect(net.events()[0]!.user_id).toBe('user-42');
  });

  it('identify keeps ids to 200 characters and ignores an empty one', async () => {
    const api = await open();
    api.init({ apiKey: KEY, host: HOST, pageviews: false });
    api.identify('   ');
    api.track('a');
    api.identify('u'.repeat(300));
    api.track('b');
    expect(net.events()[0]).not.toHaveProperty('user_id');
    expect(net.events()[1]!.user_id).toBe('u'.repeat(200));
    api.identify('u'.repeat(199) + '😀'); // the 200th unit is half an emoji: cut before it
    api.track('c');
    expect(net.events()[2]!.user_id).toBe('u'.repeat(199));
  });

  it('reset ends the open page view in the old visit; the next navigation starts one in the new', async () => {
    const api = await open();
    api.init({ apiKey: KEY, host: HOST });
    win.history.pushState({}, '', '/pricing');
    await new Promise((resolve) => setTimeout(resolve));
    api.reset();
    win.history.pushState({}, '', '/');
    await new Promise((resolve) => setTimeout(resolve));
    const events = net.events();
    expect(events.map((e) => [e.event_name, new URL(e.url as string).pathname])).toEqual([
      ['page_view', '/'],
      ['page_leave', '/'],
      ['page_view', '/pricing'],
      ['page_leave', '/pricing'],
      ['page_view', '/'],
    ]);
    // The leave of /pricing is in the visit that viewed it; the new visit starts with the new view.
    expect(events[3]!.session_id).toBe(events[2]!.session_id);
    expect(events[4]!.session_id).not.toBe(events[2]!.session_id);
    expect(events[4]!.anonymous_id).not.toBe(events[2]!.anonymous_id);
  });

  it('reset clears both identities and starts a new session', async () => {
    const api = await open();
    api.init({ apiKey: KEY, host: HOST, pageviews: false });
    api.identify('user-42');
    api.track('a');
    api.reset();
    api.track('b');
    const [a, b] = net.events();
    expect(b).not.toHaveProperty('user_id');
    expect(b!.anonymous_id).toMatch(UUID);
    expect(b!.anonymous_id).not.toBe(a!.anonymous_id);
    expect(b!.session_id).not.toBe(a!.session_id);
  });
});

describe('page', () => {
  it('sends a page_view (page tracking off)', async () => {
    const api = await open();
    api.init({ apiKey: KEY, host: HOST, pageviews: false });
    api.page();
    expect(names(net)).toEqual(['page_view']);
  });

  it('closes the current view and opens a new one (page tracking on)', async () => {
    const api = await open();
    api.init({ apiKey: KEY, host: HOST });
    api.page();
    // The new view starts once this task is over.
    await new Promise((resolve) => setTimeout(resolve));
    expect(names(net)).toEqual(['page_view', 'page_leave', 'page_view']);
  });
});

describe('optOut and optIn', () => {
  it('optOut stops everything, survives a reload, drops the queue; optIn undoes it', async () => {
    let api = await open();
    api.init({ apiKey: KEY, host: HOST, pageviews: false });
    win.localStorage.setItem(`el_q:${KEY}:1772366400000abc`, '{"event_name":"queued"}');
    api.optOut();
    api.track('a');
    win.document.body.innerHTML = '<button id="b">Go</button>';
    clickB();
    expect(net.sent).toHaveLength(0);
    expect(win.localStorage.getItem(`el_q:${KEY}:1772366400000abc`)).toBeNull();

    api = await open('index', win);
    api.init({ apiKey: KEY, host: HOST });
    api.track('b');
    expect(net.sent).toHaveLength(0);

    api.optIn();
    api.track('c');
    expect(names(net)).toEqual(['c']);
  });

  it('optOut before init is kept (a consent banner runs first): init then sends nothing', async () => {
    let api = await open();
    api.optOut();
    api.init({ apiKey: KEY, host: HOST });
    api.track('a');
    win.document.body.innerHTML = '<button id="b">Go</button>';
    clickB();
    expect(net.sent).toHaveLength(0);

    api = await open('index', win);
    api.optIn();
    api.init({ apiKey: KEY, host: HOST, pageviews: false });
    api.track('b');
    expect(names(net)).toEqual(['b']);
  });

  it('identify while opted out stores nothing', async () => {
    const api = await open();
    api.init({ apiKey: KEY, host: HOST, pageviews: false });
    api.optOut();
    api.identify('user-42');
    expect(win.localStorage.getItem('el_u')).toBeNull();
  });
});
