/**
 * Network faults for tests, as a kafkajs `socketFactory`: the real broker, the real protocol, and
 * one kind of request that never reaches the broker, or reaches it late, while the test says so.
 * Test-only: import it from `@eventlens/stack/kafka-faults`.
 */
import { connect, type Socket } from 'node:net';
import type { ISocketFactory } from 'kafkajs';

/** Kafka protocol API keys (the request header's first field). */
export const API_KEYS = { Fetch: 1, ListOffsets: 2, FindCoordinator: 10 } as const;

export interface RequestDropper {
  /** Pass as kafkajs's `socketFactory` (plaintext connections). */
  socketFactory: ISocketFactory;
  /** Drop every request with this API key from now on (the client waits for its request timeout). */
  drop(apiKey: number): void;
  /** Send everything again. */
  pass(): void;
  /** How many requests were dropped so far. */
  dropped(): number;
}

type Write = (chunk: unknown, ...rest: unknown[]) => boolean;

/**
 * A socket factory whose sockets hand every write to `intercept`. Every request kafkajs writes is
 * one buffer: a 4-byte size, then the header, whose first field is the int16 API key (`apiKey`).
 */
function intercepting(
  intercept: (apiKey: number | undefined, write: Write, chunk: unknown, rest: unknown[]) => boolean,
): ISocketFactory {
  return ({ host, port, onConnect }) => {
    const socket: Socket = connect({ host, port }, onConnect);
    const write = socket.write.bind(socket) as Write;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      const apiKey = Buffer.isBuffer(chunk) && chunk.length >= 6 ? chunk.readInt16BE(4) : undefined;
      return intercept(apiKey, write, chunk, rest);
    }) as typeof socket.write;
    return socket;
  };
}

/**
 * A dropped request is swallowed (the write reports success), so the client sees what a stalled
 * broker looks like: no answer, then its own request timeout.
 */
export function requestDropper(): RequestDropper {
  let dropping: number | undefined;
  let dropped = 0;
  const socketFactory = intercepting((apiKey, write, chunk, rest) => {
    if (dropping === undefined || apiKey !== dropping) return write(chunk, ...rest);
    dropped++;
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  });
  return {
    socketFactory,
    drop: (apiKey) => {
      dropping = apiKey;
    },
    pass: () => {
      dropping = undefined;
    },
    dropped: () => dropped,
  };
}

export interface RequestDelayer {
  /** Pass as kafkajs's `socketFactory` (plaintext connections). */
  socketFactory: ISocketFactory;
  /** Every request with this API key reaches the broker `ms` later than it was sent. */
  delay(apiKey: number, ms: number): void;
}

/**
 * A slow link for one kind of request: each is written `ms` late (kafkajs matches answers to
 * requests by correlation id, so the order of writes on a connection may change).
 */
export function requestDelayer(): RequestDelayer {
  let delayed: { apiKey: number; ms: number } | undefined;
  const socketFactory = intercepting((apiKey, write, chunk, rest) => {
    if (delayed === undefined || apiKey !== delayed.apiKey) return write(chunk, ...rest);
    setTimeout(() => write(chunk, ...rest), delayed.ms);
    return true;
  });
  return {
    socketFactory,
    delay: (apiKey, ms) => {
      delayed = { apiKey, ms };
    },
  };
}
