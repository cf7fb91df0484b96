/**
 * The projections' composition root: every collaborator is built here, from the parsed config,
 * and nowhere else. `main.ts` (the workers' process) and `cli.ts` (the other commands) only parse
 * their arguments and configuration and call one of:
 * - `runProjections`: the health/metrics listener and the workers of the selected projections;
 * - `createRuntime`, `createRegistryCodec`, `migrateAll`: what the CLI's one-shot commands
 *   (commands.ts) are built from;
 * - `startProjections`: the workers alone, from collaborators the caller made (the integration
 *   tests pass theirs, with unique names).
 *
 * Per projection (analytics, admin): a worker on the source topic and a retry worker on its
 * retry topics, both writing the projection's schema. `ops`: a reactor (ops/reactor.ts),
 * not a projection: it indexes every projection's DLQ topic and acts on DLQ replay requests in the
 * admin topic by producing to Kafka; and the status refresher (which also keeps the registry's contracts catalog in ops).
 */
import {
  createCodec,
  describeSubjects,
  EVENT_TYPES,
  subjectOf,
  type Codec,
  type EventType,
} from '@eventlens/contracts';
import { closeServer, createLogger, retry, startHttpServer, type Logger } from '@eventlens/service-kit';
import { createApp } from './app';
import type { Config } from './config';
import { createPool, type Pool } from './db';
import { createKafka, createProducer, quietFetch, type Kafka, type Producer } from './kafka';
import { createMetrics, type Metrics } from './metrics';
import { createProjection } from './projections';
import { createOpsReactor } from './ops/reactor';
import { createStatusRefresher, type StatusRefresher } from './ops/status';
import { classifyError } from './runtime/classify';
import type { Projection } from './runtime/projection';
import { createRouter } from './runtime/router';
import { createWorker, type Worker } from './runtime/worker';
import { migrate } from './schema/migrate';
import { PROJECTION_NAMES, topology, type ProjectionName, type Topology } from './topology';

export type RunTarget = ProjectionName | 'ops';
export const RUN_TARGETS: readonly RunTarget[] = [...PROJECTION_NAMES, 'ops'];

/** The collaborators every command needs: one pool, one Kafka client and producer, metrics, a logger. */
export interface Runtime {
  config: Config;
  logger: Logger;
  pool: Pool;
  kafka: Kafka;
  producer: Producer;
  metrics: Metrics;
  close(): Promise<void>;
}

/**
 * Builds the runtime of one process; `name` goes into the PostgreSQL application name and the Kafka
 * client id (`eventlens-projections-<name>`). With `connect` (the default), connects the producer
 * and rejects when Kafka does not answer; without, the caller connects it (`runProjections`, which
 * waits for Kafka with its health listener already answering).
 */
export async function createRuntime(
  config: Config,
  name: string,
  synchronousCommit = config.pg.synchronousCommit,
  connect = true,
): Promise<Runtime> {
  const logger = createLogger({ service: 'projections', ...config.log });
  const pool = createPool({
    url: config.databaseUrl,
    max: config.pg.poolSize,
    applicationName: `eventlens-projections-${name}`,
    synchronousCommit,
    logger,
  });
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: `eventlens-projections-${name}`,
    logger,
    security: config.kafkaSecurity,
  });
  const producer = createProducer(kafka);
  if (connect) await producer.connect();
  const metrics = createMetrics({ defaultMetrics: true });
  return {
    config,
    logger,
    pool,
    kafka,
    producer,
    metrics,
    async close() {
      await producer.disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

/** The registry codec of the config (credentials included); with `metrics`, its cache lookups are counted. */
export function createRegistryCodec(config: Config, metrics?: Metrics): Codec {
  return createCodec({
    registryUrl: config.registryUrl,
    ...(config.registryAuth ? { auth: config.registryAuth } : {}),
    ...(metrics ? { onCacheLookup: metrics.registryCacheLookup } : {}),
  });
}

export interface ServiceDeps {
  config: Config;
  kafka: Kafka;
  pool: Pool;
  producer: Producer;
  codec: Codec;
  metrics: Metrics;
  logger: Logger;
  run?: readonly RunTarget[];
  clock?: () => number;
}

export interface Service {
  topology: Topology;
  workers: Worker[];
  refresher: StatusRefresher | undefined;
  stop(): Promise<void>;
}

/** Creates or upgrades every schema (cheap and idempotent), so any subset can run. */
export async function migrateAll(pool: Pool, t: Topology, readerRole: string): Promise<void> {
  for (const name of PROJECTION_NAMES) {
    await migrate(pool, { kind: name, schema: t.projections[name].schema, readerRole });
  }
  await migrate(pool, { kind: 'ops', schema: t.ops.schema, readerRole });
}

/** The source and retry workers of one projection (not started). */
export function projectionWorkers(deps: ServiceDeps, t: Topology, name: ProjectionName): Worker[] {
  const p = t.projections[name];
  const common = {
    kafka: deps.kafka,
    pool: deps.pool,
    projection: createProjection(name, { codec: deps.codec, schema: p.schema }),
    schema: p.schema,
    opsSchema: t.ops.schema,
    statusProjection: name,
    router: createRouter({
      producer: deps.producer,
      projection: name,
      retryTopics: p.retry,
      dlqTopic: p.dlq,
      delaysMs: deps.config.retryDelaysMs,
      clock: deps.clock,
    }),
    metrics: deps.metrics,
    logger: deps.logger,
    tuning: deps.config.consumer,
    backoff: deps.config.backoff,
    clock: deps.clock,
  };
  // The events are the one busy source: the admin log and the retry topics carry few records.
  const sourceTuning = name === 'analytics' ? common.tuning : quietFetch(common.tuning);
  return [
    createWorker({
      ...common,
      name,
      groupId: p.group,
      topics: [p.source],
      dueGate: false,
      tuning: sourceTuning,
    }),
    createWorker({
      ...common,
      name: `${name}.retry`,
      groupId: p.retryGroup,
      topics: p.retry,
      dueGate: true,
      tuning: quietFetch(common.tuning),
    }),
  ];
}

/** The topics of the `ops` worker: every projection's DLQ, and the admin topic (replay requests). */
function opsTopicsOf(t: Topology) {
  const dlqTopics = PROJECTION_NAMES.map((name) => [t.projections[name].dlq, name] as const);
  const adminTopic = t.projections.admin.source;
  return { dlqTopics, adminTopic, all: [...dlqTopics.map(([topic]) => topic), adminTopic] };
}

/** The DLQ indexer (not started): no router, a DLQ record that fails to index is logged and dropped. */
function opsWorker(deps: ServiceDeps, t: Topology): Worker {
  const { dlqTopics, adminTopic, all } = opsTopicsOf(t);
  return createWorker({
    name: 'ops',
    kafka: deps.kafka,
    pool: deps.pool,
    projection: createOpsReactor({
      schema: t.ops.schema,
      codec: deps.codec,
      producer: deps.producer,
      logger: deps.logger,
      projectionOfTopic: new Map(dlqTopics),
      adminTopic,
      retryTopicOf: new Map(PROJECTION_NAMES.map((name) => [name, t.projections[name].retry[0]!])),
      clock: deps.clock,
    }) as Projection<unknown>,
    schema: t.ops.schema,
    opsSchema: t.ops.schema,
    statusProjection: 'ops',
    groupId: t.ops.group,
    topics: all,
    dueGate: false,
    router: null,
    metrics: deps.metrics,
    logger: deps.logger,
    tuning: quietFetch(deps.config.consumer),
    backoff: deps.config.backoff,
    clock: deps.clock,
  });
}

/** The status refresher of every projection and ops (not started). */
function statusRefresher(deps: ServiceDeps, t: Topology): StatusRefresher {
  return createStatusRefresher({
    pool: deps.pool,
    kafka: deps.kafka,
    opsSchema: t.ops.schema,
    intervalMs: deps.config.opsRefreshMs,
    logger: deps.logger,
    depths: deps.metrics,
    catalog: {
      describe: () =>
        describeSubjects({
          registryUrl: deps.config.registryUrl,
          ...(deps.config.registryAuth ? { auth: deps.config.registryAuth } : {}),
          records: EVENT_TYPES,
          subjectFor: (record) => subjectOf(record as EventType),
        }),
    },
    targets: [
      ...PROJECTION_NAMES.map((name) => ({
        projection: name,
        schema: t.projections[name].schema,
        topics: [t.projections[name].source, ...t.projections[name].retry],
        retryTopics: t.projections[name].retry,
        hasDlq: true,
      })),
      { projection: 'ops', schema: t.ops.schema, topics: opsTopicsOf(t).all },
    ],
  });
}

/** Migrates every schema, then builds and starts the workers of `deps.run` (default: all). */
export async function startProjections(deps: ServiceDeps): Promise<Service> {
  const t = topology(deps.config);
  const run = deps.run ?? RUN_TARGETS;
  await migrateAll(deps.pool, t, deps.config.readerRole);

  const workers: Worker[] = [];
  let refresher: StatusRefresher | undefined;
  for (const target of run) {
    if (target === 'ops') {
      workers.push(opsWorker(deps, t));
      refresher = statusRefresher(deps, t);
    } else {
      workers.push(...projectionWorkers(deps, t, target));
    }
  }

  // Group joins take a round trip or two each: start the workers side by side.
  const results = await Promise.allSettled(workers.map((worker) => worker.start()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled(workers.map((w) => w.stop()));
    throw failed.reason;
  }
  refresher?.start();

  return {
    topology: t,
    workers,
    refresher,
    async stop() {
      await refresher?.stop();
      await Promise.allSettled(workers.map((w) => w.stop()));
    },
  };
}

/**
 * The workers' process: the runtime, the health and metrics listener (/readyz asks PostgreSQL and
 * Kafka), then the workers of `run` (default: every projection and ops), started as soon as their
 * dependencies answer. The listener comes first: while Kafka or PostgreSQL does not answer yet (a
 * first deploy whose Kafka is still starting), /healthz answers and /readyz names the one that does
 * not, and the process waits instead of exiting into a restart loop. `stop` stops the workers, the
 * listener and the runtime, once.
 */
export async function runProjections(
  config: Config,
  run?: readonly RunTarget[],
): Promise<{ ready: Promise<void>; stop(): Promise<void> }> {
  const runtime = await createRuntime(config, run?.join('-') ?? 'all', config.pg.synchronousCommit, false);
  const { logger, pool, kafka, metrics } = runtime;
  const codec = createRegistryCodec(config, metrics);

  const admin = kafka.admin();
  const app = createApp({
    registry: metrics.registry,
    checks: {
      postgres: async () => {
        await pool.query('select 1');
      },
      kafka: async () => {
        await admin.describeCluster();
      },
    },
  });
  const { server, address } = await startHttpServer(app, {
    host: config.host,
    port: config.port,
    ...config.http,
  });
  logger.info('http listening', { host: address.address, port: address.port });

  const abort = new AbortController();
  const starting = startWhenReady(
    async () => {
      // kafkajs connects each client once; connecting a connected one again is a no-op.
      await admin.connect();
      await runtime.producer.connect();
      return startProjections({ ...runtime, codec, run });
    },
    config,
    logger,
    abort.signal,
  );
  let stopping: Promise<void> | undefined;
  return {
    // Rejects only when start-up fails for good (not an outage it waits out), or not at all once stopped.
    ready: starting.then(
      () => undefined,
      (error: unknown) => {
        if (!abort.signal.aborted) throw error;
      },
    ),
    stop() {
      stopping ??= (async () => {
        logger.info('stopping');
        abort.abort(new Error('stopped while starting'));
        const started = await starting.catch(() => undefined);
        await started?.stop();
        await admin.disconnect().catch(() => undefined);
        await closeServer(server);
        await runtime.close();
      })();
      return stopping;
    },
  };
}

/**
 * PostgreSQL (or Kafka) may not be up yet when the process starts: wait for it like a worker
 * waits on a transient error, instead of crashing into a restart loop. `signal` ends the wait (a
 * stop during start-up).
 */
async function startWhenReady(
  start: () => Promise<Service>,
  config: Config,
  logger: Logger,
  signal: AbortSignal,
): Promise<Service> {
  return retry(start, {
    signal,
    minMs: config.backoff.minMs,
    maxMs: config.backoff.maxMs,
    shouldRetry: (error) => classifyError(error).kind === 'transient',
    onRetry: (error, attempt) =>
      logger.warn('start-up failed, retrying', { error: classifyError(error).failure.message, attempt }),
  });
}
