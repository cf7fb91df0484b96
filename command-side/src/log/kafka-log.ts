/**
 * The append adapter: an idempotent kafkajs producer behind the `Appender` interface, so that a
 * KafkaJS-compatible client could replace it.
 */
import { CompressionTypes, type Producer } from 'kafkajs';
import { describeError, retry } from '@eventlens/service-kit';
import { LogError, recordBytes, type Appender, type LogRecord } from './appender';
import { createKafka, Deadline, within, type KafkaClientOptions } from './kafka-client';

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
