/**
 * The read adapter: a consumer that tails a topic from offset 0 (the admin log, for the key
 * directory), in a consumer group of its own per process.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer } from 'kafkajs';
import { describeError, restartAfterCrash, retry } from '@eventlens/service-kit';
import { createKafka, within, type KafkaClientOptions } from './kafka-client';

export interface TopicTailOptions extends KafkaClientOptions {
  topic: string;
  /** Applies one record. Throwing makes kafkajs retry the batch from this record. */
  onRecord(value: Buffer | null, position: { partition: number; offset: string }): Promise<void> | void;
  /** Upper bound of the time a new record waits at the broker before it is delivered. */
  maxWaitMs?: number;
}

export interface TailProgress {
  /** Next offset to read, per partition. */
  position: Record<number, number>;
  /** High watermark at start: caught up once every partition has read up to it. */
  target: Record<number, number>;
}

export interface TopicTail {
  /** Starts reading from offset 0, retrying with backoff; resolves once the consumer runs. */
  start(): Promise<void>;
  caughtUp(): boolean;
  whenCaughtUp(): Promise<void>;
  progress(): TailProgress;
  /** When the consumer last completed a fetch (epoch ms): a tail that stops fetching goes stale. */
  lastFetchAt(): number | undefined;
  /**
   * Resolves once this tail has applied every record the topic held when it was called (its high
   * watermarks, asked of the broker after the call), so what another process appended and had
   * acknowledged before is seen here. Callers arriving while the broker is being asked share the
   * next ask, never an earlier one. Rejects with a `Deadline` after `timeoutMs`.
   */
  readToEnd(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** A wait for the tail to have read up to `high` (next offset per partition). */
interface Wait {
  high: Record<number, number>;
  done: () => void;
}

/**
 * Reads a whole topic into memory and keeps following it. Uses a consumer group of its own (a
 * unique id per process, offsets never committed) so every process reads everything from 0.
 */
export function createTopicTail(options: TopicTailOptions): TopicTail {
  const { logger, topic } = options;
  const kafka = createKafka(options);
  const position: Record<number, number> = {};
  let target: Record<number, number> | undefined;
  let caughtUp = false;
  let markCaughtUp!: () => void;
  const caughtUpPromise = new Promise<void>((resolve) => (markCaughtUp = resolve));
  let consumer: Consumer | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let fetchedAt: number | undefined;
  /** Aborted by stop(): ends the wait between start attempts. */
  const stopping = new AbortController();
  /** The waits of start-up's catching up and of readToEnd: each ends once `position` reaches its high watermarks. */
  const waits = new Set<Wait>();
  /** The admin client that asks for the high watermarks, connected on first use and kept; dropped after a failure. */
  let ender: Admin | undefined;
  /** The ask of the broker under way, and the one queued behind it for callers that came later. */
  let asking: Promise<Record<number, number>> | undefined;
  let queued: Promise<Record<number, number>> | undefined;

  const reached = (high: Record<number, number>) =>
    Object.entries(high).every(([partition, end]) => (position[Number(partition)] ?? 0) >= end);

  function settleWaits(): void {
    for (const wait of waits) {
      if (reached(wait.high)) {
        waits.delete(wait);
        wait.done();
      }
    }
  }

  async function highWatermarks(): Promise<Record<number, number>> {
    try {
      if (!ender) {
        ender = kafka.admin();
        await within(ender.connect(), 5000);
      }
      const offsets = await within(ender.fetchTopicOffsets(topic), 5000);
      return Object.fromEntries(offsets.map((o) => [o.partition, Number(o.high)]));
    } catch (error) {
      const failed = ender;
      ender = undefined;
      await failed?.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /** One ask at a time: a caller arriving during an ask shares the next one, asked after it. */
  function nextHighWatermarks(): Promise<Record<number, number>> {
    if (!asking) {
      asking = highWatermarks().finally(() => (asking = undefined));
      return asking;
    }
    queued ??= asking
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return nextHighWatermarks();
      });
    return queued;
  }

  async function readToEnd(timeoutMs: number): Promise<void> {
    let wait: Wait | undefined;
    const untilRead = async () => {
      const high = await nextHighWatermarks();
      await new Promise<void>((done) => {
        wait = { high, done };
        whenReached(wait);
      });
    };
    try {
      await within(untilRead(), timeoutMs);
    } finally {
      if (wait) waits.delete(wait);
    }
  }

  /** Ends `done` once the tail has read up to `high`: at once, or from the batch that gets there. */
  function whenReached(wait: Wait): void {
    if (reached(wait.high)) wait.done();
    else waits.add(wait);
  }

  async function runOnce(): Promise<void> {
    if (!target) {
      target = await highWatermarks();
      whenReached({
        high: target,
        done: () => {
          caughtUp = true;
          markCaughtUp();
        },
      });
    }
    const candidate = kafka.consumer({
      groupId: `${options.clientId}.tail.${randomUUID()}`,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: options.maxWaitMs ?? 100,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    candidate.on(candidate.events.FETCH, () => {
      fetchedAt = Date.now();
    });
    // Offsets are never committed (every process reads from 0) and only resolved once applied,
    // so a batch left early on shutdown or rebalance is not skipped. The admin topic is written
    // without transactions: there are no control records between its last record and the high
    // watermark, so "caught up" is reached by the records themselves.
    const runTail = () =>
      candidate.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          for (const message of batch.messages) {
            if (!isRunning() || isStale()) return;
            await options.onRecord(message.value, { partition: batch.partition, offset: message.offset });
            resolveOffset(message.offset);
            position[batch.partition] = Number(message.offset) + 1;
          }
          settleWaits();
          await heartbeat();
        },
      });
    // A crash kafkajs does not restart (its group's first join failing on a broker still loading
    // its coordinator, for one) would leave the tail reading nothing, for good. A candidate given up
    // below is never started again: the next attempt makes its own.
    const discarded = new AbortController();
    restartAfterCrash(candidate, runTail, {
      logger,
      name: `${topic} tail`,
      signal: AbortSignal.any([stopping.signal, discarded.signal]),
    });
    try {
      await within(candidate.connect(), 5000);
      await candidate.subscribe({ topic, fromBeginning: true });
      await runTail();
      if (stopped) {
        await candidate.disconnect().catch(() => undefined);
        return;
      }
      consumer = candidate;
    } catch (error) {
      discarded.abort();
      await candidate.disconnect().catch(() => undefined);
      throw error;
    }
  }

  function start(): Promise<void> {
    running ??= retry(
      async () => {
        await runOnce();
        if (!stopped) logger.info('topic tail running', { topic });
      },
      {
        signal: stopping.signal,
        onRetry: (error, attempt) =>
          logger.warn('topic tail cannot start; retrying', { topic, error: describeError(error), attempt }),
      },
    )
      .catch(() => undefined) // only when stopping: retries are unbounded
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  async function stop(): Promise<void> {
    stopped = true;
    stopping.abort(new Error('stopped'));
    // A start in progress sees `stopped` and disconnects what it made; do not wait on a hung broker.
    await within(running ?? Promise.resolve(), 5000).catch(() => undefined);
    const current = consumer;
    consumer = undefined;
    await current?.disconnect().catch(() => undefined);
    await ender?.disconnect().catch(() => undefined);
    ender = undefined;
  }

  return {
    start,
    caughtUp: () => caughtUp,
    whenCaughtUp: () => caughtUpPromise,
    progress: () => ({ position: { ...position }, target: { ...(target ?? {}) } }),
    lastFetchAt: () => fetchedAt,
    readToEnd,
    stop,
  };
}
