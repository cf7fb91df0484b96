/**
 * The script-tag build (dist/eventlens.min.js, global `eventlens`): initialises itself from the
 * data- attributes of its own <script> tag, so a page needs no inline script and a strict CSP works.
 * Without a data-api-key it waits for `eventlens.init({ … })`.
 */
import { safe } from './client.js';
import { init } from './index.js';

export * from './index.js';

safe(() => {
  const s = (document.currentScript || document.querySelector('script[data-api-key]')) as HTMLScriptElement,
    a = (name: string) => s.getAttribute('data-' + name),
    dnt = a('respect-dnt');
  init({
    apiKey: a('api-key')!,
    // Default: the origin the script was loaded from.
    host: a('host') || new URL(s.src).origin,
    autocapture: a('autocapture') != 'false',
    pageviews: a('pageviews') != 'false',
    respectDnt: dnt != null && dnt != 'false',
  });
})();
