/**
 * Everything this package knows about kafkajs, in one module, so that a KafkaJS-compatible client
 * could replace it: an idempotent producer behind the `Appender` interface, and a tail that reads
 * a topic from offset 0 for the admin directory.
 */
import { randomUUID } from 'node:crypto';
import {
  CompressionTypes,
  Kafka,
  logLevel,
  type Consumer,
  type ISocketFactory,
  type KafkaConfig,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import { kafkaClientOptions, type KafkaSecurity } from '@eventlens/contracts';
import { describeError, kafkaLogCreator, retry, type Logger } from '@eventlens/service-kit';
import { LogError, recordBytes, type Appender, type LogRecord } from './appender';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Socket connect timeout; low on purpose: a broker that does not accept in 1 s is as good as down. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** How connections to brokers are opened (TLS tweaks, or a test that cuts the network). */
  socketFactory?: ISocketFactory;
  /** TLS and SASL (EVENTLENS_KAFKA_SSL*, EVENTLENS_KAFKA_SASL_*); plaintext when absent. */
  security?: KafkaSecurity | undefined;
}

// Limiting the idempotent producer's retries is deliberate (see createKafkaLog); its warning is not news.
const EXPECTED_WARNINGS = ['Limiting retries for the idempotent producer'];

function createKafka(options: KafkaClientOptions): Kafka {
  const { logger } = options;
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 1000,
    requestTimeout: options.requestTimeoutMs ?? 5000,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    logLevel: logLevel.WARN,
    ...kafkaClientOptions(options.security),
    ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
    logCreator: () => {
      const log = kafkaLogCreator(logger)();
      return (entry: LogEntry) => {
        if (!EXPECTED_WARNINGS.some((w) => entry.log.message.startsWith(w))) log(entry);
      };
    },
  };
  return new Kafka(config);
}

const REJECTED_TYPES = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_REQUIRED_ACKS',
]);

/** Walks kafkajs's error chain for a broker error type that says the records themselves are refused. */
function toLogError(error: unknown): LogError {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === 'string' && REJECTED_TYPES.has(type)) {
      return new LogError('APPEND_REJECTED', `Kafka refused the records: ${type}`, undefined, {
        cause: error,
      });
    }
    current =
      (current as { originalError?: unknown; cause?: unknown }).originalError ??
      (current as { cause?: unknown }).cause;
  }
  return new LogError(
    'LOG_UNAVAILABLE',
    `Kafka did not acknowledge the append: ${describeError(error)}`,
    undefined,
    {
      cause: error,
    },
  );
}

export interface KafkaLogOptions extends KafkaClientOptions {
  /** Produce calls larger than this are gzip-compressed, to stay under the broker's batch size limit. */
  compressAboveBytes?: number;
  /**
   * The longest one produce call may take, retries included. Past it the call is abandoned (its
   * outcome unknown) and the producer retired, so a broker that hangs cannot hold up every later
   * append behind it. Like the Java client's `delivery.timeout.ms`.
   */
  deliveryTimeoutMs?: number;
  /** The longest one connection attempt may take before it is abandoned and tried again. */
  connectTimeoutMs?: number;
}

export interface KafkaLog extends Appender {
  /** Connects, retrying with backoff until connected or disconnected. */
  connect(): Promise<void>;
  isConnected(): boolean;
  disconnect(): Promise<void>;
}

class Deadline extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

/** `promise`, or a rejection with Deadline after `ms`; a late rejection of `promise` is swallowed. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Deadline(ms)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * The producer: acks from all in-sync replicas, idempotent, one request in flight.
 *
 * kafkajs retries an idempotent send forever by default; here a send gives up after a few
 * seconds (a bounded retry budget, and `deliveryTimeoutMs` over everything), so a dead or hung
 * broker is reported (and the circuit opens) instead of blocking every caller.
 * After a failed send the outcome of that batch is unknown, and reusing the producer would reuse
 * its sequence numbers: the broker could then take a different batch for a duplicate of the lost
 * one and acknowledge it without writing it. So a failed send retires the producer, and the next
 * one gets a fresh producer id (what the Java client does by bumping the epoch).
 * Appends fail fast with LOG_UNAVAILABLE until a producer is connected again.
 */
export function createKafkaLog(options: KafkaLogOptions): KafkaLog {
  const { logger } = options;
  const kafka = createKafka(options);
  const compressAbove = options.compressAboveBytes ?? 512 * 1024;
  const deliveryTimeoutMs = options.deliveryTimeoutMs ?? 5000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  let producer: Producer | undefined;
  let connecting: Promise<void> | undefined;
  let closed = false;
  /** Aborted by disconnect(): ends the wait between connection attempts. */
  const closing = new AbortController();

  function retire(current: Producer): void {
    void current.disconnect().catch(() => undefined);
  }

  async function connectOnce(): Promise<Producer> {
    const candidate = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    try {
      await within(candidate.connect(), connectTimeoutMs);
      return candidate;
    } catch (error) {
      retire(candidate);
      throw error instanceof Deadline ? new Error(`no connection within ${connectTimeoutMs} ms`) : error;
    }
  }

  function connect(): Promise<void> {
    connecting ??= retry(
      async () => {
        const connected = await connectOnce();
        if (closed) {
          retire(connected);
          return;
        }
        producer = connected;
        logger.info('Kafka producer connected', { brokers: options.brokers });
      },
      {
        signal: closing.signal,
        onRetry: (error, attempt) =>
          logger.warn('Kafka producer cannot connect; retrying', { error: describeError(error), attempt }),
      },
    )
      .catch(() => undefined) // only when closing: retries are unbounded
      .finally(() => {
        connecting = undefined;
      });
    return connecting;
  }

  async function append(records: readonly LogRecord[]): Promise<void> {
    const current = producer;
    if (!current) {
      if (!closed) void connect();
      throw new LogError('LOG_UNAVAILABLE', 'the Kafka producer is not connected');
    }
    const byTopic = new Map<string, { key: string; value: Buffer; headers?: Record<string, string> }[]>();
    let bytes = 0;
    for (const record of records) {
      let messages = byTopic.get(record.topic);
      if (!messages) byTopic.set(record.topic, (messages = []));
      // Group commit sends many requests' records in one call: each keeps its own trace context.
      messages.push(
        record.headers
          ? { key: record.key, value: record.value, headers: record.headers }
          : { key: record.key, value: record.value },
      );
      bytes += recordBytes(record);
    }
    try {
      const sent = current.sendBatch({
        acks: -1,
        compression: bytes > compressAbove ? CompressionTypes.GZIP : CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      await within(sent, deliveryTimeoutMs);
    } catch (error) {
      if (producer === current) {
        producer = undefined;
        retire(current);
        if (!closed) void connect();
      }
      if (error instanceof Deadline) {
        throw new LogError('APPEND_TIMEOUT', `Kafka did not acknowledge within ${deliveryTimeoutMs} ms`);
      }
      throw toLogError(error);
    }
  }

  async function disconnect(): Promise<void> {
    closed = true;
    closing.abort(new Error('closed'));
    // A connection attempt in progress sees `closed` and retires its producer itself.
    const current = producer;
    producer = undefined;
    if (current) await within(current.disconnect(), 5000).catch(() => undefined);
  }

  return { append, connect, disconnect, isConnected: () => producer !== undefined };
}

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
  stop(): Promise<void>;
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

  function checkCaughtUp(): void {
    if (caughtUp || !target) return;
    if (Object.entries(target).every(([partition, high]) => (position[Number(partition)] ?? 0) >= high)) {
      caughtUp = true;
      markCaughtUp();
    }
  }

  async function runOnce(): Promise<void> {
    if (!target) {
      const admin = kafka.admin();
      try {
        await within(admin.connect(), 5000);
        const offsets = await within(admin.fetchTopicOffsets(topic), 5000);
        target = Object.fromEntries(offsets.map((o) => [o.partition, Number(o.high)]));
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      checkCaughtUp();
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
    candidate.on(candidate.events.CRASH, ({ payload }) => {
      logger.error('topic tail crashed', {
        topic,
        error: describeError(payload.error),
        restart: payload.restart,
      });
      // kafkajs restarts the consumer itself when it can; otherwise start over with a new one.
      if (!payload.restart && consumer === candidate && !stopped) {
        consumer = undefined;
        void candidate.disconnect().catch(() => undefined);
        void start();
      }
    });
    try {
      await within(candidate.connect(), 5000);
      await candidate.subscribe({ topic, fromBeginning: true });
      // Offsets are never committed (every process reads from 0) and only resolved once applied,
      // so a batch left early on shutdown or rebalance is not skipped. The admin topic is written
      // without transactions: there are no control records between its last record and the high
      // watermark, so "caught up" is reached by the records themselves.
      await candidate.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          for (const message of batch.messages) {
            if (!isRunning() || isStale()) return;
            await options.onRecord(message.value, { partition: batch.partition, offset: message.offset });
            resolveOffset(message.offset);
            position[batch.partition] = Number(message.offset) + 1;
          }
          checkCaughtUp();
          await heartbeat();
        },
      });
      if (stopped) {
        await candidate.disconnect().catch(() => undefined);
        return;
      }
      consumer = candidate;
    } catch (error) {
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
  }

  return {
    start,
    caughtUp: () => caughtUp,
    whenCaughtUp: () => caughtUpPromise,
    progress: () => ({ position: { ...position }, target: { ...(target ?? {}) } }),
    lastFetchAt: () => fetchedAt,
    stop,
  };
}
