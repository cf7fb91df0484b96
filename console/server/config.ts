/**
 * The console server's environment, parsed once at start-up. A bad value fails with one line that
 * names the variable; nothing else in the server reads `process.env`.
 */
import { z } from 'zod';
import {
  DEFAULT_HTTP_LIMITS,
  LOG_ENV,
  logOptionsFrom,
  parseEnv,
  TrustedProxies,
  type HttpLimits,
  type LogFormat,
  type LogLevel,
} from '@eventlens/service-kit';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const url = (what: string) =>
  z
    .string()
    .url(`must be the http(s) URL of the ${what}`)
    .refine((s) => /^https?:\/\//.test(s), `must be the http(s) URL of the ${what}`)
    .transform((s) => s.replace(/\/+$/, ''));

const Env = z
  .object({
    EVENTLENS_CONSOLE_PORT: z.coerce.number().int().min(0).max(65535).default(18300),
    EVENTLENS_CONSOLE_HOST: z.string().min(1).default('127.0.0.1'),
    EVENTLENS_QUERY_URL: url('query API, e.g. http://127.0.0.1:18200'),
    EVENTLENS_INGEST_URL: url('ingestion and admin API (command side), e.g. http://127.0.0.1:18100'),
    /** A project's write key for the demo page (and the Setup view's snippet). Optional. */
    EVENTLENS_DEMO_API_KEY: z
      .string()
      .regex(/^\S{8,256}$/, 'must be a write key (el_…)')
      .optional(),
    /**
     * The proxies in front of the console (a TLS-terminating reverse proxy, the ingress controller)
     * whose X-Forwarded-For, -Proto and -Host name the client to the APIs: comma-separated addresses,
     * address/prefix ranges or loopback|linklocal|uniquelocal. None by default.
     */
    EVENTLENS_CONSOLE_TRUST_PROXY: TrustedProxies,
    /** Where the built SPA is; default: console/dist next to this folder. */
    EVENTLENS_CONSOLE_DIST: z.string().min(1).optional(),
    /** Listener bounds (shared names: every service reads them). A trickled request is cut after these. */
    EVENTLENS_HTTP_HEADERS_TIMEOUT_MS: int(100, 120_000).default(DEFAULT_HTTP_LIMITS.headersTimeoutMs),
    EVENTLENS_HTTP_REQUEST_TIMEOUT_MS: int(100, 300_000).default(DEFAULT_HTTP_LIMITS.requestTimeoutMs),
    EVENTLENS_HTTP_KEEP_ALIVE_TIMEOUT_MS: int(0, 600_000).default(DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs),
    EVENTLENS_HTTP_MAX_CONNECTIONS: int(1, 1_000_000).default(DEFAULT_HTTP_LIMITS.maxConnections),
    /** EVENTLENS_LOG_LEVEL, EVENTLENS_LOG_FORMAT (service kit). */
    ...LOG_ENV,
  })
  .refine((e) => e.EVENTLENS_HTTP_HEADERS_TIMEOUT_MS <= e.EVENTLENS_HTTP_REQUEST_TIMEOUT_MS, {
    path: ['EVENTLENS_HTTP_HEADERS_TIMEOUT_MS'],
    message: 'must not exceed EVENTLENS_HTTP_REQUEST_TIMEOUT_MS',
  });

export interface ConsoleConfig {
  port: number;
  host: string;
  queryUrl: string;
  ingestUrl: string;
  demoApiKey: string | undefined;
  distDir: string | undefined;
  /** EVENTLENS_CONSOLE_TRUST_PROXY, as a list (proxy-addr's entries). */
  trustedProxies: string[];
  http: HttpLimits;
  /** The logger's level and format (EVENTLENS_LOG_LEVEL, EVENTLENS_LOG_FORMAT). */
  log: { level: LogLevel; format: LogFormat };
}

export function loadConfig(env: Record<string, string | undefined>): ConsoleConfig {
  // An empty variable means "not set", as a shell's `VAR= cmd` suggests.
  const e = parseEnv(Env, env, { emptyIsUnset: true });
  return {
    port: e.EVENTLENS_CONSOLE_PORT,
    host: e.EVENTLENS_CONSOLE_HOST,
    queryUrl: e.EVENTLENS_QUERY_URL,
    ingestUrl: e.EVENTLENS_INGEST_URL,
    demoApiKey: e.EVENTLENS_DEMO_API_KEY,
    distDir: e.EVENTLENS_CONSOLE_DIST,
    trustedProxies: e.EVENTLENS_CONSOLE_TRUST_PROXY,
    http: {
      headersTimeoutMs: e.EVENTLENS_HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.EVENTLENS_HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.EVENTLENS_HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.EVENTLENS_HTTP_MAX_CONNECTIONS,
    },
    log: logOptionsFrom(e),
  };
}
