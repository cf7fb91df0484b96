/**
 * The query side's environment, parsed once at start-up. A bad value fails with one line that
 * names the variable; nothing else in the package reads `process.env`.
 */
import { z } from 'zod';
import { SCHEMA_PREFIX_PATTERN } from '@eventlens/read-model';
import {
  DEFAULT_HTTP_LIMITS,
  LOG_ENV,
  logOptionsFrom,
  parseEnv,
  trustedProxies,
  type HttpLimits,
  type LogFormat,
  type LogLevel,
} from '@eventlens/service-kit';

const port = z.coerce.number().int().min(0).max(65535);

const Env = z
  .object({
    EVENTLENS_READER_DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL of the read-only role'),
    EVENTLENS_SESSION_SECRET: z.string().min(16, 'must be at least 16 characters'),
    EVENTLENS_QUERY_PORT: port.default(18200),
    EVENTLENS_QUERY_HOST: z.string().min(1).default('127.0.0.1'),
    /**
     * `auto`: the session cookie is Secure when the request arrived over https (directly or, from a
     * trusted proxy, by X-Forwarded-Proto). `true`/`false` force it.
     */
    EVENTLENS_QUERY_COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
    /**
     * The proxies that may name the client (service-kit's `trustedProxies`: addresses, ranges or
     * proxy-addr's names). The console's reverse proxy is local, hence `loopback`. `true` or a hop
     * count are refused: they would believe a client's own X-Forwarded-For.
     */
    EVENTLENS_QUERY_TRUST_PROXY: trustedProxies('loopback'),
    EVENTLENS_QUERY_DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    EVENTLENS_QUERY_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    /**
     * One CSV export's bound (GET /v1/events.csv): its statement timeout, idle-in-transaction timeout
     * and wall-clock limit. Longer than the pool's statement timeout, which is sized for one page of
     * the explorer, and still bounded, so no client holds a reader connection forever.
     */
    EVENTLENS_QUERY_EXPORT_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(600_000),
    /** The projections' setting, read the same way: the read models are in `<prefix>analytics`, `<prefix>admin`, `<prefix>ops`. */
    EVENTLENS_SCHEMA_PREFIX: z
      .string()
      .regex(SCHEMA_PREFIX_PATTERN, 'lowercase letters, digits and _ only')
      .default(''),
    /** Listener bounds (shared names: every service reads them). A trickled request is cut after these. */
    EVENTLENS_HTTP_HEADERS_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(120_000)
      .default(DEFAULT_HTTP_LIMITS.headersTimeoutMs),
    EVENTLENS_HTTP_REQUEST_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(300_000)
      .default(DEFAULT_HTTP_LIMITS.requestTimeoutMs),
    EVENTLENS_HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(600_000)
      .default(DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs),
    EVENTLENS_HTTP_MAX_CONNECTIONS: z.coerce
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(DEFAULT_HTTP_LIMITS.maxConnections),
    /** EVENTLENS_LOG_LEVEL, EVENTLENS_LOG_FORMAT (service kit). */
    ...LOG_ENV,
  })
  .refine((e) => e.EVENTLENS_HTTP_HEADERS_TIMEOUT_MS <= e.EVENTLENS_HTTP_REQUEST_TIMEOUT_MS, {
    path: ['EVENTLENS_HTTP_HEADERS_TIMEOUT_MS'],
    message: 'must not exceed EVENTLENS_HTTP_REQUEST_TIMEOUT_MS',
  });

export interface Config {
  readerDatabaseUrl: string;
  sessionSecret: string;
  port: number;
  host: string;
  cookieSecure: 'auto' | 'always' | 'never';
  /** EVENTLENS_QUERY_TRUST_PROXY, as a list (proxy-addr's entries). */
  trustProxy: readonly string[];
  dbPoolMax: number;
  statementTimeoutMs: number;
  /** Bound of one CSV export, ms (EVENTLENS_QUERY_EXPORT_TIMEOUT_MS). */
  exportTimeoutMs: number;
  /** Prefix of the read models' schemas (EVENTLENS_SCHEMA_PREFIX), as the projections write them. */
  schemaPrefix: string;
  http: HttpLimits;
  /** The logger's level and format (EVENTLENS_LOG_LEVEL, EVENTLENS_LOG_FORMAT). */
  log: { level: LogLevel; format: LogFormat };
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const e = parseEnv(Env, env);
  return {
    readerDatabaseUrl: e.EVENTLENS_READER_DATABASE_URL,
    sessionSecret: e.EVENTLENS_SESSION_SECRET,
    port: e.EVENTLENS_QUERY_PORT,
    host: e.EVENTLENS_QUERY_HOST,
    cookieSecure: ({ auto: 'auto', true: 'always', false: 'never' } as const)[
      e.EVENTLENS_QUERY_COOKIE_SECURE
    ],
    trustProxy: e.EVENTLENS_QUERY_TRUST_PROXY,
    dbPoolMax: e.EVENTLENS_QUERY_DB_POOL_MAX,
    statementTimeoutMs: e.EVENTLENS_QUERY_STATEMENT_TIMEOUT_MS,
    exportTimeoutMs: e.EVENTLENS_QUERY_EXPORT_TIMEOUT_MS,
    schemaPrefix: e.EVENTLENS_SCHEMA_PREFIX,
    http: {
      headersTimeoutMs: e.EVENTLENS_HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.EVENTLENS_HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.EVENTLENS_HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.EVENTLENS_HTTP_MAX_CONNECTIONS,
    },
    log: logOptionsFrom(e),
  };
}
