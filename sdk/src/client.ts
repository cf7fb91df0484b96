/**
 * The core of eventlens-js: identities, the event envelope, delivery, and the retry queue.
 *
 * Everything the core touches in the page comes in through `Env`, so unit tests hand it fakes
 * (fetch, sendBeacon, storage) and a DOM-emulated window, and the public entry points hand it the
 * real ones. The code is written for size: the whole script-tag build must stay under 2.5 KB gzip,
 * so prefer one clear line over a helper, and keep property names short where they are repeated.
 */

export interface ClientOptions {
  /** The project's write key, `el_…`. */
  apiKey: string;
  /** Origin of the EventLens ingestion API, e.g. `https://ingest.example.com`. Default: the page's origin. */
  host?: string;
  /** Send nothing when the browser says Do Not Track or Global Privacy Control. Default: false. */
  respectDnt?: boolean;
}

/** A JSON object of event details. */
export type Metadata = Record<string, unknown>;

/** A feature that plugs into the client (autocapture, page tracking). */
export type Plugin = (client: Client) => void;

/** What the client needs from the page. Tests pass fakes; `browserEnv` passes the real ones. */
export interface Env {
  w: Window;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  /** navigator.sendBeacon: true when the browser queued the request. */
  beacon: (url: string, body: string) => boolean;
  /** Storage getters: reading `window.localStorage` itself throws in sandboxed iframes. */
  local: () => Storage;
  session: () => Storage;
}

export interface Client {
  w: Window;
  /** Referrer of the current view: document.referrer, then the previous URL after an SPA navigation. */
  ref: string;
  /** Send one event (already named by the SDK). `beacon`: the page is going away. `url` overrides location.href. */
  send(name: string, metadata?: Metadata, beacon?: unknown, url?: string): void;
  /** addEventListener(capture) with the listener wrapped so that it can never throw into the page. */
  on(target: EventTarget, type: string, listener: (event: Event) => void): void;
  /** Set by the page-tracking plugin: what `page()` does instead of sending a bare page_view. */
  pv?: () => void;
  track(name: string, metadata?: Metadata): void;
  identify(userId: string): void;
  reset(): void;
  page(): void;
  optOut(): void;
  optIn(): void;
  /** Try to deliver the persisted retry queue now. */
  flush(): void;
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

/** A queued event and, while a tab is delivering it, that tab's claim: owner id and expiry (epoch ms). */
interface QueueItem {
  e: SdkEvent;
  o?: string;
  x?: number;
}

export const SESSION_TIMEOUT_MS = 30 * 60_000;
/** A claim outlives any sane request; a tab that dies while holding one frees it at expiry. */
export const CLAIM_MS = 30_000;
/** Time between writing claims and re-reading them: longer than localStorage takes to reach other tabs. */
export const SETTLE_MS = 250;
export const QUEUE_MAX_EVENTS = 200;
export const QUEUE_MAX_CHARS = 65_536;
export const BACKOFF_MAX_MS = 300_000;

/** Wraps a function so that nothing it throws reaches the caller: the host page must never see our errors. */
export const safe =
  <A extends unknown[], R>(fn: (...args: A) => R) =>
  (...args: A): R | void => {
    try {
      return fn(...args);
    } catch {
      // swallowed on purpose
    }
  };

const parse = <T = QueueItem>(json: string | undefined): T | undefined => {
  try {
    return JSON.parse(json!);
  } catch {
    // a value someone else wrote under our key
  }
};

/**
 * localStorage or sessionStorage with an in-memory fallback. The first access that throws (private mode,
 * sandboxed iframe, quota full) switches the store to memory for the rest of the page's life; values read
 * or written until then are kept in memory, so ids stay stable.
 */
export const store = (open: () => Storage) => {
  const mem: Record<string, string> = {};
  let s: Storage | 0 | undefined;
  const use = (f: (s: Storage) => unknown) => {
    if (s !== 0)
      try {
        return f((s ||= open()));
      } catch {
        s = 0;
      }
  };
  return {
    get: (k: string): string | undefined => {
      use((s) => {
        const v = s.getItem(k);
        if (v == null) delete mem[k];
        else mem[k] = v;
      });
      return mem[k];
    },
    set: (k: string, v?: string) => {
      if (v == null) delete mem[k];
      else mem[k] = v;
      use((s) => (v == null ? s.removeItem(k) : s.setItem(k, v)));
    },
    keys: (): string[] => {
      let keys = Object.keys(mem);
      use((s) => {
        keys = [];
        for (let i = 0; i < s.length; i++) keys.push(s.key(i)!);
      });
      return keys;
    },
  };
};

/** A v4 UUID: crypto.randomUUID where the page is a secure context, getRandomValues elsewhere. */
export const uuid = (c: Crypto = crypto): string =>
  c.randomUUID?.() ??
  '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (d) =>
    (+d ^ (c.getRandomValues(new Uint8Array(1))[0]! & (15 >> (+d / 4)))).toString(16),
  );

export const createClient = (o: ClientOptions, env: Env, plugins: (Plugin | false | undefined)[] = []) => {
  const w = env.w,
    l = w.location,
    nav = w.navigator as Navigator & { globalPrivacyControl?: boolean },
    ls = store(env.local),
    ss = store(env.session),
    host = (o.host || '').replace(/\/+$/, ''),
    key = o.apiKey,
    prefix = 'el_q:' + key + ':',
    tab = uuid();
  let busy: unknown, timer: unknown, tries = 0;

  const off = () =>
    ls.get('el_o') ||
    (o.respectDnt &&
      (nav.doNotTrack == '1' || (w as { doNotTrack?: string }).doNotTrack == '1' || nav.globalPrivacyControl));

  // Landing-page campaign parameters, kept for the tab's session so later pages carry them too.
  let utm: Record<string, string> = {};
  new URLSearchParams(l.search).forEach((v, k) => {
    if (/^utm_(source|medium|campaign|term|content)$/.test(k)) utm[k] = v.slice(0, 500);
  });
  if (Object.keys(utm).length) off() || ss.set('el_m', JSON.stringify(utm));
  else utm = parse<typeof utm>(ss.get('el_m')) || {};
  const context: Record<string, string> = { screen: w.screen.width + 'x' + w.screen.height, ...utm };
  if (nav.language) context.language = nav.language;

  const sessionId = () => {
    const now = Date.now(),
      [id, last] = (ss.get('el_s') || '').split(' '),
      sid = id && now - +last! < SESSION_TIMEOUT_MS ? id : uuid();
    ss.set('el_s', sid + ' ' + now);
    return sid;
  };

  const anonymousId = () => {
    let id = ls.get('el_a');
    if (!id) ls.set('el_a', (id = uuid()));
    return id;
  };

  /** [storage key, item, stored length] for every queued event of this write key. */
  const queued = () =>
    ls
      .keys()
      .filter((k) => k.startsWith(prefix))
      .map((k) => {
        const raw = ls.get(k) || '';
        return [k, parse(raw), raw.length] as const;
      });

  const post = (path: string, body: string, keepalive?: boolean) =>
    env.fetch(host + path, { method: 'POST', body, keepalive });

  /** 429 and 5xx are worth another try; the answer is the delay the server asked for, in seconds. */
  const retryAfter = (r: Response) =>
    (r.status > 499 || r.status == 429) && (+r.headers.get('Retry-After')! || 0);

  /** Arms the retry timer: jittered exponential backoff, never sooner than Retry-After. */
  const schedule = (after: number | false = 0) => {
    timer ||= setTimeout(
      () => {
        timer = 0;
        flush();
      },
      Math.max(+after * 1e3, Math.min(BACKOFF_MAX_MS, 1e3 * 2 ** tries++) * (0.5 + Math.random() / 2)),
    );
  };

  const enqueue = (event: string, id: string, after?: number | false) => {
    ls.set(prefix + id, '{"e":' + event + '}');
    // Bound the queue: oldest events go first.
    const items = queued().sort((a, b) => (a[1]?.e.timestamp || 0) - (b[1]?.e.timestamp || 0));
    let chars = items.reduce((n, i) => n + i[2], 0);
    while (items.length > QUEUE_MAX_EVENTS || chars > QUEUE_MAX_CHARS) {
      const [k, , n] = items.shift()!;
      ls.set(k);
      chars -= n;
    }
    schedule(after);
  };

  /**
   * Delivers the queue through /v1/batch without two tabs sending the same event. A tab claims every
   * unclaimed (or expired, or its own) item by writing its id and an expiry into it, waits SETTLE_MS for
   * the other tabs' writes to arrive, re-reads, and sends only the items that still carry its claim: when
   * two tabs claim at once, the write that lands last wins in every tab's view, so exactly one sends.
   */
  const flush = () => {
    if (busy || off()) return;
    const now = Date.now(),
      mine: string[] = [];
    for (const [k, item] of queued())
      if (item && (item.o == tab || !((item.x || 0) > now))) {
        item.o = tab;
        item.x = now + CLAIM_MS;
        ls.set(k, JSON.stringify(item));
        mine.push(k);
      }
    if (!mine.length) return;
    busy = 1;
    setTimeout(() => {
      const keys: string[] = [],
        events: SdkEvent[] = [];
      for (const k of mine) {
        const item = parse(ls.get(k));
        if (item?.o == tab) keys.push(k), events.push(item.e);
      }
      if (!events.length) return (busy = 0);
      post('/v1/batch', JSON.stringify({ api_key: key, events })).then(
        (r) => {
          busy = 0;
          const after = retryAfter(r);
          if (after === false) {
            // Delivered (2xx), or refused for good (400, 401, 413, 415): either way, done with them.
            tries = 0;
            keys.forEach((k) => ls.set(k));
            flush();
          } else schedule(after);
        },
        () => schedule((busy = 0)),
      );
    }, SETTLE_MS);
  };

  const send: Client['send'] = (name, metadata, beacon, url = l.href) => {
    name = String(name).trim().slice(0, 200);
    if (!name || off()) return;
    const id = uuid(),
      event = JSON.stringify({
        event_name: name,
        metadata,
        session_id: sessionId(),
        user_id: ls.get('el_u'),
        anonymous_id: anonymousId(),
        event_id: id,
        timestamp: Date.now(),
        url: url.slice(0, 2048),
        referrer: c.ref.slice(0, 2048) || undefined,
        context,
      } satisfies SdkEvent),
      body = '{"api_key":' + JSON.stringify(key) + ',' + event.slice(1);
    if (beacon && safe(env.beacon)(host + '/v1/events', body)) return;
    post('/v1/events', body, true).then(
      (r) => {
        const after = retryAfter(r);
        if (after === false) flush();
        else enqueue(event, id, after);
      },
      () => enqueue(event, id),
    );
  };

  const on: Client['on'] = (target, type, listener) => target.addEventListener(type, safe(listener), true);

  const c: Client = {
    w,
    ref: w.document.referrer,
    send,
    on,
    flush,
    track: (name, metadata) =>
      send(name, metadata && typeof metadata == 'object' && !Array.isArray(metadata) ? metadata : undefined),
    identify: (userId) => {
      userId = String(userId).trim().slice(0, 200);
      if (userId && !off()) ls.set('el_u', userId);
    },
    reset: () => {
      ls.set('el_u');
      ls.set('el_a');
      ss.set('el_s');
    },
    page: () => (c.pv ? c.pv() : send('page_view')),
    optOut: () => {
      ls.set('el_o', '1');
      queued().forEach(([k]) => ls.set(k));
    },
    optIn: () => ls.set('el_o'),
  };
  plugins.forEach((p) => p && p(c));
  on(w, 'online', flush);
  flush();
  return c;
};
