/**
 * Composition root of the console server: `node --import tsx console/server/main.ts`.
 * Tracing first (when OTEL_* configures an exporter), config from the environment (config.ts), the
 * demo page from the SDK, then listen; SIGTERM/SIGINT stop accepting and let requests in flight
 * finish (service kit).
 */
import { fileURLToPath } from 'node:url';
import {
  closeServer,
  ConfigError,
  createLogger,
  describeError,
  onShutdown,
  startHttpServer,
  startTracing,
} from '@eventlens/service-kit';
import type { ConsoleHandler, ConsoleServerDeps, DemoHandler } from './app';

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
  const tracing = await startTracing({ serviceName: 'console', env: process.env });
  // The application after tracing, so the instrumentations are in place before its modules load.
  const [{ createConsoleHandler }, { loadConfig }, { createConsoleMetrics }] = await Promise.all([
    import('./app'),
    import('./config'),
    import('./metrics'),
  ]);
  const config = loadConfig(process.env);
  const logger = createLogger({ service: 'console', ...config.log });
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
    trustedProxies: config.trustedProxies,
    metrics: createConsoleMetrics(),
  });
  logger.info('console listening', { url: origin, queryUrl: config.queryUrl, ingestUrl: config.ingestUrl });

  onShutdown({
    logger,
    stop: async () => {
      await closeServer(server, SHUTDOWN_GRACE_MS);
      ready.handler?.close();
      await tracing.shutdown();
    },
  });
}

main().catch((error: unknown) => {
  console.error(`console: ${error instanceof ConfigError ? error.message : describeError(error)}`);
  process.exit(1);
});
