// The SDK's demo site for the local stack, as a plain Node request handler (no dependencies; not part of
// the published package). The console mounts it under /demo/ (console/server/app.ts), handing it each
// request's path with that prefix taken off; a server of your own does the same:
//
//   import { createDemoHandler } from 'eventlens-js/serve.js'   // or a relative path to sdk/serve.js
//   const demo = createDemoHandler({ apiKey: 'el_…', host: 'http://127.0.0.1:4000', base: '/demo/' });
//   http.createServer((req, res) => {
//     if (req.url.startsWith('/demo/')) req.url = req.url.slice('/demo'.length);
//     demo(req, res) || notFound(res);
//   });
//
// It answers GET/HEAD /eventlens.min.js (the script-tag build from dist/), /demo.js, and every other path
// with the demo page (so a reload or a shared link works on every page): status 200 at the demo's pages,
// 404 elsewhere (the page then shows its own "Page not found"). The page gets the write key, the
// ingestion host and `base` (the public path the handler is mounted at) filled in: its links, scripts and
// router stay under `base`, so its page views carry only its own paths. Other methods: it returns false
// and leaves the response alone.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const file = (path) => new URL(path, import.meta.url);

/**
 * The demo's pages, relative to its base: what demo/index.html has a `<section data-page>` for. /app is a
 * small app with hash routes (#/settings, #/billing), and /about is reached by a full page load.
 */
export const DEMO_PATHS = ['/', '/index.html', '/pricing', '/docs', '/about', '/app', '/app/'];

const escapeAttribute = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * @param {{ apiKey: string, host: string, base?: string, allowAutomation?: boolean }} options
 *   the project's write key; the ingestion API's origin; the public path the handler is mounted at
 *   (default `/demo/`, where the console mounts it); whether the page's script tag carries
 *   `data-allow-automation` (default true: the project's own browser tests drive this page; pass false to
 *   see the SDK's default, which skips automated browsers)
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => boolean}
 *   true when it answered the request
 */
export function createDemoHandler({ apiKey, host, base = '/demo/', allowAutomation = true }) {
  if (typeof apiKey != 'string' || !apiKey)
    throw new TypeError('createDemoHandler: apiKey must be a write key (el_…)');
  const ingest = new URL(host); // throws on a host that is not a URL
  if (!/^https?:$/.test(ingest.protocol))
    throw new TypeError('createDemoHandler: host must be an http(s) URL');
  if (typeof base != 'string' || !/^\/(?:[\w.~-]+\/)*$/.test(base))
    throw new TypeError('createDemoHandler: base must be a path that starts and ends with "/"');
  const origin = ingest.origin;

  return function handleDemoRequest(req, res) {
    if (req.method != 'GET' && req.method != 'HEAD') return false;
    const path = new URL(req.url ?? '/', 'http://demo').pathname;

    if (path == '/eventlens.min.js' || path == '/demo.js') {
      let body;
      try {
        body = readFileSync(file(path == '/demo.js' ? './demo/demo.js' : './dist/eventlens.min.js'));
      } catch {
        send(
          req,
          res,
          503,
          { 'Content-Type': 'text/plain; charset=utf-8' },
          'Build the SDK first: npm run build -w sdk\n',
        );
        return true;
      }
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      const headers = {
        'Content-Type': 'text/javascript; charset=utf-8',
        // Not versioned in its URL, and rebuilt while you work: always revalidate, cheaply, by ETag.
        'Cache-Control': 'no-cache',
        ETag: etag,
        'X-Content-Type-Options': 'nosniff',
        // Loadable from any site, as a customer's pages would load it from a CDN.
        'Access-Control-Allow-Origin': '*',
        'Cross-Origin-Resource-Policy': 'cross-origin',
      };
      if (req.headers['if-none-match'] == etag) send(req, res, 304, headers);
      else send(req, res, 200, headers, body);
      return true;
    }

    const html = readFileSync(file('./demo/index.html'), 'utf8')
      .replaceAll('__EVENTLENS_API_KEY__', escapeAttribute(apiKey))
      .replaceAll('__EVENTLENS_HOST__', escapeAttribute(origin))
      .replaceAll(' __EVENTLENS_AUTOMATION__', allowAutomation ? ' data-allow-automation' : '')
      .replaceAll('__DEMO_BASE__', base);
    send(
      req,
      res,
      DEMO_PATHS.includes(path) ? 200 : 404,
      {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        // A strict policy: no inline script anywhere, and the SDK works under it.
        'Content-Security-Policy': `default-src 'none'; script-src 'self'; connect-src ${origin}; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'strict-origin-when-cross-origin',
      },
      html,
    );
    return true;
  };
}

function send(req, res, status, headers, body) {
  res.writeHead(status, body == null ? headers : { ...headers, 'Content-Length': Buffer.byteLength(body) });
  res.end(req.method == 'HEAD' || body == null ? undefined : body);
}
