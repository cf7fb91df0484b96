import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { names, tab, type Network } from '../test/support.js';
import type { Env } from './client.js';
import { pageviews } from './pageviews.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-01T12:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A page with page tracking on, and helpers that play what a browser does. */
const page = (url = 'https://shop.example/', referrer?: string, hashRouting?: boolean) => {
  const t = tab({ url, referrer, plugins: [pageviews], options: { hashRouting } });
  let hidden = false;
  Object.defineProperty(t.document, 'hidden', { configurable: true, get: () => hidden });
  Object.defineProperty(t.document, 'visibilityState', {
    configurable: true,
    get: () => (hidden ? 'hidden' : 'visible'),
  });
  const fire = (target: EventTarget, event: Event) => target.dispatchEvent(event);
  const transition = (type: string, persisted: boolean) =>
    Object.defineProperty(new t.w.Event(type), 'persisted', { value: persisted }) as unknown as Event;
  return {
    ...t,
    hide: () => {
      hidden = true;
      fire(t.document, new t.w.Event('visibilitychange') as unknown as Event);
    },
    show: () => {
      hidden = false;
      fire(t.document, new t.w.Event('visibilitychange') as unknown as Event);
    },
    pagehide: (persisted = false) => fire(t.w as unknown as Window, transition('pagehide', persisted)),
    pageshow: (persisted: boolean) => fire(t.w as unknown as Window, transition('pageshow', persisted)),
    popstate: () => fire(t.w as unknown as Window, new t.w.PopStateEvent('popstate') as unknown as Event),
    hashchange: () =>
      fire(t.w as unknown as Window, new t.w.HashChangeEvent('hashchange') as unknown as Event),
    events: () => t.net.events(),
  };
};

/** Lets the tasks queued by the code under test run: an SPA navigation's view starts in one. */
const settle = () => vi.advanceTimersByTime(0);

/** Views and leaves alternate, starting with a view: exactly one leave per view. */
const expectPaired = (net: Network) => {
  const seq = names(net).filter((n) => n == 'page_view' || n == 'page_leave');
  seq.forEach((n, i) => expect(n, `event ${i} of ${seq.join(',')}`).toBe(i % 2 ? 'page_leave' : 'page_view'));
};

describe('page_view', () => {
  it('is sent on load', () => {
    const p = page('https://shop.example/pricing', 'https://search.example/');
    expect(p.events()).toMatchObject([
      { event_name: 'page_view', url: 'https://shop.example/pricing', referrer: 'https://search.example/' },
    ]);
    expect(p.events()[0]).not.toHaveProperty('metadata');
  });

  it('pushState to another path: page_leave for the page left, page_view for the new one', () => {
    const p = page('https://shop.example/');
    vi.advanceTimersByTime(1500);
    p.w.history.pushState({}, '', '/pricing');
    // The leave at once, the view once the navigation's task is over.
    expect(names(p.net)).toEqual(['page_view', 'page_leave']);
    settle();
    expect(names(p.net)).toEqual(['page_view', 'page_leave', 'page_view']);
    const [, leave, view] = p.events();
    expect(leave).toMatchObject({ url: 'https://shop.example/', metadata: { duration_ms: 1500 } });
    expect(view).toMatchObject({ url: 'https://shop.example/pricing', referrer: 'https://shop.example/' });
    expect(p.net.sent.every((r) => r.via == 'fetch')).toBe(true);
  });

  it('an SPA navigation: the leave carries the page left, the view the title the app sets after changing the URL', () => {
    const p = page('https://shop.example/');
    p.document.title = 'Home';
    p.w.history.pushState({}, '', '/pricing');
    p.document.title = 'Pricing'; // as routers do: the URL first, then the page
    settle();
    const [, leave, view] = p.events();
    expect(leave).toMatchObject({
      event_name: 'page_leave',
      url: 'https://shop.example/',
      context: { title: 'Home' },
    });
    expect(view).toMatchObject({
      event_name: 'page_view',
      url: 'https://shop.example/pricing',
      context: { title: 'Pricing' },
    });
  });

  it('a redirect inside one task (pushState, then pushState again) is one view, of the page landed on', () => {
    const p = page('https://shop.example/');
    p.w.history.pushState({}, '', '/account');
    p.w.history.pushState({}, '', '/login');
    settle();
    expect(names(p.net)).toEqual(['page_view', 'page_leave', 'page_view']);
    expect(p.events()[2]).toMatchObject({
      url: 'https://shop.example/login',
      referrer: 'https://shop.example/',
    });
    expectPaired(p.net);
  });

  it('exactly one per change of path: a query-only or same-URL pushState/replaceState sends none', () => {
    const p = page('https://shop.example/list');
    p.w.history.replaceState({}, '', '/list?page=2');
    p.w.history.replaceState({ scroll: 1 }, '');
    p.w.history.pushState({}, '', '/list?page=3');
    p.w.history.pushState({}, '', '/list?page=3#top');
    expect(names(p.net)).toEqual(['page_view']);
    p.w.history.replaceState({}, '', '/item/7');
    settle();
    expect(names(p.net)).toEqual(['page_view', 'page_leave', 'page_view']);
    expect(p.events()[2]!.url).toBe('https://shop.example/item/7');
  });

  it('back and forward: popstate after the browser changed the path sends one pair', () => {
    const p = page('https://shop.example/a');
    // Change the URL behind the SDK's back (as the browser does when going back), then fire popstate.
    const original = Object.getPrototypeOf(p.w.history).replaceState as History['replaceState'];
    original.call(p.w.history, {}, '', '/b');
    p.popstate();
    settle();
    p.popstate();
    settle();
    expect(names(p.net)).toEqual(['page_view', 'page_leave', 'page_view']);
    expect(p.events()[2]!.url).toBe('https://shop.example/b');
  });

  it('with hash routing off (the default), a hash change is no page view and the fragment is left out', () => {
    const p = page('https://app.example/app/#/settings');
    const original = Object.getPrototypeOf(p.w.history).replaceState as History['replaceState'];
    original.call(p.w.history, {}, '', '#/billing');
    p.hashchange();
    p.popstate();
    p.w.history.pushState({}, '', '#!/team');
    expect(names(p.net)).toEqual(['page_view']);
    expect(p.events()[0]!.url).toBe('https://app.example/app/');
    p.hide();
    expect(p.events()[1]).toMatchObject({ event_name: 'page_leave', url: 'https://app.example/app/' });
  });

  it('with hash routing on, hash routes (#/…, #!/…) count as paths; in-page anchors do not', () => {
    const p = page('https://app.example/', undefined, true);
    const original = Object.getPrototypeOf(p.w.history).replaceState as History['replaceState'];
    original.call(p.w.history, {}, '', '#pricing');
    p.hashchange();
    expect(names(p.net)).toEqual(['page_view']);
    original.call(p.w.history, {}, '', '#/settings');
    p.hashchange();
    p.popstate();
    settle();
    original.call(p.w.history, {}, '', '#!/billing');
    p.hashchange();
    settle();
    expect(names(p.net)).toEqual(['page_view', 'page_leave', 'page_view', 'page_leave', 'page_view']);
    expect(p.events()[2]!.url).toBe('https://app.example/#/settings');
    expect(p.events()[4]).toMatchObject({
      url: 'https://app.example/#!/billing',
      referrer: 'https://app.example/#/settings',
    });
  });

  it('a page restored from the back-forward cache sends one', () => {
    const p = page();
    p.pagehide(true);
    p.pageshow(true);
    expect(names(p.net)).toEqual(['page_view', 'page_leave', 'page_view']);
  });

  it('…also when the browser reports the visibility changes around it', () => {
    const p = page();
    p.hide();
    p.pagehide(true);
    p.show();
    p.pageshow(true);
    expect(names(p.net)).toEqual(['page_view', 'page_leave', 'page_view']);
  });

  it('a normal pageshow (first load) sends none', () => {
    const p = page();
    p.pageshow(false);
    expect(names(p.net)).toEqual(['page_view']);
  });
});

describe('page_leave', () => {
  it('is sent with the visible time when the page is hidden, by sendBeacon', () => {
    const p = page('https://shop.example/article');
    vi.advanceTimersByTime(4200);
    p.hide();
    expect(p.events()[1]).toMatchObject({
      event_name: 'page_leave',
      url: 'https://shop.example/article',
      metadata: { duration_ms: 4200 },
    });
    expect(p.net.sent[1]!.via).toBe('beacon');
  });

  it('carries scroll_depth: the lowest point of the page the view showed, in percent of its height', () => {
    const p = page('https://shop.example/article');
    const w = p.w as unknown as { scrollY: number; innerHeight: number };
    let height = 4000;
    Object.defineProperty(p.document.documentElement, 'scrollHeight', {
      configurable: true,
      get: () => height,
    });
    Object.defineProperty(w, 'innerHeight', { configurable: true, value: 800 });
    const scrollTo = (y: number) => {
      Object.defineProperty(w, 'scrollY', { configurable: true, value: y });
      p.w.dispatchEvent(new p.w.Event('scroll'));
    };
    scrollTo(1000);
    scrollTo(2200); // the deepest: 2,200 + 800 of 4,000 = 75%
    scrollTo(0);
    p.w.history.pushState({}, '', '/next');
    settle();
    // A new view starts where the window is (the top: 800 of 4,000), and a page that grew since is
    // measured against its height when the view ends: 1,800 of 6,000 = 30%.
    scrollTo(1000);
    height = 6000;
    p.hide();
    const leaves = p.events().filter((e) => e.event_name == 'page_leave');
    expect(leaves.map((e) => e.metadata!.scroll_depth)).toEqual([75, 30]);
  });

  it('gives scroll_depth 100 for a page shorter than the window', () => {
    const p = page();
    Object.defineProperty(p.document.documentElement, 'scrollHeight', { configurable: true, value: 300 });
    Object.defineProperty(p.w, 'innerHeight', { configurable: true, value: 800 });
    p.hide();
    expect(p.events()[1]!.metadata).toMatchObject({ scroll_depth: 100 });
  });

  it('is sent once when the page is left: visibilitychange then pagehide', () => {
    const p = page();
    vi.advanceTimersByTime(1000);
    p.hide();
    p.pagehide();
    expect(names(p.net)).toEqual(['page_view', 'page_leave']);
  });

  it('is sent on pagehide alone (some browsers skip visibilitychange)', () => {
    const p = page();
    vi.advanceTimersByTime(2500);
    p.pagehide();
    expect(p.events()[1]).toMatchObject({ event_name: 'page_leave', metadata: { duration_ms: 2500 } });
    expect(p.net.sent[1]!.via).toBe('beacon');
  });

  it('coming back to the tab starts a new view, so that every view has its leave', () => {
    const p = page();
    vi.advanceTimersByTime(1000);
    p.hide();
    vi.advanceTimersByTime(60_000);
    p.show();
    vi.advanceTimersByTime(3000);
    p.hide();
    expect(names(p.net)).toEqual(['page_view', 'page_leave', 'page_view', 'page_leave']);
    expect(p.events()[1]!.metadata).toMatchObject({ duration_ms: 1000 });
    expect(p.events()[3]!.metadata).toMatchObject({ duration_ms: 3000 });
  });

  it('counts only visible time for a page opened in a background tab', () => {
    const t = tab({ plugins: [] });
    Object.defineProperty(t.document, 'hidden', { configurable: true, get: () => hidden });
    let hidden = true;
    pageviews(t.client);
    vi.advanceTimersByTime(10_000);
    hidden = false;
    t.document.dispatchEvent(new t.w.Event('visibilitychange') as unknown as Event);
    vi.advanceTimersByTime(2000);
    hidden = true;
    t.document.dispatchEvent(new t.w.Event('visibilitychange') as unknown as Event);
    expect(names(t.net)).toEqual(['page_view', 'page_leave']);
    expect(t.net.events()[1]!.metadata).toMatchObject({ duration_ms: 2000 });
  });

  it('is exactly one per page_view, whatever the browser does in whatever order', () => {
    // A seeded pseudo-random walk through navigations and visibility changes.
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let run = 0; run < 20; run++) {
      const p = page();
      let path = 0;
      const steps = [
        () => p.w.history.pushState({}, '', `/p${++path}`),
        () => p.w.history.pushState({}, '', `?q=${path}`),
        () => p.w.history.replaceState({}, '', `/r${++path}`),
        () => p.hide(),
        () => p.show(),
        () => p.pagehide(random() < 0.5),
        () => p.pageshow(random() < 0.5),
        () => p.popstate(),
      ];
      for (let i = 0; i < 40; i++) {
        vi.advanceTimersByTime(Math.floor(random() * 5000));
        steps[Math.floor(random() * steps.length)]!();
        expectPaired(p.net);
      }
      for (const e of p.events())
        if (e.event_name == 'page_leave') expect(e.metadata!.duration_ms).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('the page stays in charge', () => {
  it('adds no unload or beforeunload listener', () => {
    const types: string[] = [];
    const t = tab({ plugins: [] });
    const record = (target: { addEventListener: EventTarget['addEventListener'] }) => {
      const add = target.addEventListener.bind(target);
      target.addEventListener = (type: string, ...rest: [never, never]) => {
        types.push(type);
        add(type, ...rest);
      };
    };
    record(t.client.w as Env);
    record(t.document);
    pageviews(t.client);
    expect(types.sort()).toEqual([
      'hashchange',
      'pagehide',
      'pageshow',
      'popstate',
      'scroll',
      'visibilitychange',
    ]);
  });

  it("pushState still works, returns what it returned, and never throws the SDK's errors", () => {
    const t = tab({ plugins: [pageviews] });
    // Break sending outright: the next send throws inside the patched pushState.
    t.client.send = () => {
      throw new Error('SDK bug');
    };
    let result: unknown = 'unset';
    expect(() => (result = t.w.history.pushState({ n: 1 }, '', '/next'))).not.toThrow();
    expect(result).toBeUndefined();
    expect(t.w.location.pathname).toBe('/next');
    expect(t.w.history.state).toEqual({ n: 1 });
  });

  it('page() with page tracking on closes the current view and opens a new one', () => {
    const p = page('https://shop.example/a');
    p.client.pv!();
    settle();
    expect(names(p.net)).toEqual(['page_view', 'page_leave', 'page_view']);
  });
});
