import { createClient, safe, type Client, type ClientOptions, type Metadata, type Plugin } from './client.js';

export type { Metadata, Plugin } from './client.js';

export interface CoreOptions extends ClientOptions {
  /** Pass `autocapture` from `eventlens-js/autocapture` to capture clicks and form submissions. */
  autocapture?: Plugin | false;
  /** Pass `pageviews` from `eventlens-js/pageviews` to send page_view / page_leave, also in SPAs. */
  pageviews?: Plugin | false;
}

/**
 * `eventlens-js/core`: the same seven functions as `eventlens-js`, but `init` turns on nothing by itself,
 * so an app that only calls `track` ships only the core (see README, "Tree-shaking").
 * One client per page; every function is a no-op before `init`, on a server, and after `optOut`.
 */
let client: Client | undefined;

export const init = safe((options: CoreOptions): void => {
  const w = typeof window == 'object' ? window : undefined;
  if (client || !w || !options?.apiKey) return;
  client = createClient(
    options,
    {
      w,
      fetch: (url, init) => w.fetch(url, init),
      beacon: (url, body) => w.navigator.sendBeacon(url, body),
      local: () => w.localStorage,
      session: () => w.sessionStorage,
    },
    [options.autocapture, options.pageviews],
  );
});

/** Send a custom event. `name`: 1–200 characters; `metadata`: a JSON object. */
export const track = safe((name: string, metadata?: Metadata): void => client?.track(name, metadata));
/** Attach a user id (1–200 characters) to this and every later event, kept in localStorage. */
export const identify = safe((userId: string): void => client?.identify(userId));
/** Forget the user id, the anonymous id and the session (call it on log-out). */
export const reset = safe((): void => client?.reset());
/** Record a page view now (for routers the SDK cannot see, or with page tracking off). */
export const page = safe((): void => client?.page());
/** Stop sending anything from this browser, persisted in localStorage; drops the retry queue. */
export const optOut = safe((): void => client?.optOut());
/** Undo `optOut`. */
export const optIn = safe((): void => client?.optIn());
