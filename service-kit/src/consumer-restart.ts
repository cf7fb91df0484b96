/**
 * Keeps a kafkajs consumer running after a crash kafkajs does not recover from itself.
 *
 * kafkajs restarts a crashed consumer only when the error is retriable (its consumer's `onCrash`:
 * `KafkaJSNumberOfRetriesExceeded` or a retriable cause). After any other error it disconnects the
 * consumer, emits `consumer.crash` with `restart: false`, and the consumer fetches nothing again,
 * with no error thrown to its owner. One such error is `KafkaJSGroupCoordinatorNotFound`: the
 * group's first join while the broker is still creating and loading `__consumer_offsets` (a fresh
 * broker on a loaded machine takes longer than the join's retries). The consumer's own `run()` has
 * already resolved by then (kafkajs reports a failed first join through the crash event too).
 */
import { describeError, type Logger } from './logger';
import { retry } from './retry';

/** kafkajs's crash event (`consumer.events.CRASH`), declared here so the kit needs no kafkajs. */
export interface ConsumerCrashEvent {
  payload: { error: Error; restart: boolean };
}

/** What this needs of a kafkajs `Consumer`. */
export interface RestartableConsumer {
  events: { CRASH: 'consumer.crash' };
  on(event: 'consumer.crash', listener: (event: ConsumerCrashEvent) => void): unknown;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

export interface RestartOptions {
  logger: Logger;
  /** The consumer's name in the log lines. */
  name: string;
  /** Aborted when the owner stops the consumer: no restart begins after it. */
  signal: AbortSignal;
  /** Backoff between restarts (service-kit's `retry`): 200 ms doubling to 5 s unless given. */
  minMs?: number;
  maxMs?: number;
}

/**
 * Starts `consumer` again (`connect()`, then `run()`, the owner's own call to `consumer.run`) after
 * every crash kafkajs will not restart, with backoff until a start does not crash. Crashes kafkajs
 * restarts itself are only logged: starting those too would run two group members in one consumer.
 * Subscriptions survive a crash (kafkajs keeps them), so `run` needs no `subscribe` again.
 */
export function restartAfterCrash(
  consumer: RestartableConsumer,
  run: () => Promise<void>,
  options: RestartOptions,
): void {
  const { logger, name, signal } = options;
  /** Crashes kafkajs left stopped: a start that adds one has failed. */
  let stoppedCrashes = 0;
  let restarting = false;

  async function attempt(): Promise<void> {
    if (signal.aborted) return;
    const before = stoppedCrashes;
    await consumer.connect();
    if (signal.aborted) {
      await consumer.disconnect().catch(() => undefined);
      return;
    }
    await run();
    // kafkajs reports a failed join through the crash event, and run() resolves all the same.
    if (stoppedCrashes !== before) throw new Error('the consumer crashed again while starting');
  }

  consumer.on(consumer.events.CRASH, ({ payload }) => {
    logger.error('consumer crashed', {
      consumer: name,
      error: describeError(payload.error),
      restartedBy: payload.restart ? 'kafkajs' : 'EventLens',
    });
    if (payload.restart || signal.aborted) return;
    stoppedCrashes++;
    if (restarting) return; // the restart under way sees this crash and tries again
    restarting = true;
    retry(attempt, {
      signal,
      ...(options.minMs !== undefined ? { minMs: options.minMs } : {}),
      ...(options.maxMs !== undefined ? { maxMs: options.maxMs } : {}),
      onRetry: (error, n) =>
        logger.warn('consumer cannot start again; retrying', {
          consumer: name,
          error: describeError(error),
          attempt: n,
        }),
    })
      .then(() => {
        if (!signal.aborted) logger.info('consumer started again after a crash', { consumer: name });
      })
      .catch(() => undefined) // only when stopping: retries are unbounded
      .finally(() => {
        restarting = false;
      });
  });
}
