import {
  client as c,
  clean,
  keys,
  safe,
  start,
  store,
  type ClientOptions,
  type Metadata,
  type Plugin,
} from './client.js';

export type { Metadata, Plugin } from './client.js';

export interface CoreOptions extends ClientOptions {
  /** Pass `retry` from `eventlens-js/retry` to keep failed deliveries in localStorage and send them again. */
  retry?: Plugin | false;
  /** Pass `autocapture` from `eventlens-js/autocapture` to capture clicks and form submissions. */
  autocapture?: Plugin | false;
  /** Pass `pageviews` from `eventlens-js/pageviews` to send page_view / page_leave, also in SPAs. */
  pageviews?: Plugin | false;
}

/*
 * `eventlens-js/core`: the same seven functions as `eventlens-js`, but `init` turns on nothing by itself,
 * so an app that only calls `track` ships only the core (README, "Tree-shaking"). One client per page.
 * Every function is a no-op before `init` and on a server (no window), and none of them ever throws.
 * Each is its own export, marked pure, so that a bundle keeps only the ones an app calls. The client they
 * use is `client` of client.ts, made by `start`.
 */

/** Starts the SDK. A second call is ignored. */
export const init = /* @__PURE__ */ safe((options: CoreOptions): void =>
  start(options, [options?.retry, options?.autocapture, options?.pageviews]),
);

/**
 * Sends a custom event. `name`: 1–200 characters; `metadata`: a JSON object. Metadata that is not an
 * object, or that JSON cannot write (a BigInt, a cycle), is left out and the event is still sent.
 */
export const track = /* @__PURE__ */ safe((name: string, metadata?: Metadata): void =>
  c?.send(
    name,
    metadata && typeof metadata == 'object' && !Array.isArray(metadata) && safe(JSON.stringify)(metadata)
      ? metadata
      : undefined,
  ),
);

/** Attaches a user id (1–200 characters) to this and every later event; kept in localStorage. */
export const identify = /* @__PURE__ */ safe((userId: string): void => {
  userId = clean(userId);
  if (c && userId && !c.off()) c.ls.set('el_u', userId);
});

/**
 * Forgets the user id, the anonymous id and the session (call it on log-out). The open page view
 * ends first, so its page_leave is the old visit's; the next navigation starts a view in the new one.
 */
export const reset = /* @__PURE__ */ safe((): void => {
  c?.e?.();
  c?.ls.set('el_u');
  c?.ls.set('el_a');
  c?.ss.set('el_s');
});

/** Records a page view now: for a router the SDK cannot see, or with page tracking off. */
export const page = /* @__PURE__ */ safe((): void => (c?.pv ? c.pv() : c?.send('page_view')));

// The client's localStorage, or before `init` the page's: a consent banner may run first.
const local = () => c?.ls || store(() => window.localStorage);

/**
 * Stops sending anything from this browser (persisted in localStorage) and drops the retry queue.
 * Also before `init`: the switch is kept and `init` then sends nothing.
 */
export const optOut = /* @__PURE__ */ safe((): void => {
  const s = local();
  s.set('el_o', '1');
  keys(s).forEach((k) => k.startsWith('el_q:') && s.set(k));
});

/** Undoes `optOut` (also before `init`). */
export const optIn = /* @__PURE__ */ safe((): void => local().set('el_o'));
