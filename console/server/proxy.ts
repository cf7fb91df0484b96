/**
 * A streaming reverse proxy to one upstream API (http-proxy-3): bodies are piped both ways, status
 * codes and Set-Cookie pass through untouched, and X-Forwarded-* tell the upstream the original
 * client address, host and protocol (the command side throttles logins per address and decides
 * the cookie's Secure flag from them; the APIs trust this hop, on loopback).
 *
 * Forwarding headers the client sent are never passed on: X-Forwarded-For, X-Forwarded-Host,
 * -Proto, -Port, Forwarded and X-Real-IP are replaced (not appended to) with what this server saw
 * on the connection. Otherwise a client could name any address it likes and spread a password
 * spray over as many "clients" as it cares to invent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createProxyServer } from 'http-proxy-3';
import type { Logger } from '@eventlens/service-kit';
import { errorBody } from './errors';

export interface ApiProxyOptions {
  /** What the upstream is, for error messages: "query API". */
  name: string;
  target: string;
  logger: Pick<Logger, 'info' | 'error'>;
  /** Upstream response timeout (default 30 s). */
  timeoutMs?: number;
}

export interface ApiProxy {
  /** Forwards `req` with its URL replaced by `upstreamPath` (path and query). */
  forward(req: IncomingMessage, res: ServerResponse, upstreamPath: string): void;
  close(): void;
}

const FORWARDING_HEADERS = [
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'forwarded',
  'x-real-ip',
] as const;

/** Replaces every forwarding header of `req` with the connection's own facts. */
export function replaceForwardingHeaders(req: IncomingMessage): void {
  for (const name of FORWARDING_HEADERS) delete req.headers[name];
  const address = req.socket.remoteAddress ?? 'unknown';
  const proto = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const host = req.headers.host ?? '';
  req.headers['x-forwarded-for'] = address;
  req.headers['x-forwarded-proto'] = proto;
  req.headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
  if (host) req.headers['x-forwarded-host'] = host;
  req.headers['x-real-ip'] = address;
  // RFC 7239: an IPv6 address is quoted and bracketed.
  const node = address.includes(':') ? `"[${address}]"` : address;
  req.headers.forwarded = `for=${node};proto=${proto}${host ? `;host="${host.replace(/["\\]/g, '')}"` : ''}`;
}

export function createApiProxy(options: ApiProxyOptions): ApiProxy {
  const proxy = createProxyServer({
    target: options.target,
    // Set by replaceForwardingHeaders instead: xfwd would append to what the client sent.
    xfwd: false,
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
      JSON.stringify(errorBody('UPSTREAM_UNAVAILABLE', `the ${options.name} did not answer (${code})`)),
    );
  });
  return {
    forward(req, res, upstreamPath) {
      req.url = upstreamPath;
      replaceForwardingHeaders(req);
      proxy.web(req, res);
    },
    close() {
      proxy.close();
    },
  };
}
