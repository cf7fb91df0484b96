/**
 * The script-tag build (dist/eventlens.min.js, global `eventlens`): initialises itself from the
 * data- attributes of its own <script> tag, so a page needs no inline script and a strict CSP works.
 * Without a data-api-key it waits for `eventlens.init({ … })`.
 */
import { safe } from './client.js';
import { identify, init, optIn, optOut, page, reset, track } from './index.js';

safe(() => {
  // The tag twice on a page (or a copy loaded async beside the defer one): the first copy keeps the
  // global; this one's init is refused by start (client.ts), or every event would be counted twice.
  (window as unknown as { eventlens?: object }).eventlens ||= {
    init,
    track,
    identify,
    reset,
    page,
    optOut,
    optIn,
  };
  const s = (document.currentScript || document.querySelector('script[data-api-key]')) as HTMLScriptElement,
    // data-api-key → apiKey, data-respect-dnt → respectDnt, …
    d = s.dataset,
    // A switch: present (data-respect-dnt, data-respect-dnt="true"), and not "false".
    on = (v?: string) => v != null && v != 'false';
  init({
    apiKey: d.apiKey!,
    // Default: the origin the script was loaded from.
    host: d.host || new URL(s.src).origin,
    autocapture: d.autocapture != 'false',
    pageviews: d.pageviews != 'false',
    respectDnt: on(d.respectDnt),
    hashRouting: on(d.hashRouting),
    allowAutomation: on(d.allowAutomation),
  });
})();
