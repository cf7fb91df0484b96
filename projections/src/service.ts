/**
 * Builds and starts the workers of the selected projections from their collaborators. Used by
 * `main.ts` (everything), `cli.ts run <projection>` and the integration tests (unique names).
 *
 * Per projection (analytics, admin): a worker on the source topic and a retry worker on its
 * retry topics, both writing the projection's schema. `ops`: the DLQ indexer over every
 * projection's DLQ topic, which also acts on DLQ replay requests in the admin topic, and the
 * status refresher (which also keeps the registry's contracts catalog in ops).
 */
import { describeSubjects, EVENT_TYPES, subjectOf, type Codec, type EventType } from '@eventlens/contracts';
import { createAdminProjection } from './admin';
import { createAnalyticsProjection } from './analytics';
import type { Config } from './config';
import type { Pool } from './db';
import type { Kafka, Producer } from './kafka';
import type { Logger } from '@eventlens/service-kit';
import type { Metrics } from './metrics';
import { createOpsProjection } from './ops/requests';
import { createStatusRefresher, type StatusRefresher } from './ops/status';
import type { Projection } from './runtime/projection';
import { createRouter } from './runtime/router';
import { createWorker, type Worker, type WorkerTuning } from './runtime/worker';
import { migrate } from './schema/migrate';
import { PROJECTION_NAMES, topology, type ProjectionName, type Topology } from './topology';

export type RunTarget = ProjectionName | 'ops';
export const RUN_TARGETS: readonly RunTarget[] = [...PROJECTION_NAMES, 'ops'];

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

export function createProjection(
  name: ProjectionName,
  deps: { codec: Codec; schema: string },
): Projection<unknown> {
  switch (name) {
    case 'analytics':
      return createAnalyticsProjection(deps) as Projection<unknown>;
    case 'admin':
      return createAdminProjection(deps) as Projection<unknown>;
    default:
      throw new Error(`unknown projection ${name satisfies never}`);
  }
}

/** Creates or upgrades every schema (cheap and idempotent), so any subset can run. */
export async function migrateAll(pool: Pool, t: Topology, readerRole: string): Promise<void> {
  for (const name of PROJECTION_NAMES) {
    await migrate(pool, { kind: name, schema: t.projections[name].schema, readerRole });
  }
  await migrate(pool, { kind: 'ops', schema: t.ops.schema, readerRole });
}

export function tuningOf(config: Config): WorkerTuning {
  return config.consumer;
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
    tuning: tuningOf(deps.config),
    backoff: deps.config.backoff,
    clock: deps.clock,
  };
  return [
    createWorker({ ...common, name, groupId: p.group, topics: [p.source], dueGate: false }),
    createWorker({ ...common, name: `${name}.retry`, groupId: p.retryGroup, topics: p.retry, dueGate: true }),
  ];
}

export async function startProjections(deps: ServiceDeps): Promise<Service> {
  const t = topology(deps.config);
  const run = deps.run ?? RUN_TARGETS;
  await migrateAll(deps.pool, t, deps.config.readerRole);

  const workers: Worker[] = [];
  let refresher: StatusRefresher | undefined;
  for (const target of run) {
    if (target !== 'ops') {
      workers.push(...projectionWorkers(deps, t, target));
      continue;
    }
    const dlqTopics = PROJECTION_NAMES.map((name) => [t.projections[name].dlq, name] as const);
    const adminTopic = t.projections.admin.source;
    const opsTopics = [...dlqTopics.map(([topic]) => topic), adminTopic];
    workers.push(
      createWorker({
        name: 'ops',
        kafka: deps.kafka,
        pool: deps.pool,
        projection: createOpsProjection({
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
        topics: opsTopics,
        dueGate: false,
        router: null,
        metrics: deps.metrics,
        logger: deps.logger,
        tuning: tuningOf(deps.config),
        backoff: deps.config.backoff,
        clock: deps.clock,
      }),
    );
    refresher = createStatusRefresher({
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
        { projection: 'ops', schema: t.ops.schema, topics: opsTopics },
      ],
    });
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
