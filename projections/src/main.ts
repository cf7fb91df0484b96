/**
 * The workers' process: `node --import tsx src/main.ts` (or `dist/main.js`) runs every projection;
 * `src/cli.ts` offers the other commands. This file only starts tracing, reads the configuration
 * and hands it to the composition root (`service.ts`, `runProjections`), and stops everything on
 * SIGTERM/SIGINT.
 */
import { createLogger, onShutdown, startTracing } from '@eventlens/service-kit';
import { loadConfig } from './config';
import { runProjections, type RunTarget } from './service';

export async function main(run?: readonly RunTarget[]): Promise<void> {
  // Before the application's first statement: its PostgreSQL statements are traced under the batches.
  const tracing = await startTracing({ serviceName: 'projections', env: process.env });
  const config = loadConfig();
  const running: { service?: { ready: Promise<void>; stop(): Promise<void> } } = {};
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
  // Waits for Kafka and PostgreSQL with /healthz answering; rejects only on a failure for good.
  await running.service.ready;
}

// Run as a program (`tsx src/main.ts` or the `dist/main.js` bundle), not when imported. The file name,
// not import.meta.url: the CLI bundle holds this module too, and in a bundle every module has its URL.
if (process.argv[1] && /[/\\]projections[/\\](src|dist)[/\\]main\.[jt]s$/.test(process.argv[1])) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
