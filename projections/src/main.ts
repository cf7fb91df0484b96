/**
 * Composition root of the projection workers: builds the collaborators from the config, starts
 * the HTTP endpoints and the workers, and stops everything on SIGTERM/SIGINT.
 * `node --import tsx src/main.ts` runs every projection; `src/cli.ts` offers the other commands.
 */
import { createCodec } from '@eventlens/contracts';
import { createApp } from './app';
import { loadConfig, type Config } from './config';
import { createPool, type Pool } from './db';
import { createKafka, createProducer, type Kafka, type Producer } from './kafka';
import {
  closeServer,
  createLogger,
  onShutdown,
  retry,
  startHttpServer,
  startTracing,
  type Logger,
} from '@eventlens/service-kit';
import { createMetrics, type Metrics } from './metrics';
import { classifyError } from './runtime/outcome';
import { startProjections, type RunTarget, type Service } from './service';

export interface Runtime {
  config: Config;
  logger: Logger;
  pool: Pool;
  kafka: Kafka;
  producer: Producer;
  metrics: Metrics;
  close(): Promise<void>;
}

/** The collaborators every command needs. */
export async function createRuntime(
  config: Config,
  name: string,
  synchronousCommit = config.pg.synchronousCommit,
) {
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
  await producer.connect();
  const metrics = createMetrics({ defaultMetrics: true });
  const runtime: Runtime = {
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
  return runtime;
}

export async function runProjections(
  config: Config,
  run?: readonly RunTarget[],
): Promise<{ stop(): Promise<void> }> {
  const runtime = await createRuntime(config, run?.join('-') ?? 'all');
  const { logger, pool, kafka, metrics } = runtime;
  const codec = createCodec({
    registryUrl: config.registryUrl,
    ...(config.registryAuth ? { auth: config.registryAuth } : {}),
    onCacheLookup: metrics.registryCacheLookup,
  });

  const admin = kafka.admin();
  await admin.connect();
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

  const started = await startWhenReady(() => startProjections({ ...runtime, codec, run }), config, logger);
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        logger.info('stopping');
        await started.stop();
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
 * waits on a transient error, instead of crashing into a restart loop.
 */
async function startWhenReady(
  start: () => Promise<Service>,
  config: Config,
  logger: Logger,
): Promise<Service> {
  return retry(start, {
    minMs: config.backoff.minMs,
    maxMs: config.backoff.maxMs,
    shouldRetry: (error) => classifyError(error).kind === 'transient',
    onRetry: (error, attempt) =>
      logger.warn('start-up failed, retrying', { error: classifyError(error).failure.message, attempt }),
  });
}

export async function main(run?: readonly RunTarget[]): Promise<void> {
  // Before the application's first statement: its PostgreSQL statements are traced under the batches.
  const tracing = await startTracing({ serviceName: 'projections', env: process.env });
  const config = loadConfig();
  const running: { service?: { stop(): Promise<void> } } = {};
  // Listening from the first moment: a stop that arrives while the workers are still joining their
  // groups (a rebalance can take seconds) must end the process too, not leave it to be killed.
  // Before start-up returns nothing has been applied outside a transaction, so exiting loses nothing.
  onShutdown({
    logger: createLogger({ service: 'projections', ...config.log }),
    stop: async () => {
      await running.service?.stop();
      await tracing.shutdown();
    },
  });
  running.service = await runProjections(config, run);
}

if (process.argv[1] && /[/\\]projections[/\\](src|dist)[/\\]main\.[jt]s$/.test(process.argv[1])) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
