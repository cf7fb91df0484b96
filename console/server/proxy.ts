/**
 * A streaming reverse proxy to one upstream API (http-proxy-3): bodies are piped both ways, status
 * codes and Set-Cookie pass through untouched, and X-Forwarded-* tell the upstream the original
 * host and protocol (the query side decides the cookie's Secure flag from them).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createProxyServer } from 'http-proxy-3';
import type { Logger } from './logger';

export interface ApiProxyOptions {
  /** What the upstream is, for error messages: "query API". */
  name: string;
  target: string;
  logger: Logger;
  /** Upstream response timeout (default 30 s). */
  timeoutMs?: number;
}

export interface ApiProxy {
  /** Forwards `req` with its URL replaced by `upstreamPath` (path and query). */
  forward(req: IncomingMessage, res: ServerResponse, upstreamPath: string): void;
  close(): void;
}

export function createApiProxy(options: ApiProxyOptions): ApiProxy {
  const proxy = createProxyServer({
    target: options.target,
    xfwd: true,
    proxyTimeout: options.timeoutMs ?? 30_000,
  });
  proxy.on('error', (error, req, res) => {
    const code = (error as NodeJS.ErrnoException).code ?? error.message;
    options.logger.error('upstream failed', { upstream: options.name, url: req.url, error: code });
    if (!('writeHead' in res)) {
      res.destroy();
      return;
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(502, { 'Content-Type': 'application/json; charset=utf-8', 'Retry-After': '2' });
    res.end(
      JSON.stringify({
        error: { code: 'UPSTREAM_UNAVAILABLE', message: `the ${options.name} did not answer (${code})` },
      }),
    );
  });
  return {
    forward(req, res, upstreamPath) {
      req.url = upstreamPath;
      proxy.web(req, res);
    },
    close() {
      proxy.close();
    },
  };
}
