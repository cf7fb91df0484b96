/**
 * Composition root: tracing first (when OTEL_* configures an exporter), config from the
 * environment, the reader pool, the app, and a graceful stop on SIGTERM/SIGINT (service kit: stop
 * accepting, let requests in flight finish, close the pool).
 *
 * The application is imported only after tracing has started, so the instrumentations are in place
 * before its modules load.
 */
import {
  closeServer,
  ConfigError,
  createLogger,
  describeError,
  onShutdown,
  startHttpServer,
  startTracing,
} from '@eventlens/service-kit';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const tracing = await startTracing({ serviceName: 'query-side', env: process.env });
  const [{ createApp }, { loadConfig }, { createReaderDb }] = await Promise.all([
    import('./app'),
    import('./config'),
    import('./db'),
  ]);
  const config = loadConfig(process.env);
  const logger = createLogger({ service: 'query-side', ...config.log });

  const db = createReaderDb({
    url: config.readerDatabaseUrl,
    poolMax: config.dbPoolMax,
    statementTimeoutMs: config.statementTimeoutMs,
    logger,
  });
  const app = createApp({
    db,
    schemaPrefix: config.schemaPrefix,
    sessionSecret: config.sessionSecret,
    logger,
    cookieSecure: config.cookieSecure,
    trustProxy: config.trustProxy,
    exportTimeoutMs: config.exportTimeoutMs,
  });

  const { server, address } = await startHttpServer(app, {
    host: config.host,
    port: config.port,
    ...config.http,
  });
  logger.info('query-side listening', {
    host: address.address,
    port: address.port,
    tracing: tracing.enabled,
    ...config.http,
  });

  onShutdown({
    logger,
    stop: async () => {
      await closeServer(server, SHUTDOWN_GRACE_MS);
      await db.destroy();
      await tracing.shutdown();
    },
  });
}

main().catch((error: unknown) => {
  console.error(`query-side: ${error instanceof ConfigError ? error.message : describeError(error)}`);
  process.exit(1);
});
