/**
 * Composition root of the console server: `node --import tsx console/server/main.ts`.
 * Config from the environment (config.ts), the demo page from the SDK, then listen; SIGTERM/SIGINT
 * stop accepting and let requests in flight finish.
 */
import { fileURLToPath } from 'node:url';
import { createConsoleHandler, type ConsoleHandler, type ConsoleServerDeps, type DemoHandler } from './app';
import { ConfigError, loadConfig } from './config';
import { startHttpServer } from '@eventlens/service-kit';
import { jsonLogger as logger } from './logger';
import { createConsoleMetrics } from './metrics';

const SHUTDOWN_GRACE_MS = 10_000;

async function loadDemo(apiKey: string | undefined, host: string): Promise<ConsoleServerDeps['demo']> {
  if (!apiKey) return { unavailable: 'set EVENTLENS_DEMO_API_KEY to a write key' };
  try {
    const sdk = (await import(new URL('../../sdk/serve.js', import.meta.url).href)) as {
      createDemoHandler(options: { apiKey: string; host: string }): DemoHandler;
    };
    return sdk.createDemoHandler({ apiKey, host });
  } catch (error) {
    return { unavailable: `sdk/serve.js could not be loaded (${(error as Error).message})` };
  }
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`console: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const distDir = config.distDir ?? fileURLToPath(new URL('../dist', import.meta.url));
  // Listening first (the port may be 0), handling once the demo page is wired: 503 until then.
  const ready: { handler?: ConsoleHandler } = {};
  // Bounded: slow heads and bodies are cut, idle connections closed, connections capped.
  const { server, address } = await startHttpServer(
    (req, res) => {
      if (ready.handler) return ready.handler(req, res);
      res.writeHead(503, { 'Retry-After': '1' }).end();
    },
    { host: config.host, port: config.port, ...config.http },
  );
  const port = address.port;
  const origin = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  // The demo's SDK sends to the origin the page came from: this server, which forwards /v1/events.
  ready.handler = createConsoleHandler({
    distDir,
    queryUrl: config.queryUrl,
    ingestUrl: config.ingestUrl,
    demo: await loadDemo(config.demoApiKey, origin),
    demoApiKey: config.demoApiKey,
    logger,
    metrics: createConsoleMetrics(),
  });
  logger.info('console listening', { url: origin, queryUrl: config.queryUrl, ingestUrl: config.ingestUrl });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('console stopping', { signal });
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      ready.handler?.close();
      logger.info('console stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('console failed to start:', error);
  process.exit(1);
});
