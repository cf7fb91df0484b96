/**
 * Configuration, parsed once from the environment at start-up (CONVENTIONS.md). A bad value fails
 * with one line naming the variable; nothing else in this package reads `process.env`.
 */
import {
  CONNECTION_ENV,
  LIMITS,
  TOPICS,
  checkConnectionEnv,
  kafkaSecurityFrom,
  registryAuthFrom,
  type KafkaSecurity,
  type RegistryAuth,
} from '@eventlens/contracts';
import { z } from 'zod';
import {
  DEFAULT_HTTP_LIMITS,
  LOG_ENV,
  logOptionsFrom,
  parseEnv,
  KafkaBrokers,
  readPemFile,
  RegistryUrl,
  TrustedProxies,
  type HttpLimits,
  type LogFormat,
  type LogLevel,
} from '@eventlens/service-kit';
import { PROCESSES_ENV } from './cluster';

/** The shared bounds, with keep-alive longer than a load balancer's idle timeout, so the balancer always closes first. */
export const INGEST_HTTP_LIMITS: HttpLimits = { ...DEFAULT_HTTP_LIMITS, keepAliveTimeoutMs: 65_000 };

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const EnvSchema = z
  .object({
    EVENTLENS_KAFKA_BROKERS: KafkaBrokers,
    EVENTLENS_REGISTRY_URL: RegistryUrl,
    /** TLS, SASL and registry credentials of an existing Kafka and registry (README, Configuration). */
    ...CONNECTION_ENV,
    EVENTLENS_SESSION_SECRET: z.string().min(16, 'must be at least 16 characters'),
    EVENTLENS_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    EVENTLENS_INGEST_PORT: int(0, 65535).default(18100),
    /** Loopback by default: expose it on purpose (behind a proxy or with 0.0.0.0). */
    EVENTLENS_INGEST_HOST: z.string().min(1).default('127.0.0.1'),
    /** Proxies whose X-Forwarded-For/-Proto are believed (login throttling, the cookie's Secure flag). */
    EVENTLENS_INGEST_TRUST_PROXY: TrustedProxies,
    /** `auto`: the session cookie is Secure when the request came over https; `true`/`false` force it. */
    EVENTLENS_INGEST_COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
    EVENTLENS_EVENTS_TOPIC: z.string().min(1).default(TOPICS.events),
    EVENTLENS_ADMIN_TOPIC: z.string().min(1).default(TOPICS.admin),
    /** Sustained events per second per write key, and the extra events a key may burst above it. */
    EVENTLENS_RATE_LIMIT_EVENTS_PER_S: int(1, 10_000_000).default(1000),
    EVENTLENS_RATE_LIMIT_BURST: int(0, 10_000_000).default(2000),
    /** Group commit: how long an idle producer waits for more requests, and the size of one produce call. */
    EVENTLENS_GROUP_COMMIT_LINGER_MS: int(0, 50).default(2),
    EVENTLENS_GROUP_COMMIT_MAX_RECORDS: int(1, 100_000).default(5000),
    EVENTLENS_GROUP_COMMIT_MAX_BYTES: int(64 * 1024, 16 * 1024 * 1024).default(768 * 1024),
    /** A request gives up (503) when its records are not acknowledged within this time. */
    EVENTLENS_APPEND_TIMEOUT_MS: int(100, 120_000).default(5000),
    EVENTLENS_BREAKER_RESET_MS: int(100, 600_000).default(5000),
    EVENTLENS_BREAKER_ERROR_PERCENT: int(1, 100).default(50),
    EVENTLENS_BREAKER_VOLUME: int(1, 10_000).default(5),
    EVENTLENS_CLIENT_ID: z.string().min(1).default('eventlens-command-side'),
    /** Processes serving the port (cluster.ts); 1, the default, runs no cluster. */
    ...PROCESSES_ENV,
    /** Listener bounds (shared names: every service reads them). A trickled request is cut after these. */
    EVENTLENS_HTTP_HEADERS_TIMEOUT_MS: int(100, 120_000).default(INGEST_HTTP_LIMITS.headersTimeoutMs),
    EVENTLENS_HTTP_REQUEST_TIMEOUT_MS: int(100, 300_000).default(INGEST_HTTP_LIMITS.requestTimeoutMs),
    EVENTLENS_HTTP_KEEP_ALIVE_TIMEOUT_MS: int(0, 600_000).default(INGEST_HTTP_LIMITS.keepAliveTimeoutMs),
    EVENTLENS_HTTP_MAX_CONNECTIONS: int(1, 1_000_000).default(INGEST_HTTP_LIMITS.maxConnections),
    /** EVENTLENS_LOG_LEVEL, EVENTLENS_LOG_FORMAT (service kit). */
    ...LOG_ENV,
  })
  .superRefine(checkConnectionEnv)
  .refine((e) => e.EVENTLENS_HTTP_HEADERS_TIMEOUT_MS <= e.EVENTLENS_HTTP_REQUEST_TIMEOUT_MS, {
    path: ['EVENTLENS_HTTP_HEADERS_TIMEOUT_MS'],
    message: 'must not exceed EVENTLENS_HTTP_REQUEST_TIMEOUT_MS',
  })
  .refine(
    (e) => e.EVENTLENS_RATE_LIMIT_EVENTS_PER_S + e.EVENTLENS_RATE_LIMIT_BURST >= LIMITS.batchMaxEvents,
    {
      path: ['EVENTLENS_RATE_LIMIT_BURST'],
      message: `plus EVENTLENS_RATE_LIMIT_EVENTS_PER_S must be at least ${LIMITS.batchMaxEvents}, or a full batch could never pass`,
    },
  );

export interface CommandSideConfig {
  kafkaBrokers: string[];
  /** TLS and SASL towards the brokers; plaintext when absent. */
  kafkaSecurity?: KafkaSecurity;
  registryUrl: string;
  /** Basic auth towards the registry; none when absent. */
  registryAuth?: RegistryAuth;
  sessionSecret: string;
  /** Bearer token for admin commands from scripts; admin by token is off when unset. */
  adminToken: string | undefined;
  http: {
    port: number;
    host: string;
    /** Express `trust proxy`: the trusted proxies' addresses and ranges; none when absent or empty. */
    trustProxy?: string[];
    cookieSecure?: 'auto' | 'always' | 'never';
  };
  topics: { events: string; admin: string };
  rateLimit: { eventsPerSecond: number; burst: number };
  groupCommit: { lingerMs: number; maxRecords: number; maxBytes: number };
  appendTimeoutMs: number;
  breaker: { resetTimeoutMs: number; errorThresholdPercentage: number; volumeThreshold: number };
  clientId: string;
  /**
   * Processes serving the port (EVENTLENS_INGEST_PROCESSES, 1–64, default 1): above 1 the entry
   * point runs a cluster of that many workers, each one instance built from this configuration.
   */
  processes?: number;
  /** Listener bounds; INGEST_HTTP_LIMITS when absent. */
  httpLimits?: HttpLimits;
  /** The logger's level and format (EVENTLENS_LOG_LEVEL, EVENTLENS_LOG_FORMAT). */
  log?: { level: LogLevel; format: LogFormat };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): CommandSideConfig {
  const e = parseEnv(EnvSchema, env);
  const registryAuth = registryAuthFrom(e);
  return {
    kafkaBrokers: e.EVENTLENS_KAFKA_BROKERS.split(','),
    kafkaSecurity: kafkaSecurityFrom(e, (file) => readPemFile(file, 'EVENTLENS_KAFKA_SSL_CA_FILE')),
    registryUrl: e.EVENTLENS_REGISTRY_URL,
    ...(registryAuth ? { registryAuth } : {}),
    sessionSecret: e.EVENTLENS_SESSION_SECRET,
    adminToken: e.EVENTLENS_ADMIN_TOKEN,
    http: {
      port: e.EVENTLENS_INGEST_PORT,
      host: e.EVENTLENS_INGEST_HOST,
      trustProxy: e.EVENTLENS_INGEST_TRUST_PROXY,
      cookieSecure: ({ auto: 'auto', true: 'always', false: 'never' } as const)[
        e.EVENTLENS_INGEST_COOKIE_SECURE
      ],
    },
    topics: { events: e.EVENTLENS_EVENTS_TOPIC, admin: e.EVENTLENS_ADMIN_TOPIC },
    rateLimit: { eventsPerSecond: e.EVENTLENS_RATE_LIMIT_EVENTS_PER_S, burst: e.EVENTLENS_RATE_LIMIT_BURST },
    groupCommit: {
      lingerMs: e.EVENTLENS_GROUP_COMMIT_LINGER_MS,
      maxRecords: e.EVENTLENS_GROUP_COMMIT_MAX_RECORDS,
      maxBytes: e.EVENTLENS_GROUP_COMMIT_MAX_BYTES,
    },
    appendTimeoutMs: e.EVENTLENS_APPEND_TIMEOUT_MS,
    breaker: {
      resetTimeoutMs: e.EVENTLENS_BREAKER_RESET_MS,
      errorThresholdPercentage: e.EVENTLENS_BREAKER_ERROR_PERCENT,
      volumeThreshold: e.EVENTLENS_BREAKER_VOLUME,
    },
    clientId: e.EVENTLENS_CLIENT_ID,
    processes: e.EVENTLENS_INGEST_PROCESSES,
    httpLimits: {
      headersTimeoutMs: e.EVENTLENS_HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.EVENTLENS_HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.EVENTLENS_HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.EVENTLENS_HTTP_MAX_CONNECTIONS,
    },
    log: logOptionsFrom(e),
  };
}
