/**
 * The one module that imports kafkajs (which is looking for maintainers, kafkajs#1603): everything
 * else uses these types, so a KafkaJS-compatible client can replace it here.
 */
import kafkajs, {
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type Batch,
  type Consumer,
  type Producer,
} from 'kafkajs';
import { kafkaClientOptions, type KafkaSecurity } from '@eventlens/contracts';
import { kafkaLogCreator, type Logger } from '@eventlens/service-kit';

export type {
  Admin,
  Batch,
  Consumer,
  EachBatchPayload,
  Kafka,
  KafkaMessage,
  Message,
  Producer,
  TopicMessages,
} from 'kafkajs';

export function createKafka(options: {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** TLS and SASL (EVENTLENS_KAFKA_SSL*, EVENTLENS_KAFKA_SASL_*); plaintext when absent. */
  security?: KafkaSecurity | undefined;
}): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ...kafkaClientOptions(options.security),
    // kafkajs logs rebalances and retries at INFO/WARN/ERROR; only warnings and errors are ours.
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(options.logger),
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000 },
  });
}

/**
 * A producer for the retry and DLQ topics (and for tests). Not idempotent on purpose: kafkajs's
 * idempotent producer retries forever, and a forward that cannot be acknowledged must fail its
 * batch (a transient error, retried with backoff) rather than block it. Duplicates are harmless
 * downstream (see runtime/router.ts).
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: 5 },
  });
}

/** Consumer settings a worker takes from its configuration (config.ts, `consumer`). */
export interface ConsumerTuning {
  maxBytesPerPartition: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Fetch batching at the broker (see EVENTLENS_PROJECTIONS_FETCH_MIN_BYTES). */
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
}

/**
 * The fetch settings of the workers whose topics carry few records: the admin log, the retry topics
 * and the DLQs. The broker answers a fetch as soon as one record is there (min bytes 1), so no record
 * waits for others; an idle fetch is held 250 ms rather than the events' 20 ms. With five consumers
 * fetching every 20 ms, an idle projections process used 16% of a core and kept the broker busy too
 * (a CPU profile: kafkajs's fetch loop and socket writes). The cost: a retry worker whose partitions
 * are all paused until a record is due sleeps one wait between looks (kafkajs), so a retry runs at
 * most 250 ms after its due time (the delays are 1 s, 10 s and 60 s).
 */
export function quietFetch<T extends ConsumerTuning>(tuning: T): T {
  return { ...tuning, fetchMinBytes: 1, fetchMaxWaitMs: QUIET_FETCH_MAX_WAIT_MS };
}
export const QUIET_FETCH_MAX_WAIT_MS = 250;

/**
 * A consumer for a projection worker. Offsets are never auto-committed by the caller's choice
 * (`run({ autoCommit: false })`): PostgreSQL holds the checkpoints. The rebalance timeout is at
 * least a minute so that a batch transaction in flight can finish before the group moves on.
 */
export function createConsumer(kafka: Kafka, groupId: string, tuning: ConsumerTuning): Consumer {
  return kafka.consumer({
    groupId,
    sessionTimeout: tuning.sessionTimeoutMs,
    heartbeatInterval: tuning.heartbeatIntervalMs,
    rebalanceTimeout: Math.max(60_000, tuning.sessionTimeoutMs),
    maxBytesPerPartition: tuning.maxBytesPerPartition,
    maxBytes: tuning.maxBytesPerPartition * 4,
    minBytes: tuning.fetchMinBytes ?? 1,
    maxWaitTimeInMs: tuning.fetchMaxWaitMs ?? 500,
    allowAutoTopicCreation: false,
    retry: { retries: 10, restartOnFailure: async () => true },
  });
}

export interface LogStart {
  /** The first offset retention kept in a partition (its low watermark). Rejects when Kafka does not answer. */
  lowWatermark(tp: { topic: string; partition: number }): Promise<number>;
  close(): Promise<void>;
}

/**
 * Low watermarks through one admin client, connected on first use and kept; a failed connection is
 * not kept (Kafka may be back at the next call).
 */
export function createLogStart(kafka: Kafka): LogStart {
  let admin: Promise<Admin> | undefined;
  return {
    async lowWatermark(tp) {
      admin ??= (async () => {
        const client = kafka.admin();
        await client.connect();
        return client;
      })().catch((error: unknown) => {
        admin = undefined;
        throw error;
      });
      const offsets = await (await admin).fetchTopicOffsets(tp.topic);
      const entry = offsets.find((o) => o.partition === tp.partition);
      return Number(entry?.low ?? 0);
    },
    async close() {
      if (admin) await (await admin).disconnect().catch(() => undefined);
    },
  };
}

/**
 * Whether an error comes from kafkajs (a broker refused or did not answer). kafkajs's error classes
 * are only reachable through its default export under Node's ESM loader (its index spreads them
 * into `module.exports`, which named imports cannot see).
 */
export function isKafkaError(error: unknown): boolean {
  return error instanceof kafkajs.KafkaJSError || error instanceof kafkajs.KafkaJSAggregateError;
}

/**
 * The offset a batch was fetched from. kafkajs keeps it on every Batch (`fetchedOffset`, used by
 * its own filtering) but does not declare it in its types.
 */
export function fetchedOffsetOf(batch: Pick<Batch, 'topic' | 'partition'>): number {
  const fetched = (batch as unknown as { fetchedOffset?: string | number }).fetchedOffset;
  if (fetched === undefined)
    throw new Error('this Kafka client does not expose the fetched offset of a batch');
  return Number(fetched);
}
