/**
 * Graceful shutdown, the same in every service: on SIGTERM or SIGINT, log it, run the service's
 * `stop` (stop accepting, drain what is in flight, close connections), then exit 0; exit 1 when
 * `stop` fails or does not finish within `timeoutMs` (15 s by default, under Kubernetes' 30 s
 * grace period). A second signal while stopping is ignored: the bound already ends the process.
 */
import type { Server } from 'node:http';
import type { Logger } from './logger';

export interface ShutdownOptions {
  stop: () => Promise<void>;
  logger: Pick<Logger, 'info' | 'error'>;
  timeoutMs?: number;
  signals?: readonly NodeJS.Signals[];
  /** The process to listen on and exit; `process` by default (a fake in tests). */
  host?: Pick<NodeJS.Process, 'once' | 'exit'>;
}

/** Registers the handlers; returns `shutdown(reason)` to stop the same way from code. */
export function onShutdown(options: ShutdownOptions): (reason: string) => Promise<void> {
  const host = options.host ?? process;
  const timeoutMs = options.timeoutMs ?? 15_000;
  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      options.logger.info('stopping', { reason });
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
        timer.unref?.();
      });
      try {
        const outcome = await Promise.race([options.stop().then(() => 'stopped' as const), bound]);
        if (outcome === 'timeout') {
          options.logger.error('stopping took too long; exiting', { timeoutMs });
          host.exit(1);
          return;
        }
        options.logger.info('stopped');
        host.exit(0);
      } catch (error) {
        options.logger.error('stopping failed', {
          error: error instanceof Error ? error.message : String(error),
        });
        host.exit(1);
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };
  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) {
    host.once(signal, () => void shutdown(signal));
  }
  return shutdown;
}

/**
 * Closes an HTTP server: no new connections, idle keep-alive ones closed now, requests in flight
 * given `graceMs` (10 s by default) to finish before their connections are cut. Resolves when closed.
 */
export function closeServer(server: Server, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
