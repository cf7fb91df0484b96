/**
 * Composition root: config from the environment, the reader pool, the app, and a graceful stop on
 * SIGTERM/SIGINT (stop accepting, let requests in flight finish, close the pool).
 */
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { createReaderDb } from './db';
import type { Logger } from './http/errors';
import { startHttpServer } from '@eventlens/service-kit';

const logger: Logger = {
  info: (message, fields) => console.log(JSON.stringify({ level: 'info', message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'error', message, ...fields })),
};

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`query-side: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }

  const db = createReaderDb({
    url: config.readerDatabaseUrl,
    poolMax: config.dbPoolMax,
    statementTimeoutMs: config.statementTimeoutMs,
    logger,
  });
  const app = createApp({
    db,
    sessionSecret: config.sessionSecret,
    logger,
    cookieSecure: config.cookieSecure,
    trustProxy: config.trustProxy,
  });

  const { server, address } = await startHttpServer(app, {
    host: config.host,
    port: config.port,
    ...config.http,
  });
  logger.info('query-side listening', { host: address.address, port: address.port, ...config.http });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('query-side stopping', { signal });
    const force = setTimeout(() => {
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      db.destroy().finally(() => {
        logger.info('query-side stopped');
        process.exit(0);
      });
    });
    // Keep-alive connections with no request in flight would hold close() open.
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('query-side failed to start:', error);
  process.exit(1);
});
