/**
 * The one kafkajs client factory of the command side: connection bounds, TLS and SASL
 * (`kafkaClientOptions` from contracts), and kafkajs's log lines through the service's logger.
 * Both adapters build on it: the producer (`kafka-log.ts`) and the admin tail (`topic-tail.ts`).
 */
import { Kafka, logLevel, type ISocketFactory, type KafkaConfig, type LogEntry } from 'kafkajs';
import { kafkaClientOptions, type KafkaSecurity } from '@eventlens/contracts';
import { kafkaLogCreator, type Logger } from '@eventlens/service-kit';

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

export function createKafka(options: KafkaClientOptions): Kafka {
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

/** A kafkajs call that did not settle in time (connect and disconnect can hang on a dead broker). */
export class Deadline extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

/** `promise`, or a rejection with Deadline after `ms`; a late rejection of `promise` is swallowed. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Deadline(ms)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
