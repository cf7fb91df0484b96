/**
 * The core of eventlens-js: identities, the event envelope and delivery.
 *
 * Everything the core touches in the page comes in through `Env` (`window` in production), so unit tests
 * hand it a plain object with fakes for fetch, sendBeacon and storage next to a DOM-emulated document.
 * The code is written for size (test/size.test.ts holds the script-tag build and a track-only bundle to
 * their budgets), so it prefers one plain line over a helper, and features that an app may not need
 * (autocapture, page tracking, the retry queue) are plugins in modules of their own.
 */

export interface ClientOptions {
  /** The project's write key, `el_…`. */
  apiKey: string;
  /** Origin of the EventLens ingestion API, e.g. `https://ingest.example.com`. Default: the page's origin. */
  host?: string;
  /** Send nothing when the browser says Do Not Track or Global Privacy Control. Default: false. */
  respectDnt?: boolean;
  /**
   * Hash routes (`#/…`, `#!/…`) are pages: a change of route is a page view and the URL sent keeps its
   * fragment. Off (the default): hash changes are not page views and the fragment is left out of the URL.
   */
  hashRouting?: boolean;
  /** Also send from automated browsers (`navigator.webdriver`), which are skipped by default. Default: false. */
  allowAutomation?: boolean;
}

/** A JSON object of event details. */
export type Metadata = Record<string, unknown>;

/** A feature that plugs into the client: autocapture, page tracking, the retry queue. */
export type Plugin = (client: Client) => void;

/**
 * What the client uses of the page: `window` in production. Tests pass a plain object of the same shape
 * with fakes for fetch, sendBeacon and storage (the storage getters may throw, as in a sandboxed iframe).
 */
export type Env = Pick<
  Window,
  | 'fetch'
  | 'navigator'
  | 'localStorage'
  | 'sessionStorage'
  | 'location'
  | 'document'
  | 'screen'
  | 'history'
  | 'scrollY'
  | 'innerHeight'
> &
  Pick<EventTarget, 'addEventListener'>;

export type Store = ReturnType<typeof store>;

export interface Client {
  w: Env;
  ls: Store;
  ss: Store;
  /** The write key. */
  key: string;
  /** Referrer of the current view: document.referrer, then the previous URL after an SPA navigation. */
  ref: string;
  /**
   * Truthy when nothing may be sent: opted out (`optOut`, or `eventlens_ignore` / `plausible_ignore` set
   * to "true" in localStorage), an automated browser, or Do Not Track / GPC with `respectDnt`.
   */
  off(): unknown;
  /** The hash-routing switch (`hashRouting`): truthy when `#/…` routes are pages. */
  h?: unknown;
  /** Sends one event. `beacon`: the page is going away. `url` overrides location.href. */
  send(name: string, metadata?: Metadata, beacon?: unknown, url?: string): void;
  /**
   * POSTs a JSON object (text, without `api_key`) to the ingestion API, adding `api_key` and `sent_at`
   * (now). `keepalive` while the keepalive budget allows. Resolves with the response when done with it:
   * delivered (2xx) or refused for good (400, 401, 413, 415). Rejects when another try is worth it: with
   * the Retry-After seconds (429, 5xx), or with the network error.
   */
  post(path: string, json: string): Promise<Response>;
  /** Set by the page-tracking plugin: what `page()` does instead of sending a bare page_view. */
  pv?: () => void;
  /** Set by the page-tracking plugin: ends the open view (its page_leave), for `reset()`. */
  e?: () => void;
  /**
   * Set by the retry plugin; called after each delivery by fetch: with no arguments when it went through,
   * with the event (JSON, without api_key), its queue key and the rejection when it should be retried.
   */
  q?: (event?: string, key?: string, after?: unknown) => void;
}

/** The envelope as the ingestion API accepts it, minus `api_key`. Absent fields are left out. */
export interface SdkEvent {
  event_name: string;
  metadata?: Metadata;
  session_id: string;
  user_id?: string;
  anonymous_id: string;
  event_id: string;
  timestamp: number;
  url: string;
  referrer?: string;
  context: Record<string, string>;
}

export const SESSION_TIMEOUT_MS = 30 * 60_000;

/**
 * Browsers refuse a keepalive request when the bodies of the page's keepalive requests in flight would
 * exceed 64 KiB (65,536 bytes; Chromium's sendBeacon draws on the same budget). The client stays under this many bytes, with room
 * for what others on the page send, and sends the rest without keepalive.
 */
export const KEEPALIVE_BUDGET = 6e4;

/** The first `n` characters of `s`, never ending in half a character (a lone surrogate the API refuses). */
export const cut = (s: string, n: number): string => s.slice(0, n).replace(/[\ud800-\udbff]$/, '');

/**
 * An event name or user id as sent: a string (or another primitive, written out: `identify(42)`),
 * trimmed, at most 200 characters. null, undefined, objects and functions give '' (ignored): not the
 * names "null" and "undefined" that `track(user?.plan)` would send, nor "[object Object]" for
 * `identify(user)`.
 */
export const clean = (s: unknown): string => cut(s === Object(s) ? '' : String(s ?? '').trim(), 200);

/** Wraps a function so that nothing it throws reaches its caller: the host page never sees our errors. */
export const safe =
  <A extends unknown[], R>(fn: (...args: A) => R) =>
  (...args: A): R | void => {
    try {
      return fn(...args);
    } catch {
      // swallowed on purpose
    }
  };

/**
 * localStorage or sessionStorage, with an in-memory fallback for every access that throws (private mode,
 * sandboxed iframe, quota full). A value lives in memory only while storage refuses to hold it, so a key
 * that another tab removed is never brought back from memory.
 */
export const store = (open: () => Storage) => {
  const mem: Record<string, string> = {};
  return {
    get: (k: string): string | undefined => {
      try {
        return open().getItem(k) ?? mem[k];
      } catch {
        return mem[k];
      }
    },
    set: (k: string, v?: string) => {
      try {
        if (v == null) open().removeItem(k);
        else open().setItem(k, v);
        delete mem[k];
      } catch {
        if (v == null) delete mem[k];
        else mem[k] = v;
      }
    },
    mem,
    open,
  };
};

/**
 * addEventListener (capture phase) with the listener wrapped so that it never throws into the page. Only
 * plugins listen: its own export, so that a track-only bundle leaves it out.
 */
export const on = (
  target: Pick<EventTarget, 'addEventListener'>,
  type: string,
  listener: (event: Event) => void,
): void => target.addEventListener(type, safe(listener), true);

/** The keys of a store: storage and memory. Its own function, so that a track-only bundle leaves it out. */
export const keys = (s: Store): string[] => {
  const keys = Object.keys(s.mem);
  try {
    keys.push(...Object.keys(s.open()));
  } catch {
    // memory only
  }
  return keys;
};

/**
 * A v4 UUID: crypto.randomUUID in a secure context; elsewhere (plain http) the one in a fresh blob URL,
 * which the File API makes a random UUID too ("blob:<origin>/<uuid>", File API, "Blob URLs"), revoked at once.
 */
export const uuid = (c: Crypto = crypto): string =>
  c.randomUUID?.() ?? fromBlobUrl(URL.createObjectURL(new Blob()));
const fromBlobUrl = (u: string) => (URL.revokeObjectURL(u), u.slice(-36));

export const createClient = (o: ClientOptions, w: Env, plugins: (Plugin | false | undefined)[]) => {
  const l = w.location,
    nav = w.navigator as Navigator & { globalPrivacyControl?: boolean },
    ls = store(() => w.localStorage),
    ss = store(() => w.sessionStorage),
    // `ingest.example.com` without a scheme is that host, as `//ingest.example.com` (the page's scheme):
    // as a relative URL it would post to the page's own origin and every event would be lost.
    host = (o.host || '/').replace(/^(?!\/|https?:)/, '//').replace(/\/+$/, ''),
    key = o.apiKey,
    // The page context (EventTracked v2 types these keys): campaign parameters of the landing page
    // (the URL the SDK started on), screen, language and time zone; the title is read at each event.
    q = new URLSearchParams(l.search),
    context: Record<string, string> = {
      screen: w.screen.width + 'x' + w.screen.height,
      language: nav.language,
      time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    },
    // A URL as sent: with its fragment only when hash routes are pages.
    page = (u: string) => cut(o.hashRouting ? u : u.split('#')[0]!, 2048);
  // Bytes of keepalive bodies in flight.
  let inflight = 0;
  for (const k of ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'])
    if (q.get(k)) context[k] = cut(q.get(k)!, 500);

  /** The request body: api_key and sent_at (the client's clock at this send), then the object's fields. */
  const wrap = (json: string) =>
    '{"api_key":' + JSON.stringify(key) + ',"sent_at":' + Date.now() + ',' + json.slice(1);

  const c: Client = {
    w,
    ls,
    ss,
    key,
    ref: w.document.referrer,
    h: o.hashRouting,
    off: () =>
      ls.get('el_o') ||
      // The visitor's own switch, set by hand in the console (README, "Opting out"); Plausible's too,
      // so a visitor who opted out of a site's Plausible stays out when the site switches.
      ls.get('eventlens_ignore') == 'true' ||
      ls.get('plausible_ignore') == 'true' ||
      (nav.webdriver && !o.allowAutomation) ||
      (o.respectDnt && (nav.doNotTrack == '1' || nav.globalPrivacyControl)),

    send: (name, metadata, beacon, url = l.href) => {
      name = clean(name);
      if (!name || c.off()) return;
      context.title = cut(w.document.title, 500);
      const now = Date.now(),
        [sid, last] = (ss.get('el_s') || '').split(' '),
        // A session ends after 30 minutes without an event.
        session_id = sid && now - +last! < SESSION_TIMEOUT_MS ? sid : uuid(),
        anonymous_id = ls.get('el_a') || uuid(),
        event_id = uuid(),
        event = JSON.stringify({
          event_name: name,
          metadata,
          session_id,
          user_id: ls.get('el_u'),
          anonymous_id,
          event_id,
          timestamp: now,
          url: page(url),
          referrer: page(c.ref) || undefined,
          context,
        } satisfies SdkEvent);
      ss.set('el_s', session_id + ' ' + now);
      ls.set('el_a', anonymous_id);
      // Offline, a beacon is lost without a word (sendBeacon still answers true), and the fetch of a page
      // going away may not live to fail: the retry queue keeps the event for the next page.
      if (beacon && !nav.onLine && c.q) return c.q(event, now + event_id);
      if (beacon && safe(() => nav.sendBeacon(host + '/v1/events', wrap(event)))()) return;
      // Queue key: timestamp first, so that keys sort oldest first.
      c.post('/v1/events', event).then(
        () => c.q?.(),
        (after) => c.q?.(event, now + event_id, after),
      );
    },

    post: (path, json) => {
      const body = wrap(json),
        size = new Blob([body]).size,
        keepalive = inflight + size < KEEPALIVE_BUDGET;
      if (keepalive) inflight += size;
      // A string body goes as text/plain: a "simple" request, so no CORS preflight.
      return w
        .fetch(host + path, { method: 'POST', body, keepalive })
        .finally(() => keepalive && (inflight -= size))
        .then((r) => {
          if (r.status > 499 || r.status == 429) throw +r.headers.get('Retry-After')!;
          return r;
        });
    },
  };
  plugins.forEach((p) => p && p(c));
  return c;
};

/**
 * The page's one client: made by the first `init` (of `eventlens-js` or of `eventlens-js/core`) that runs
 * in a browser with a write key. The seven functions of core.ts read it; before `init` it is undefined.
 */
export let client: Client | undefined;

/**
 * What both `init`s do, each with its own plugins: the first call in a browser with a write key makes the
 * client, later ones are ignored. `eventlens-js` hands its plugins over here as a list rather than as
 * options for `eventlens-js/core`'s `init` to read back, which makes the script tag about 40 bytes smaller;
 * it lives here, with the client, so that it is not an export of `eventlens-js/core`.
 */
export const start = (options: ClientOptions, plugins: (Plugin | false | undefined)[]): void => {
  if (!client && typeof window == 'object' && options?.apiKey) {
    // Another copy of the SDK started on this page already (the script tag beside a bundled
    // `eventlens-js`, two bundles): a second client would send every event again.
    const w = window as Window & { __eventlens?: 1 };
    if (w.__eventlens) return console.warn(TWICE);
    w.__eventlens = 1;
    client = createClient(options, window, plugins);
  }
};

/** What a second copy of the SDK on a page says in the console, once, before doing nothing. */
export const TWICE = 'eventlens: loaded twice';
