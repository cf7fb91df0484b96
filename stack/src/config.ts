/**
 * Stack configuration, parsed once from the environment. Every port can be overridden, so the
 * stack never collides with a standard service (Kafka 9092, a registry on 8081, PostgreSQL 5432).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { StackError } from './errors';

const port = z.coerce.number().int().min(1).max(65535);

const EnvSchema = z.object({
  EVENTLENS_HOME: z.string().optional(),
  EVENTLENS_CACHE_DIR: z.string().optional(),
  EVENTLENS_KAFKA_PORT: port.default(19092),
  EVENTLENS_KAFKA_CONTROLLER_PORT: port.default(19093),
  EVENTLENS_REGISTRY_PORT: port.default(18081),
  EVENTLENS_REGISTRY_MANAGEMENT_PORT: port.default(18082),
  EVENTLENS_POSTGRES_PORT: port.default(15432),
  EVENTLENS_INGEST_PORT: port.default(18100),
  EVENTLENS_QUERY_PORT: port.default(18200),
  EVENTLENS_CONSOLE_PORT: port.default(18300),
  EVENTLENS_PROJECTIONS_PORT: port.default(18400),
  EVENTLENS_PROMETHEUS_PORT: port.default(19090),
  /** 1: also start Prometheus with monitoring/prometheus.yml (stack/src/monitoring.ts). */
  EVENTLENS_MONITORING: z.enum(['0', '1', '']).default('0'),
  EVENTLENS_ADMIN_EMAIL: z.email().optional(),
  EVENTLENS_ADMIN_PASSWORD: z.string().min(10).optional(),
  EVENTLENS_EVENT_PARTITIONS: z.coerce.number().int().min(1).max(256).default(4),
  EVENTLENS_EVENTS_RETENTION_MS: z.coerce.number().int().positive().optional(),
  EVENTLENS_KAFKA_VERSION: z.string().default('3.9.1'),
  EVENTLENS_REGISTRY_VERSION: z.string().default('3.3.3'),
  EVENTLENS_KAFKA_NODES: z.enum(['1', '3']).default('1'),
  /** Per node; 1g for one node, 512m each for three (see kafkaHeapFor). */
  EVENTLENS_KAFKA_HEAP: z
    .string()
    .regex(/^\d+[kmg]$/i, 'must be a JVM size such as 512m or 1g')
    .optional(),
  EVENTLENS_REGISTRY_HEAP: z.string().default('512m'),
  EVENTLENS_REGISTRY_JAVA_HOME: z.string().optional(),
  EVENTLENS_READY_TIMEOUT_S: z.coerce.number().int().positive().default(120),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  JAVA_HOME: z.string().optional(),
});

export interface StackConfig {
  repoRoot: string;
  home: string;
  cacheDir: string;
  dataDir: string;
  logDir: string;
  runDir: string;
  devFile: string;
  ports: {
    kafka: number;
    kafkaController: number;
    registry: number;
    registryManagement: number;
    postgres: number;
    ingest: number;
    query: number;
    console: number;
    projections: number;
    prometheus: number;
  };
  /** Start Prometheus too (EVENTLENS_MONITORING=1), when it is installed. */
  monitoring: boolean;
  eventPartitions: number;
  eventsRetentionMs: number | undefined;
  kafkaVersion: string;
  registryVersion: string;
  /** Kafka nodes on this machine: 1 (default) or 3 (a KRaft quorum of three combined nodes). */
  kafkaNodes: KafkaNodeCount;
  /** Heap of each Kafka node. */
  kafkaHeap: string;
  registryHeap: string;
  registryJavaHome: string | undefined;
  javaHome: string | undefined;
  databaseUrl: string | undefined;
  readyTimeoutMs: number;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
}

/** Which environment variable sets each port, for error messages and the README table. */
export const PORT_ENV: Record<keyof StackConfig['ports'], string> = {
  kafka: 'EVENTLENS_KAFKA_PORT',
  kafkaController: 'EVENTLENS_KAFKA_CONTROLLER_PORT',
  registry: 'EVENTLENS_REGISTRY_PORT',
  registryManagement: 'EVENTLENS_REGISTRY_MANAGEMENT_PORT',
  postgres: 'EVENTLENS_POSTGRES_PORT',
  ingest: 'EVENTLENS_INGEST_PORT',
  query: 'EVENTLENS_QUERY_PORT',
  console: 'EVENTLENS_CONSOLE_PORT',
  projections: 'EVENTLENS_PROJECTIONS_PORT',
  prometheus: 'EVENTLENS_PROMETHEUS_PORT',
};

export type KafkaNodeCount = 1 | 3;

export interface KafkaReplication {
  /** Replicas of every topic the project creates, and of Kafka's own offsets and transaction topics. */
  replicationFactor: number;
  /** Replicas that must hold a record before an acks=all append is acknowledged. */
  minInsyncReplicas: number;
}

/**
 * The one place replication is decided per node count; topics (stack/src/provision.ts) and the
 * brokers' internal topics (stack/src/kafka.ts) both read it.
 * Three nodes: every topic has three replicas and needs two in sync, so an acknowledged append
 * survives the loss of any one node and appends go on while one node is down. That holds for the
 * retry topics and the DLQ too: a record moved there is no longer pending anywhere else.
 */
export function kafkaReplication(nodes: KafkaNodeCount): KafkaReplication {
  return nodes === 1
    ? { replicationFactor: 1, minInsyncReplicas: 1 }
    : { replicationFactor: 3, minInsyncReplicas: 2 };
}

/**
 * Heap per Kafka node when EVENTLENS_KAFKA_HEAP is unset: 1g for one node; 512m each for three,
 * which keeps the cluster near 2 GB with its page cache use on a machine that also runs the
 * registry, PostgreSQL and the services.
 */
export function kafkaHeapFor(nodes: KafkaNodeCount): string {
  return nodes === 1 ? '1g' : '512m';
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StackError('CONFIG_INVALID', `${issue.path.join('.')} is invalid: ${issue.message}`);
  }
  const e = parsed.data;
  const home = path.resolve(e.EVENTLENS_HOME ?? path.join(REPO_ROOT, '.eventlens'));
  return {
    repoRoot: REPO_ROOT,
    home,
    cacheDir: path.resolve(e.EVENTLENS_CACHE_DIR ?? path.join(home, 'cache')),
    dataDir: path.join(home, 'data'),
    logDir: path.join(home, 'logs'),
    runDir: path.join(home, 'run'),
    devFile: path.join(home, 'dev.json'),
    ports: {
      kafka: e.EVENTLENS_KAFKA_PORT,
      kafkaController: e.EVENTLENS_KAFKA_CONTROLLER_PORT,
      registry: e.EVENTLENS_REGISTRY_PORT,
      registryManagement: e.EVENTLENS_REGISTRY_MANAGEMENT_PORT,
      postgres: e.EVENTLENS_POSTGRES_PORT,
      ingest: e.EVENTLENS_INGEST_PORT,
      query: e.EVENTLENS_QUERY_PORT,
      console: e.EVENTLENS_CONSOLE_PORT,
      projections: e.EVENTLENS_PROJECTIONS_PORT,
      prometheus: e.EVENTLENS_PROMETHEUS_PORT,
    },
    monitoring: e.EVENTLENS_MONITORING === '1',
    eventPartitions: e.EVENTLENS_EVENT_PARTITIONS,
    eventsRetentionMs: e.EVENTLENS_EVENTS_RETENTION_MS,
    kafkaVersion: e.EVENTLENS_KAFKA_VERSION,
    registryVersion: e.EVENTLENS_REGISTRY_VERSION,
    kafkaNodes: Number(e.EVENTLENS_KAFKA_NODES) as KafkaNodeCount,
    kafkaHeap: e.EVENTLENS_KAFKA_HEAP ?? kafkaHeapFor(Number(e.EVENTLENS_KAFKA_NODES) as KafkaNodeCount),
    registryHeap: e.EVENTLENS_REGISTRY_HEAP,
    registryJavaHome: e.EVENTLENS_REGISTRY_JAVA_HOME,
    javaHome: e.JAVA_HOME,
    databaseUrl: e.DATABASE_URL,
    readyTimeoutMs: e.EVENTLENS_READY_TIMEOUT_S * 1000,
    adminEmail: e.EVENTLENS_ADMIN_EMAIL,
    adminPassword: e.EVENTLENS_ADMIN_PASSWORD,
  };
}
