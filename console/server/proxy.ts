/**
 * A streaming reverse proxy to one upstream API (http-proxy-3): bodies are piped both ways, status
 * codes and Set-Cookie pass through untouched, and X-Forwarded-* tell the upstream the original
 * client address, host and protocol (the command side throttles logins per address and decides
 * the cookie's Secure flag from them; the APIs trust this hop).
 *
 * Forwarding headers are never passed on as the client sent them: X-Forwarded-For, X-Forwarded-Host,
 * -Proto, -Port, Forwarded and X-Real-IP are replaced (not appended to). The client's address is the
 * connection's, or, when the connection comes from a proxy the console trusts
 * (`EVENTLENS_CONSOLE_TRUST_PROXY`: the TLS-terminating proxy or ingress controller in front of it),
 * the one X-Forwarded-For names through the trusted hops (proxy-addr, as Express's `trust proxy`);
 * the protocol and host likewise, from a trusted hop's X-Forwarded-Proto and -Host. Otherwise a
 * client could name any address it likes and spread a password spray over as many "clients" as it
 * cares to invent; and without the trust, behind a proxy every client was the proxy (one login
 * throttle for all) and every request plain http (session cookies without Secure).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createProxyServer } from 'http-proxy-3';
import proxyaddr from 'proxy-addr';
import type { Logger } from '@eventlens/service-kit';
import { errorBody } from './errors';

export interface ApiProxyOptions {
  /** What the upstream is, for error messages: "query API". */
  name: string;
  target: string;
  logger: Pick<Logger, 'info' | 'error'>;
  /** Upstream response timeout (default 30 s). */
  timeoutMs?: number;
  /**
   * The proxies in front of the console that may name the client (service-kit's TrustedProxies:
   * addresses, ranges, `loopback`…); none by default: the client is the connecting address.
   */
  trustedProxies?: readonly string[];
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

/** The first value of a header that may repeat or list values (`https, http` → `https`). */
function firstValue(value: string | string[] | undefined): string | undefined {
  const first = (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
  return first ? first : undefined;
}

/**
 * Replaces every forwarding header of `req` with the client's facts: the connection's, or through
 * the hops `trust` trusts (proxy-addr's compiled function; one that trusts nothing by default).
 */
export function replaceForwardingHeaders(
  req: IncomingMessage,
  trust: (address: string, hop: number) => boolean = () => false,
): void {
  const peer = req.socket.remoteAddress ?? 'unknown';
  const fromTrusted = req.socket.remoteAddress !== undefined && trust(peer, 0);
  // proxy-addr walks X-Forwarded-For from the connection back through trusted hops only.
  const address = fromTrusted ? proxyaddr(req, trust) : peer;
  const socketProto = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const sentProto = fromTrusted ? firstValue(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
  const proto = sentProto === 'https' || sentProto === 'http' ? sentProto : socketProto;
  const host =
    (fromTrusted ? firstValue(req.headers['x-forwarded-host']) : undefined) ?? req.headers.host ?? '';
  const sentPort = fromTrusted ? firstValue(req.headers['x-forwarded-port']) : undefined;
  const port =
    sentPort !== undefined && /^\d{1,5}$/.test(sentPort) ? sentPort : String(req.socket.localPort ?? '');
  for (const name of FORWARDING_HEADERS) delete req.headers[name];
  req.headers['x-forwarded-for'] = address;
  req.headers['x-forwarded-proto'] = proto;
  req.headers['x-forwarded-port'] = port;
  if (host) req.headers['x-forwarded-host'] = host;
  req.headers['x-real-ip'] = address;
  // RFC 7239: an IPv6 address is quoted and bracketed.
  const node = address.includes(':') ? `"[${address}]"` : address;
  req.headers.forwarded = `for=${node};proto=${proto}${host ? `;host="${host.replace(/["\\]/g, '')}"` : ''}`;
}

export function createApiProxy(options: ApiProxyOptions): ApiProxy {
  const trust = proxyaddr.compile([...(options.trustedProxies ?? [])]);
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
      replaceForwardingHeaders(req, trust);
      proxy.web(req, res);
    },
    close() {
      proxy.close();
    },
  };
}
