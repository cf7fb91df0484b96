/**
 * The composition root: tracing first (when OTEL_* configures an exporter), then configuration from
 * the environment, one command-side instance, HTTP up at once (so /healthz answers and /readyz
 * reports progress), then the dependencies; stops gracefully on SIGTERM / SIGINT (service kit).
 *
 * With EVENTLENS_INGEST_PROCESSES above 1 this process is the cluster's primary (cluster.ts): it
 * checks the whole configuration, forks that many workers — each runs this file again as one
 * instance on the shared port — and restarts and stops them; it loads no application module.
 *
 * The application is imported only after tracing has started, so the instrumentations are in place
 * before its modules load.
 */
import cluster from 'node:cluster';
import {
  ConfigError,
  createLogger,
  describeError,
  onShutdown,
  startTracing,
  type Logger,
} from '@eventlens/service-kit';
import { clusterScrape, ingestProcessesFrom, isReplacementWorker, runPrimary } from './cluster';

/** Above the workers' own 15 s bound, so each has drained (or been cut) before the primary gives up. */
const PRIMARY_STOP_TIMEOUT_MS = 20_000;

async function primary(processes: number): Promise<void> {
  const { loadConfig } = await import('./config');
  // A bad variable stops the primary now, once, rather than every worker it would fork.
  const config = loadConfig(process.env);
  const logger: Logger = createLogger({ service: 'command-side', ...config.log });
  const running = runPrimary({ processes, logger });
  onShutdown({ logger, stop: () => running.stop(), timeoutMs: PRIMARY_STOP_TIMEOUT_MS });
}

async function instance(): Promise<void> {
  const tracing = await startTracing({ serviceName: 'command-side', env: process.env });
  const [{ createCommandSide }, { loadConfig }] = await Promise.all([
    import('./command-side'),
    import('./config'),
  ]);
  const config = loadConfig(process.env);
  const logger: Logger = createLogger({ service: 'command-side', ...config.log });
  const worker = cluster.isWorker
    ? { id: cluster.worker!.id, processes: config.processes ?? 1, scrape: clusterScrape }
    : undefined;
  const commandSide = createCommandSide(config, { logger, ...(worker ? { worker } : {}) });
  const listen = async () => {
    const { url } = await commandSide.listen();
    logger.info('listening', { url, tracing: tracing.enabled, ...(worker ? { worker: worker.id } : {}) });
  };
  const ready = () =>
    commandSide.whenReady(10 * 60_000).then(
      () => logger.info('ready'),
      (error: unknown) => logger.warn(describeError(error)),
    );
  // A replacement worker takes connections once ready (cluster.ts); everyone else at once.
  const listenWhenReady = isReplacementWorker(process.env);
  if (!listenWhenReady) await listen();

  const shutdown = onShutdown({
    logger,
    stop: async () => {
      await commandSide.stop();
      await tracing.shutdown();
    },
  });
  // A worker whose primary is gone (killed outright) would otherwise serve on, unsupervised.
  if (cluster.isWorker) process.once('disconnect', () => void shutdown('the cluster primary is gone'));

  await commandSide.start();
  await ready();
  if (listenWhenReady) await listen();
}

async function main(): Promise<void> {
  const processes = cluster.isPrimary ? ingestProcessesFrom(process.env) : 1;
  await (processes > 1 ? primary(processes) : instance());
}

main().catch((error: unknown) => {
  console.error(`command-side: ${error instanceof ConfigError ? error.message : describeError(error)}`);
  process.exit(1);
});
