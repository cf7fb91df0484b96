/**
 * Network faults for tests, as a kafkajs `socketFactory`: the real broker, the real protocol, and
 * one kind of request that never reaches the broker while the test says so. Test-only: import it
 * from `@eventlens/stack/kafka-faults`.
 */
import { connect, type Socket } from 'node:net';
import type { ISocketFactory } from 'kafkajs';

/** Kafka protocol API keys (the request header's first field): FindCoordinator is 10. */
export const API_KEYS = { FindCoordinator: 10 } as const;

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

/**
 * Every request kafkajs writes is one buffer: a 4-byte size, then the header, whose first field is
 * the int16 API key. A dropped request is swallowed (the write reports success), so the client sees
 * what a stalled broker looks like: no answer, then its own request timeout.
 */
export function requestDropper(): RequestDropper {
  let dropping: number | undefined;
  let dropped = 0;
  const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket: Socket = connect({ host, port }, onConnect);
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (
        dropping !== undefined &&
        Buffer.isBuffer(chunk) &&
        chunk.length >= 6 &&
        chunk.readInt16BE(4) === dropping
      ) {
        dropped++;
        const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }
      return write(chunk, ...rest);
    }) as typeof socket.write;
    return socket;
  };
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
