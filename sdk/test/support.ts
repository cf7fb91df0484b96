/**
 * Fakes for the unit tests: plain objects handed to `createClient` as its `Env`, never module mocks.
 * The DOM parts (document, history, location, event dispatch) are happy-dom's real ones.
 */
import { Window } from 'happy-dom';
import { createClient, type ClientOptions, type Env, type Plugin, type SdkEvent } from '../src/client.js';

export const KEY = 'el_test_0123456789abcdef';
export const HOST = 'https://ingest.example';

/** The event fields the ingestion API accepts (it rejects any other with a 400). */
export const ACCEPTED_FIELDS = [
  'api_key',
  'event_name',
  'metadata',
  'session_id',
  'user_id',
  'anonymous_id',
  'event_id',
  'timestamp',
  'url',
  'referrer',
  'context',
  'sent_at',
];

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export interface Sent {
  url: string;
  method: string;
  body: string;
  keepalive?: boolean;
  headers?: HeadersInit;
  via: 'fetch' | 'beacon';
  /** The status the fake server answered (beacons: 202, as far as the page can tell). */
  status?: number;
}

type Answer = number | Error | { status: number; headers?: Record<string, string>; body?: string };

/**
 * A recording network: fetch and sendBeacon. `answer` decides each fetch's fate (a status, a status with
 * headers, or an Error for a network failure); `beacon` decides what sendBeacon returns.
 */
export const network = () => {
  const sent: Sent[] = [];
  const net = {
    sent,
    answer: (_req: Sent): Answer => 202,
    beacon: (): boolean => true,
    fetch: async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const req: Sent = {
        url: String(url),
        method: init?.method ?? 'GET',
        body: String(init?.body),
        keepalive: init?.keepalive,
        headers: init?.headers,
        via: 'fetch',
      };
      sent.push(req);
      const a = net.answer(req);
      if (a instanceof Error) throw a;
      const { status, headers, body } =
        typeof a == 'number' ? { status: a, headers: {}, body: undefined } : a;
      req.status = status;
      return new Response(status == 204 ? null : (body ?? '{}'), { status, headers });
    },
    sendBeacon: (url: string | URL, data?: BodyInit | null): boolean => {
      const ok = net.beacon();
      if (ok) sent.push({ url: String(url), method: 'POST', body: String(data), via: 'beacon', status: 202 });
      return ok;
    },
    /** Every event that reached the server, from single posts and batches alike, with its api_key. */
    events: (): (SdkEvent & { api_key: string })[] =>
      sent.flatMap((r) => {
        const body = JSON.parse(r.body);
        return r.url.endsWith('/v1/batch')
          ? body.events.map((e: SdkEvent) => ({ api_key: body.api_key, ...e }))
          : [body];
      }),
  };
  return net;
};

/** The events the server accepted (answered 2xx), from single posts and batches alike. */
export const accepted = (...nets: Network[]) =>
  nets.flatMap((n) =>
    n.sent
      .filter((r) => r.status! < 300)
      .flatMap((r) => {
        const body = JSON.parse(r.body);
        return (r.url.endsWith('/v1/batch') ? body.events : [body]) as SdkEvent[];
      }),
  );
export type Network = ReturnType<typeof network>;

/** A Storage backed by a Map, listing its keys to Object.keys like the real one. `full` makes writes throw. */
export const mapStorage = (
  data = new Map<string, string>(),
  onWrite?: (k: string, v: string | null) => void,
) => {
  const state = { full: false };
  const api = {
    get length() {
      return data.size;
    },
    key: (i: number) => [...data.keys()][i] ?? null,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => {
      if (state.full) throw new DOMException('quota', 'QuotaExceededError');
      data.set(k, String(v));
      onWrite?.(k, String(v));
    },
    removeItem: (k: string) => {
      data.delete(k);
      onWrite?.(k, null);
    },
    clear: () => data.clear(),
  };
  const storage = new Proxy(api, {
    ownKeys: () => [...data.keys()],
    getOwnPropertyDescriptor: (_t, k) =>
      typeof k == 'string' && data.has(k)
        ? { value: data.get(k), enumerable: true, configurable: true }
        : undefined,
  }) as unknown as Storage;
  return { storage, data, state };
};

/**
 * localStorage as several tabs see it: each tab reads and writes its own copy at once; a write reaches the
 * shared store `lagMs` later (the last one to arrive wins) and every tab's copy `lagMs` after that, as
 * Chromium propagates localStorage between renderer processes.
 */
export const sharedLocalStorage = (tabs: number, lagMs: number) => {
  const backend = new Map<string, string>();
  const copies = Array.from({ length: tabs }, () => new Map<string, string>());
  const apply = (k: string, v: string | null) => {
    if (v == null) backend.delete(k);
    else backend.set(k, v);
    setTimeout(() => {
      for (const copy of copies) {
        const now = backend.get(k);
        if (now == null) copy.delete(k);
        else copy.set(k, now);
      }
    }, lagMs);
  };
  return copies.map((copy) => mapStorage(copy, (k, v) => setTimeout(() => apply(k, v), lagMs)).storage);
};

export interface TabOptions {
  /** The page's URL. Default: https://shop.example/ */
  url?: string;
  referrer?: string;
  /** localStorage: shared by the tabs of a browser. A function is a getter, which may throw. */
  local?: Storage | (() => Storage);
  /** sessionStorage: one per tab, kept across a reload. */
  session?: Storage | (() => Storage);
  net?: Network;
  navigator?: Record<string, unknown>;
  options?: Partial<ClientOptions>;
  plugins?: (Plugin | false)[];
}

/**
 * A page ("tab") running a client: a fresh happy-dom window (document, history, location, events) with
 * fakes for the network and storage. Fresh storages unless the test passes some.
 */
export const tab = (t: TabOptions = {}) => {
  const net = t.net ?? network();
  const w = new Window({
    url: t.url ?? 'https://shop.example/',
    settings: { navigation: { disableMainFrameNavigation: true, disableFallbackToSetURL: true } },
  });
  if (t.referrer != null) Object.defineProperty(w.document, 'referrer', { value: t.referrer });
  const local = t.local ?? mapStorage().storage;
  const session = t.session ?? mapStorage().storage;
  const env = {
    fetch: net.fetch,
    navigator: {
      language: 'en-GB',
      onLine: true,
      sendBeacon: net.sendBeacon,
      webdriver: false,
      ...t.navigator,
    },
    get localStorage() {
      return typeof local == 'function' ? local() : local;
    },
    get sessionStorage() {
      return typeof session == 'function' ? session() : session;
    },
    location: w.location,
    document: w.document,
    screen: { width: 1280, height: 720 },
    history: w.history,
    get scrollY() {
      return w.scrollY;
    },
    get innerHeight() {
      return w.innerHeight;
    },
    addEventListener: w.addEventListener.bind(w),
  } as unknown as Env;
  const client = createClient({ apiKey: KEY, host: HOST, ...t.options }, env, t.plugins ?? []);
  return { client, net, env, w, document: w.document as unknown as Document, local, session };
};

/** The names of the events a network received, in order. */
export const names = (net: Network) => net.events().map((e) => e.event_name);
