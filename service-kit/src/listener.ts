/**
 * The HTTP listener every service starts, bounded: a client that sends its headers or its body
 * slowly, or keeps an idle connection, is cut off after a configured time, and the number of open
 * connections is capped. Each service parses the bounds from EVENTLENS_HTTP_* in its config.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpLimits {
  /** The whole request head must arrive within this (Node's headersTimeout). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (Node's requestTimeout); 408 or closed after. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Connections beyond this many open ones are refused. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 20_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
};

/**
 * Node checks the timeouts every `connectionsCheckingInterval` (30 s by default, which would let a
 * slow request live up to a minute): check at least every second, and often enough for short bounds.
 */
export function checkingIntervalMs(limits: HttpLimits): number {
  return Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4)));
}

export function createHttpServer(handler: RequestListener, limits: HttpLimits): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: checkingIntervalMs(limits),
    },
    handler,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  return server;
}

export interface ListenOptions extends HttpLimits {
  host: string;
  port: number;
}

/** Creates the server and listens on host:port (port 0: any free one); resolves once bound. */
export async function startHttpServer(
  handler: RequestListener,
  options: ListenOptions,
): Promise<{ server: Server; address: AddressInfo }> {
  const server = createHttpServer(handler, options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, address: server.address() as AddressInfo };
}
