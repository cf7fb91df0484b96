import { on, safe, type Plugin } from './client.js';

/**
 * Page tracking: `page_view` when a view starts, `page_leave` with `duration_ms` and `scroll_depth` when it
 * ends, exactly one leave per view.
 *
 * A view starts on load, on an SPA navigation that changes the path (once the navigation's task is
 * over, so that it carries the title the app sets), on a restore from the
 * back-forward cache, and when the tab becomes visible again after its view was closed. It ends when the
 * page is hidden or left (visibilitychange → hidden, pagehide: the last events a browser reliably fires,
 * sent with sendBeacon) and on an SPA navigation. No unload/beforeunload listeners: they break the
 * back-forward cache.
 */
export const pageviews: Plugin = (c) => {
  const w = c.w,
    d = w.document,
    l = w.location,
    h = w.history;
  let open: unknown, started: number, path: string, url: string, seen: number;

  // The lowest pixel of the page the view has shown: scroll_depth is it over the page's height, in percent
  // (Plausible's rule; over 100 when the page is shorter than the window, so capped).
  const scrolled = () => (seen = Math.max(seen, w.scrollY + w.innerHeight));

  // The path, plus (with hash routing on) the fragment when it is a hash route (#/…, #!/…) rather than
  // an in-page anchor.
  const current = () => l.pathname + (c.h && /^#!?\//.test(l.hash) ? l.hash : '');

  const start = () => {
    if (open) return;
    open = 1;
    // A page opened in a background tab is not being looked at yet: its clock starts when it is shown.
    started = d.hidden ? 0 : Date.now();
    path = current();
    url = l.href;
    // `scrolled`'s sum written again: `seen = 0; scrolled()` is 8 bytes more in the script tag.
    seen = w.scrollY + w.innerHeight;
    c.send('page_view');
  };

  const end = (beacon?: unknown) => {
    if (!open) return;
    open = 0;
    c.send(
      'page_leave',
      {
        duration_ms: started && Date.now() - started,
        scroll_depth: Math.min(100, Math.round((100 * seen) / d.documentElement.scrollHeight)),
      },
      beacon,
      url,
    );
  };

  // The leave at once; the new view once the navigation's task is over (its promises included): a
  // router sets the page's title after it changes the URL, and the view carries the title.
  const next = () => {
    end();
    c.ref = url;
    setTimeout(safe(start));
  };

  const navigate = () => current() != path && next();

  for (const m of ['pushState', 'replaceState'] as const) {
    const original = h[m];
    h[m] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args);
      safe(navigate)();
      return result;
    };
  }
  on(w, 'popstate', navigate);
  on(w, 'hashchange', navigate);
  on(d, 'visibilitychange', () => (d.hidden ? end(1) : open ? (started ||= Date.now()) : start()));
  on(w, 'pagehide', () => end(1));
  on(w, 'scroll', scrolled);
  on(w, 'pageshow', (e) => (e as PageTransitionEvent).persisted && start());
  c.pv = next;
  c.e = end;
  start();
};
