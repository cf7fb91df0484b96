/**
 * The composition root: tracing first (when OTEL_* configures an exporter), then configuration from
 * the environment, one command-side instance, HTTP up at once (so /healthz answers and /readyz
 * reports progress), then the dependencies; stops gracefully on SIGTERM / SIGINT (service kit).
 *
 * The application is imported only after tracing has started, so the instrumentations are in place
 * before its modules load.
 */
import {
  ConfigError,
  createLogger,
  describeError,
  onShutdown,
  startTracing,
  type Logger,
} from '@eventlens/service-kit';

async function main(): Promise<void> {
  const tracing = await startTracing({ serviceName: 'command-side', env: process.env });
  const [{ createCommandSide }, { loadConfig }] = await Promise.all([
    import('./command-side'),
    import('./config'),
  ]);
  const config = loadConfig(process.env);
  const logger: Logger = createLogger({ service: 'command-side', ...config.log });
  const commandSide = createCommandSide(config, { logger });
  const { url } = await commandSide.listen();
  logger.info('listening', { url, tracing: tracing.enabled });

  onShutdown({
    logger,
    stop: async () => {
      await commandSide.stop();
      await tracing.shutdown();
    },
  });

  await commandSide.start();
  await commandSide.whenReady(10 * 60_000).then(
    () => logger.info('ready'),
    (error: unknown) => logger.warn(describeError(error)),
  );
}

main().catch((error: unknown) => {
  console.error(`command-side: ${error instanceof ConfigError ? error.message : describeError(error)}`);
  process.exit(1);
});
