/**
 * The one module that imports kafkajs (which is looking for maintainers, kafkajs#1603): everything
 * else uses these types, so a KafkaJS-compatible client can replace it here.
 */
import { Kafka, Partitioners, logLevel, type Batch, type Producer } from 'kafkajs';
import { kafkaClientOptions, type KafkaSecurity } from '@eventlens/contracts';
import { kafkaLogCreator, type Logger } from '@eventlens/service-kit';

export type {
  Admin,
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

/**
 * The offset a batch was fetched from. kafkajs keeps it on every Batch (`fetchedOffset`, used by
 * its own filtering) but does not declare it in its types.
 */
export function fetchedOffsetOf(batch: Batch): number {
  const fetched = (batch as unknown as { fetchedOffset?: string | number }).fetchedOffset;
  if (fetched === undefined)
    throw new Error('this Kafka client does not expose the fetched offset of a batch');
  return Number(fetched);
}
