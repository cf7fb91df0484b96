// The SDK's demo page for the local stack, as a plain Node request handler (no dependencies; not part of
// the published package). The launcher mounts it:
//
//   import { createDemoHandler } from 'eventlens-js/serve.js'   // or a relative path to sdk/serve.js
//   const demo = createDemoHandler({ apiKey: 'el_…', host: 'http://127.0.0.1:4000' });
//   http.createServer((req, res) => demo(req, res) || notFound(res));
//
// It serves GET/HEAD /eventlens.min.js (the script-tag build from dist/), /demo.js, and the demo page at /
// and at the demo's in-app paths, with the write key and ingestion host filled in. For any other request
// it returns false and leaves the response alone.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const file = (path) => new URL(path, import.meta.url);

/** Paths that show the demo page: / and the routes its pushState links lead to (so a reload works). */
export const DEMO_PATHS = ['/', '/index.html', '/pricing', '/docs', '/about'];

const escapeAttribute = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * @param {{ apiKey: string, host: string }} options  the project's write key and the ingestion API's origin
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => boolean}
 *   true when it answered the request
 */
export function createDemoHandler({ apiKey, host }) {
  if (typeof apiKey != 'string' || !apiKey)
    throw new TypeError('createDemoHandler: apiKey must be a write key (el_…)');
  const ingest = new URL(host); // throws on a host that is not a URL
  if (!/^https?:$/.test(ingest.protocol))
    throw new TypeError('createDemoHandler: host must be an http(s) URL');
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

    if (DEMO_PATHS.includes(path)) {
      const html = readFileSync(file('./demo/index.html'), 'utf8')
        .replaceAll('__EVENTLENS_API_KEY__', escapeAttribute(apiKey))
        .replaceAll('__EVENTLENS_HOST__', escapeAttribute(origin));
      send(
        req,
        res,
        200,
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
    }
    return false;
  };
}

function send(req, res, status, headers, body) {
  res.writeHead(status, body == null ? headers : { ...headers, 'Content-Length': Buffer.byteLength(body) });
  res.end(req.method == 'HEAD' || body == null ? undefined : body);
}
