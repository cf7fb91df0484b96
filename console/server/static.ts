/**
 * The built single-page app: hashed assets cached for a year, index.html revalidated every time, and
 * any other GET that names no file answered with index.html (history-mode routing). Text is gzipped
 * once and kept in memory: the whole dist is a few hundred kilobytes.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { errorBody } from './errors';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.txt', '.map']);

/**
 * What the console's own pages may do. No inline script (Vite emits none); styles may be inline
 * because Vue binds `style`; data is fetched from this origin only.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface Entry {
  mtimeMs: number;
  body: Buffer;
  gzip: Buffer | undefined;
  etag: string;
  type: string;
}

export interface StaticOptions {
  root: string;
}

export type StaticHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<void>;

export function createStaticHandler(options: StaticOptions): StaticHandler {
  const root = path.resolve(options.root);
  const cache = new Map<string, Entry>();

  async function load(file: string): Promise<Entry | undefined> {
    let info;
    try {
      info = await stat(file);
    } catch {
      return undefined;
    }
    if (!info.isFile()) return undefined;
    const cached = cache.get(file);
    if (cached && cached.mtimeMs === info.mtimeMs) return cached;
    const body = await readFile(file);
    const ext = path.extname(file);
    const entry: Entry = {
      mtimeMs: info.mtimeMs,
      body,
      gzip: COMPRESSIBLE.has(ext) && body.length > 512 ? gzipSync(body, { level: 9 }) : undefined,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      type: TYPES[ext] ?? 'application/octet-stream',
    };
    cache.set(file, entry);
    return entry;
  }

  function send(
    req: IncomingMessage,
    res: ServerResponse,
    entry: Entry,
    headers: Record<string, string>,
  ): void {
    const common = {
      'Content-Type': entry.type,
      ETag: entry.etag,
      Vary: 'Accept-Encoding',
      'X-Content-Type-Options': 'nosniff',
      ...headers,
    };
    if (req.headers['if-none-match'] === entry.etag) {
      res.writeHead(304, common).end();
      return;
    }
    const gzip = entry.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? entry.gzip! : entry.body;
    res.writeHead(200, {
      ...common,
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
      'Content-Length': String(body.length),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  return async function serveStatic(req, res, pathname) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'application/json' });
      res.end(JSON.stringify(errorBody('METHOD_NOT_ALLOWED', `${req.method} is not allowed here`)));
      return;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      decoded = '/';
    }
    const normalized = path.posix.normalize(decoded);
    const file = path.resolve(root, `.${normalized}`);
    const inside = file === root || file.startsWith(root + path.sep);
    // Dot-folders are the build's own metadata (Vite's .vite/manifest.json), not the app's files.
    const hidden = normalized.split('/').some((segment) => segment.startsWith('.'));
    if (hidden) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end('not found\n');
      return;
    }
    if (inside && file !== root && !file.endsWith(`${path.sep}index.html`)) {
      const entry = await load(file);
      if (entry) {
        const immutable = decoded.startsWith('/assets/');
        send(req, res, entry, {
          'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        });
        return;
      }
    }
    // A missing asset is a 404, not the app: a stale tab must not run HTML as a script.
    if (decoded.startsWith('/assets/') || /\.(js|css|map|png|svg|ico|woff2?)$/.test(decoded)) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end('not found\n');
      return;
    }
    const index = await load(path.join(root, 'index.html'));
    if (!index) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '5' });
      res.end('The console is not built yet: run "npm run build -w console".\n');
      return;
    }
    send(req, res, index, {
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': CONSOLE_CSP,
      'Referrer-Policy': 'same-origin',
      'X-Frame-Options': 'DENY',
    });
  };
}
