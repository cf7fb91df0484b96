/**
 * Configuration of the projection workers: the environment, parsed once with Zod at start-up and
 * passed down typed. The only module that reads `process.env` (and only when called).
 *
 * Every name that isolates a deployment (topics, consumer groups, PostgreSQL schemas) can be
 * overridden, so tests run against the shared stack with unique ones.
 */
import {
  CONNECTION_ENV,
  RETRY_DELAYS_MS,
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
  KafkaBrokers,
  LOG_ENV,
  logOptionsFrom,
  parseEnv,
  readPemFile,
  RegistryUrl,
  type HttpLimits,
  type LogFormat,
  type LogLevel,
} from '@eventlens/service-kit';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const identifierPrefix = z.string().regex(/^[a-z_][a-z0-9_]*$|^$/, 'lowercase letters, digits and _ only');
const topicName = z.string().regex(/^[a-zA-Z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only');

const EnvSchema = z
  .object({
    EVENTLENS_KAFKA_BROKERS: KafkaBrokers,
    EVENTLENS_REGISTRY_URL: RegistryUrl,
    /** TLS, SASL and registry credentials of an existing Kafka and registry (README, Configuration). */
    ...CONNECTION_ENV,
    EVENTLENS_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
    EVENTLENS_READER_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    /** Overrides the role read from EVENTLENS_READER_DATABASE_URL. */
    EVENTLENS_READER_ROLE: z.string().min(1).optional(),
    EVENTLENS_PROJECTIONS_PORT: int(0, 65535).default(18400),
    /** Loopback by default, like every service: expose health and metrics on purpose. */
    EVENTLENS_PROJECTIONS_HOST: z.string().min(1).default('127.0.0.1'),
    /** Listener bounds (shared names: every service reads them). A trickled request is cut after these. */
    EVENTLENS_HTTP_HEADERS_TIMEOUT_MS: int(100, 120_000).default(DEFAULT_HTTP_LIMITS.headersTimeoutMs),
    EVENTLENS_HTTP_REQUEST_TIMEOUT_MS: int(100, 300_000).default(DEFAULT_HTTP_LIMITS.requestTimeoutMs),
    EVENTLENS_HTTP_KEEP_ALIVE_TIMEOUT_MS: int(0, 600_000).default(DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs),
    EVENTLENS_HTTP_MAX_CONNECTIONS: int(1, 1_000_000).default(DEFAULT_HTTP_LIMITS.maxConnections),

    EVENTLENS_EVENTS_TOPIC: topicName.default(TOPICS.events),
    EVENTLENS_ADMIN_TOPIC: topicName.default(TOPICS.admin),
    /** Retry and DLQ topics are `<prefix>.<projection>.retry.<n>` and `<prefix>.<projection>.dlq`. */
    EVENTLENS_FAILURE_TOPIC_PREFIX: topicName.default('eventlens'),
    /** Consumer groups are `<prefix>.<projection>`, `<prefix>.<projection>.retry` and `<prefix>.ops`. */
    EVENTLENS_GROUP_PREFIX: topicName.default('eventlens.projections'),
    /** PostgreSQL schemas are `<prefix>analytics`, `<prefix>admin` and `<prefix>ops`. */
    EVENTLENS_SCHEMA_PREFIX: identifierPrefix.default(''),

    /** Comma-separated delays of the retry topics, one per topic. */
    EVENTLENS_RETRY_DELAYS_MS: z
      .string()
      .default(RETRY_DELAYS_MS.join(','))
      .transform((text) => text.split(',').map((part) => Number(part.trim())))
      .refine(
        (delays) =>
          delays.length === RETRY_DELAYS_MS.length && delays.every((d) => Number.isInteger(d) && d >= 0),
        `must be ${RETRY_DELAYS_MS.length} non-negative integers`,
      ),
    /**
     * The most a fetch brings of one partition (bytes of Kafka records), so the size of a batch; a
     * fetch brings at most four partitions' worth. What a worker holds while it catches up a backlog
     * grows with it (the records, their decoded events, rows and COPY text), so this is what keeps
     * the process within its Kubernetes memory limit (256 MiB, k8s/base/projections): at 4 MiB it
     * was OOM-killed there catching up the bench's 200,000 events, at 1 MiB it peaked at 125 MiB
     * (e2e/src/images.int.test.ts catches up a backlog under that limit; README, "Memory").
     * Smaller batches also cut garbage collection, most of which was copying a batch's live objects:
     * unconstrained, 2.0 s of GC for those 200,000 events at 1 MiB against 3.3–3.5 s at 4 MiB, for
     * the same throughput.
     */
    EVENTLENS_PROJECTIONS_MAX_BYTES_PER_PARTITION: int(1024).default(1024 * 1024),
    /** Partitions applied at once by one consumer (one PostgreSQL transaction each). */
    EVENTLENS_PROJECTIONS_CONCURRENCY: int(1, 64).default(4),
    /**
     * The broker holds a fetch until this many bytes are ready or the wait is over: at moderate rates
     * this turns many one-event transactions into fewer larger ones, for at most the wait in latency.
     * Under a backlog the bytes are there at once and the wait never applies. 20 ms, not 100: at
     * 1,000 events/s (about 64 KiB every 200 ms) the wait is what holds an event, and `npm run bench`
     * measured receipt → committed p50/p99 122/297 ms at 100 and 49/98 ms at 20, with ingestion and
     * the sweep's highest rates unchanged.
     */
    EVENTLENS_PROJECTIONS_FETCH_MIN_BYTES: int(1, 64 * 1024 * 1024).default(64 * 1024),
    EVENTLENS_PROJECTIONS_FETCH_MAX_WAIT_MS: int(1, 10_000).default(20),
    EVENTLENS_KAFKA_SESSION_TIMEOUT_MS: int(6000).default(30_000),
    EVENTLENS_KAFKA_HEARTBEAT_INTERVAL_MS: int(100).default(3000),
    EVENTLENS_OPS_REFRESH_MS: int(100).default(5000),
    /** How often a worker compares the stored checkpoints with its own (rebuild swaps, resets). */
    EVENTLENS_CHECKPOINT_SYNC_MS: int(50).default(2000),
    EVENTLENS_BACKOFF_MIN_MS: int(1).default(250),
    EVENTLENS_BACKOFF_MAX_MS: int(1).default(30_000),
    EVENTLENS_PG_POOL_SIZE: int(1, 200).default(10),
    /**
     * `off` is safe here: a batch and its checkpoint commit together, so a commit lost in a
     * PostgreSQL crash loses both and the batch is re-read from Kafka. See runtime/worker.ts.
     */
    EVENTLENS_PG_SYNCHRONOUS_COMMIT: z.enum(['on', 'off']).default('off'),
    /** EVENTLENS_LOG_LEVEL, EVENTLENS_LOG_FORMAT (service kit). */
    ...LOG_ENV,
  })
  .superRefine(checkConnectionEnv)
  .refine((env) => env.EVENTLENS_READER_ROLE ?? env.EVENTLENS_READER_DATABASE_URL, {
    message: 'set EVENTLENS_READER_DATABASE_URL or EVENTLENS_READER_ROLE (the role granted read access)',
    path: ['EVENTLENS_READER_DATABASE_URL'],
  })
  .refine((env) => env.EVENTLENS_HTTP_HEADERS_TIMEOUT_MS <= env.EVENTLENS_HTTP_REQUEST_TIMEOUT_MS, {
    message: 'must not exceed EVENTLENS_HTTP_REQUEST_TIMEOUT_MS',
    path: ['EVENTLENS_HTTP_HEADERS_TIMEOUT_MS'],
  });

export interface Config {
  kafkaBrokers: string[];
  /** TLS and SASL towards the brokers; plaintext when absent. */
  kafkaSecurity?: KafkaSecurity;
  registryUrl: string;
  /** Basic auth towards the registry; none when absent. */
  registryAuth?: RegistryAuth;
  databaseUrl: string;
  readerRole: string;
  port: number;
  /** Where health and metrics listen. */
  host: string;
  http: HttpLimits;
  topics: { events: string; admin: string; failurePrefix: string };
  groupPrefix: string;
  schemaPrefix: string;
  retryDelaysMs: number[];
  consumer: {
    maxBytesPerPartition: number;
    partitionsConsumedConcurrently: number;
    sessionTimeoutMs: number;
    heartbeatIntervalMs: number;
    checkpointSyncMs: number;
    fetchMinBytes: number;
    fetchMaxWaitMs: number;
  };
  opsRefreshMs: number;
  backoff: { minMs: number; maxMs: number };
  pg: { poolSize: number; synchronousCommit: 'on' | 'off' };
  /** The logger's level and format (EVENTLENS_LOG_LEVEL, EVENTLENS_LOG_FORMAT). */
  log: { level: LogLevel; format: LogFormat };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = parseEnv(EnvSchema, env);
  const registryAuth = registryAuthFrom(e);
  return {
    kafkaBrokers: e.EVENTLENS_KAFKA_BROKERS.split(',').map((b) => b.trim()),
    kafkaSecurity: kafkaSecurityFrom(e, (file) => readPemFile(file, 'EVENTLENS_KAFKA_SSL_CA_FILE')),
    registryUrl: e.EVENTLENS_REGISTRY_URL,
    ...(registryAuth ? { registryAuth } : {}),
    databaseUrl: e.EVENTLENS_DATABASE_URL,
    readerRole:
      e.EVENTLENS_READER_ROLE ?? decodeURIComponent(new URL(e.EVENTLENS_READER_DATABASE_URL!).username),
    port: e.EVENTLENS_PROJECTIONS_PORT,
    host: e.EVENTLENS_PROJECTIONS_HOST,
    http: {
      headersTimeoutMs: e.EVENTLENS_HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.EVENTLENS_HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.EVENTLENS_HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.EVENTLENS_HTTP_MAX_CONNECTIONS,
    },
    topics: {
      events: e.EVENTLENS_EVENTS_TOPIC,
      admin: e.EVENTLENS_ADMIN_TOPIC,
      failurePrefix: e.EVENTLENS_FAILURE_TOPIC_PREFIX,
    },
    groupPrefix: e.EVENTLENS_GROUP_PREFIX,
    schemaPrefix: e.EVENTLENS_SCHEMA_PREFIX,
    retryDelaysMs: e.EVENTLENS_RETRY_DELAYS_MS,
    consumer: {
      maxBytesPerPartition: e.EVENTLENS_PROJECTIONS_MAX_BYTES_PER_PARTITION,
      partitionsConsumedConcurrently: e.EVENTLENS_PROJECTIONS_CONCURRENCY,
      sessionTimeoutMs: e.EVENTLENS_KAFKA_SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: e.EVENTLENS_KAFKA_HEARTBEAT_INTERVAL_MS,
      checkpointSyncMs: e.EVENTLENS_CHECKPOINT_SYNC_MS,
      fetchMinBytes: e.EVENTLENS_PROJECTIONS_FETCH_MIN_BYTES,
      fetchMaxWaitMs: e.EVENTLENS_PROJECTIONS_FETCH_MAX_WAIT_MS,
    },
    opsRefreshMs: e.EVENTLENS_OPS_REFRESH_MS,
    backoff: { minMs: e.EVENTLENS_BACKOFF_MIN_MS, maxMs: e.EVENTLENS_BACKOFF_MAX_MS },
    pg: { poolSize: e.EVENTLENS_PG_POOL_SIZE, synchronousCommit: e.EVENTLENS_PG_SYNCHRONOUS_COMMIT },
    log: logOptionsFrom(e),
  };
}
