import { describe, expect, it } from 'vitest';
import { restartAfterCrash, type ConsumerCrashEvent, type RestartableConsumer } from './consumer-restart';
import { silentLogger } from './logger';

/** A consumer that records its calls and emits crashes the way kafkajs does (inside run()). */
function fakeConsumer() {
  const listeners: Array<(event: ConsumerCrashEvent) => void> = [];
  const calls: string[] = [];
  const consumer: RestartableConsumer = {
    events: { CRASH: 'consumer.crash' },
    on: (_event, listener) => listeners.push(listener),
    connect: async () => {
      calls.push('connect');
    },
    disconnect: async () => {
      calls.push('disconnect');
    },
  };
  const crash = (restart: boolean) => {
    for (const listener of listeners) listener({ payload: { error: new Error('coordinator'), restart } });
  };
  return { consumer, calls, crash };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(condition()).toBe(true);
};

describe('restartAfterCrash', () => {
  it('runs the consumer again after a crash kafkajs leaves stopped, until a start does not crash', async () => {
    const { consumer, calls, crash } = fakeConsumer();
    let runs = 0;
    // The first two starts fail their join: kafkajs emits the crash inside run(), which resolves.
    const run = async () => {
      runs++;
      calls.push('run');
      if (runs <= 2) crash(false);
    };
    restartAfterCrash(consumer, run, {
      logger: silentLogger,
      name: 'test',
      signal: new AbortController().signal,
      minMs: 1,
      maxMs: 2,
    });
    crash(false); // the owner's own first run() crashed
    await until(() => runs === 3);
    await new Promise((r) => setTimeout(r, 20));
    expect(runs).toBe(3);
    expect(calls).toEqual(['connect', 'run', 'connect', 'run', 'connect', 'run']);
  });

  it('leaves a crash kafkajs restarts itself to kafkajs (no second member in one consumer)', async () => {
    const { consumer, calls, crash } = fakeConsumer();
    restartAfterCrash(consumer, async () => undefined, {
      logger: silentLogger,
      name: 'test',
      signal: new AbortController().signal,
      minMs: 1,
    });
    crash(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual([]);
  });

  it('starts nothing once the owner has stopped the consumer', async () => {
    const { consumer, calls, crash } = fakeConsumer();
    const stop = new AbortController();
    restartAfterCrash(consumer, async () => undefined, {
      logger: silentLogger,
      name: 'test',
      signal: stop.signal,
      minMs: 1,
    });
    stop.abort();
    crash(false);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual([]);
  });
});
