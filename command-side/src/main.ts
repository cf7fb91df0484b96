/**
 * The composition root: configuration from the environment, one command-side instance, HTTP up
 * at once (so /healthz answers and /readyz reports progress), then the dependencies; stops
 * gracefully on SIGTERM / SIGINT.
 */
import { createCommandSide } from './command-side';
import { ConfigError, loadConfig } from './config';
import { createJsonLogger, describeError } from './logger';

async function main(): Promise<void> {
  const logger = createJsonLogger('command-side');
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`command-side: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const commandSide = createCommandSide(config, { logger });
  const { url } = await commandSide.listen();
  logger.info('listening', { url });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    commandSide.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('stopping failed', { error: describeError(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  await commandSide.start();
  await commandSide.whenReady(10 * 60_000).then(
    () => logger.info('ready'),
    (error: unknown) => logger.warn(describeError(error)),
  );
}

main().catch((error: unknown) => {
  console.error(`command-side: ${describeError(error)}`);
  process.exit(1);
});
