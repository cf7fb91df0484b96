/**
 * Integration-test fixture: the shared stack's coordinates with names of our own. Each call makes
 * unique topics (`test.<id>.events`, …), consumer groups (`test-<id>.…`) and PostgreSQL schemas
 * (`t_<id>_analytics`, …), so test files never see each other's data, and cleans them up.
 * Other packages' tests import it as `@eventlens/projections/testing` (the query side's logout test
 * runs the admin projection with it). Its waits use the shared `eventually` of `@eventlens/stack`,
 * which needs vitest's runner: a script outside vitest polls `behind` itself instead of `caughtUp`.
 */
import { stackForTests } from '@eventlens/stack';
import { eventually } from '@eventlens/stack/eventually';
import { registerForTests } from '@eventlens/stack/schemas';
import { createCodec, type Codec, type EventTracked } from '@eventlens/contracts';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { loadConfig, type Config } from '../config';
import { createPool, ident, type Pool } from '../db';
import { createKafka, createProducer, type Admin, type Kafka, type Producer } from '../kafka';
import { createLogger, silentLogger, type Logger } from '@eventlens/service-kit';
import { createMetrics, type Metrics } from '../metrics';
import { RUN_TARGETS, startProjections, type RunTarget, type Service, type ServiceDeps } from '../service';
import { allTopics, topology, type Topology } from '../topology';
import { createTopicsServed } from '@eventlens/stack/topics';

export { generateTraffic } from './traffic';

export interface TestEnv {
  id: string;
  /** Environment for a worker process (`node --import tsx src/main.ts`). */
  env: Record<string, string>;
  config: Config;
  topology: Topology;
  pool: Pool;
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  codec: Codec;
  logger: Logger;
  /** Read-only connection as the query side's role. */
  readerUrl: string;
  cleanup(): Promise<void>;
}

export interface TestEnvOptions {
  eventPartitions?: number;
  /** Another database than the stack's (the PostgreSQL-down test blocks its own). */
  databaseUrl?: string;
  env?: Record<string, string>;
}

export async function createTestEnv(options: TestEnvOptions = {}): Promise<TestEnv> {
  const dev = await stackForTests();
  const id = randomBytes(4).toString('hex');
  const env: Record<string, string> = {
    EVENTLENS_KAFKA_BROKERS: dev.kafkaBrokers,
    EVENTLENS_REGISTRY_URL: dev.registryUrl,
    EVENTLENS_DATABASE_URL: options.databaseUrl ?? dev.databaseUrl,
    EVENTLENS_READER_DATABASE_URL: dev.readerDatabaseUrl,
    EVENTLENS_PROJECTIONS_PORT: '0',
    EVENTLENS_EVENTS_TOPIC: `test.${id}.events`,
    EVENTLENS_ADMIN_TOPIC: `test.${id}.admin`,
    EVENTLENS_FAILURE_TOPIC_PREFIX: `test.${id}`,
    EVENTLENS_GROUP_PREFIX: `test-${id}`,
    EVENTLENS_SCHEMA_PREFIX: `t_${id}_`,
    EVENTLENS_RETRY_DELAYS_MS: '200,400,600',
    EVENTLENS_KAFKA_SESSION_TIMEOUT_MS: '6000',
    EVENTLENS_KAFKA_HEARTBEAT_INTERVAL_MS: '500',
    EVENTLENS_OPS_REFRESH_MS: '300',
    EVENTLENS_CHECKPOINT_SYNC_MS: '300',
    EVENTLENS_BACKOFF_MIN_MS: '100',
    EVENTLENS_BACKOFF_MAX_MS: '1000',
    EVENTLENS_PG_POOL_SIZE: '5',
    EVENTLENS_LOG_LEVEL: 'warn',
    ...options.env,
  };
  const config = loadConfig(env);
  const t = topology(config);
  // EVENTLENS_TEST_LOGS=debug|info|warn shows the workers' logs.
  const level = process.env.EVENTLENS_TEST_LOGS;
  const logger =
    level === 'debug' || level === 'info' || level === 'warn' || level === 'error'
      ? createLogger({ service: 'projections-test', level })
      : silentLogger;
  const pool = createPool({
    url: options.databaseUrl ?? dev.databaseUrl,
    max: 4,
    applicationName: `eventlens-test-${id}`,
    synchronousCommit: 'on',
    logger,
  });
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: `test-${id}`, logger });
  const admin = kafka.admin();
  await slow('kafka admin connect', admin.connect());
  const eventPartitions = options.eventPartitions ?? 4;
  await slow(
    'create topics',
    createTopicsServed(
      admin,
      allTopics(t).map((topic) => ({
        topic,
        numPartitions: topic === t.projections.analytics.source ? eventPartitions : 1,
        replicationFactor: 1,
      })),
    ),
  );
  const producer = createProducer(kafka);
  await slow('producer connect', producer.connect());
  const codec = createCodec({ registryUrl: config.registryUrl });
  await slow('register schemas', registerForTests(codec));

  return {
    id,
    env,
    config,
    topology: t,
    pool,
    kafka,
    admin,
    producer,
    codec,
    logger,
    readerUrl: dev.readerDatabaseUrl,
    async cleanup() {
      await producer.disconnect().catch(() => undefined);
      await admin.deleteTopics({ topics: allTopics(t) }).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      const schemas = await pool.query<{ nspname: string }>(
        `select nspname from pg_namespace where nspname like $1`,
        [`t\\_${id}\\_%`],
      );
      for (const { nspname } of schemas.rows) await pool.query(`drop schema ${ident(nspname)} cascade`);
      await pool.end();
    },
  };
}

/** Awaits `promise`, and says so on stderr when it takes long: a hanging hook then names its step. */
export async function slow<T>(step: string, promise: Promise<T>, warnAfterMs = 10_000): Promise<T> {
  const started = Date.now();
  const timer = setInterval(
    () =>
      console.warn(
        `[fixture] still waiting for ${step} after ${Math.round((Date.now() - started) / 1000)} s`,
      ),
    warnAfterMs,
  );
  try {
    return await promise;
  } finally {
    clearInterval(timer);
  }
}

/** A valid event with unique ids; override what the test cares about. */
export function makeEvent(overrides: Partial<EventTracked> = {}): EventTracked {
  const now = Date.now();
  return {
    event_id: randomUUID(),
    project_id: randomUUID(),
    event_name: 'click',
    session_id: null,
    user_id: null,
    anonymous_id: null,
    timestamp: now,
    received_at: now,
    url: null,
    referrer: null,
    metadata_json: '{}',
    context: {},
    ...overrides,
  };
}

/** Appends events like the ingestion API does: keyed by project and session. */
export async function produceEvents(env: TestEnv, events: readonly EventTracked[]): Promise<void> {
  for (let i = 0; i < events.length; i += 1000) {
    await env.producer.send({
      topic: env.topology.projections.analytics.source,
      acks: -1,
      messages: events.slice(i, i + 1000).map((event) => ({
        key: `${event.project_id}:${event.session_id ?? ''}`,
        value: env.codec.encode('EventTracked', event),
      })),
    });
  }
}

export async function count(pool: Pool | pg.Client, sql: string, values: unknown[] = []): Promise<number> {
  const result = await pool.query<{ n: string }>(sql, values);
  return Number(result.rows[0]?.n ?? 0);
}

/**
 * The partitions of `topic` whose checkpoint in `schema` is short of the log's end, each as
 * "partition <n> at <next offset> of <high watermark>"; empty when the schema has caught up (an
 * empty partition counts as caught up, a missing checkpoints table as offset 0).
 */
export async function behind(env: TestEnv, schema: string, topic: string): Promise<string[]> {
  const offsets = await env.admin.fetchTopicOffsets(topic);
  const { rows } = await env.pool
    .query<{ partition: number; next_offset: string }>(
      `select partition, next_offset from ${ident(schema)}.checkpoints where topic = $1`,
      [topic],
    )
    .catch(() => ({ rows: [] as { partition: number; next_offset: string }[] }));
  const stored = new Map(rows.map((r) => [r.partition, Number(r.next_offset)]));
  return offsets
    .filter((o) => Number(o.high) !== 0 && stored.get(o.partition) !== Number(o.high))
    .map((o) => `partition ${o.partition} at ${stored.get(o.partition) ?? 0} of ${o.high}`);
}

/** Waits until the schema's checkpoints reached the end of every partition of `topic`. */
export async function caughtUp(
  env: TestEnv,
  schema: string,
  topic: string,
  timeoutMs = 60_000,
): Promise<void> {
  await eventually(
    `${schema} caught up with ${topic}`,
    async () => {
      const lagging = await behind(env, schema, topic);
      if (lagging.length > 0) throw new Error(lagging.join(', '));
      return true;
    },
    { timeoutMs },
  );
}

export interface InProcess {
  service: Service;
  metrics: Metrics;
  pool: Pool;
  stop(): Promise<void>;
}

/** Starts the workers in this process, as `main.ts` would, with the test's names. */
export async function startInProcess(
  env: TestEnv,
  run: readonly RunTarget[] = RUN_TARGETS,
  overrides: Partial<ServiceDeps> = {},
): Promise<InProcess> {
  const pool = createPool({
    url: env.config.databaseUrl,
    max: env.config.pg.poolSize,
    applicationName: `eventlens-test-worker-${env.id}`,
    synchronousCommit: env.config.pg.synchronousCommit,
    logger: env.logger,
  });
  const metrics = createMetrics();
  const service = await slow(
    `start workers (${run.join(', ')})`,
    startProjections({
      config: env.config,
      kafka: env.kafka,
      pool,
      producer: env.producer,
      codec: env.codec,
      metrics,
      logger: env.logger,
      run,
      ...overrides,
    }),
  );
  return {
    service,
    metrics,
    pool,
    async stop() {
      await service.stop();
      await pool.end();
    },
  };
}

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface WorkerProcess {
  pid: number;
  /** What the process wrote so far (for a failing test's message). */
  output(): string;
  /** Sends the signal and waits for the process to exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

const spawned = new Set<ChildProcess>();

/** Starts `node --import tsx src/main.ts` with the test's environment (plus `extra`). */
export function spawnWorker(env: TestEnv, extra: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, ...env.env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(
    () => spawned.delete(child),
    () => undefined,
  );
  return {
    pid: child.pid!,
    output: () => output,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Kills whatever a failed test left running. */
export async function killSpawned(): Promise<void> {
  for (const child of spawned) child.kill('SIGKILL');
  spawned.clear();
}

export interface Load {
  /** Stops producing; resolves with everything that was produced (acknowledged). */
  stop(): Promise<EventTracked[]>;
}

/**
 * A steady produce load: `perTick` events every `tickMs`, over a few projects and sessions, with
 * timestamps a little out of order and, every fifth tick, client retries of earlier events.
 */
export function startLoad(
  env: TestEnv,
  options: { perTick: number; tickMs: number; projects?: number },
): Load {
  const projects = Array.from({ length: options.projects ?? 3 }, () => randomUUID());
  const sessions = Array.from({ length: 60 }, (_, i) => `load-${i}`);
  const produced: EventTracked[] = [];
  let tick = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      tick++;
      const batch = Array.from({ length: options.perTick }, () => {
        const session = sessions[Math.floor(Math.random() * sessions.length)]!;
        const project = projects[Number(session.slice(5)) % projects.length]!;
        const pageView = Math.random() < 0.4;
        return makeEvent({
          project_id: project,
          session_id: session,
          anonymous_id: `anon-${session}`,
          user_id: Number(session.slice(5)) % 2 === 0 ? `user-${session}` : null,
          event_name: pageView ? 'page_view' : Math.random() < 0.5 ? 'click' : 'page_leave',
          url: `https://load.example/${Math.floor(Math.random() * 5)}?tick=${tick}`,
          timestamp: Date.now() - Math.floor(Math.random() * 30_000),
        });
      });
      if (tick % 5 === 0 && produced.length > 10) batch.push(...produced.slice(-10, -5));
      await produceEvents(env, batch);
      produced.push(...batch);
      await new Promise((resolve) => setTimeout(resolve, options.tickMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return produced;
    },
  };
}
