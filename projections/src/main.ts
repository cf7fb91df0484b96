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
import { startHttpServer } from '@eventlens/service-kit';
import { createLogger, type Logger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { classifyError } from './runtime/outcome';
import { backoffDelay } from './runtime/backoff';
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
  const logger = createLogger(config.logLevel).child({ service: 'projections' });
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
        await new Promise((resolve) => server.close(resolve));
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
  for (let attempt = 0; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      const outcome = classifyError(error);
      if (outcome.kind !== 'transient') throw error;
      const delay = backoffDelay(attempt, config.backoff);
      logger.warn('start-up failed, retrying', { error: outcome.failure.message, delayMs: delay });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export async function main(run?: readonly RunTarget[]): Promise<void> {
  const config = loadConfig();
  const running: { service?: { stop(): Promise<void> } } = {};
  // Listening from the first moment: a stop that arrives while the workers are still joining their
  // groups (a rebalance can take seconds) must end the process too, not leave it to be killed.
  // Before start-up returns nothing has been applied outside a transaction, so exiting loses nothing.
  const shutdown = () => {
    if (!running.service) process.exit(0);
    running.service.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  running.service = await runProjections(config, run);
}

// Run as a program (`tsx src/main.ts` or the `dist/main.js` bundle), not when imported. The file name,
// not import.meta.url: the CLI bundle holds main.ts too, and in a bundle every module has its URL.
if (process.argv[1] && /[/\\]projections[/\\](src|dist)[/\\]main\.[jt]s$/.test(process.argv[1])) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
