/** Topics and schemas, created at every start and idempotent. */
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import {
  CodecError,
  PROJECTIONS,
  createCodec,
  topicSpecs,
  type RegistryAuth,
  type TopicSpec,
} from '@eventlens/contracts';
// The retry helper alone: the package's index would load its logging and tracing into the launcher.
import { retry } from '@eventlens/service-kit/retry';
import { kafkaReplication, type KafkaNodeCount } from './config';
import { StackError } from './errors';
import { createTopicsServed, isRetriableKafkaError } from './topics';

/** A topic as the stack creates it: contracts' partitions and configs, replicated per node count. */
export interface StackTopicSpec extends TopicSpec {
  replicationFactor: number;
}

/**
 * Every topic, with replication from kafkaReplication (stack/src/config.ts): on one node rf 1 and
 * min.insync.replicas 1 (what contracts' topicSpecs say), on three nodes rf 3 and
 * min.insync.replicas 2 for every topic, events, admin, retry and DLQ alike.
 */
export function stackTopics(
  eventPartitions: number,
  eventsRetentionMs?: number,
  nodes: KafkaNodeCount = 1,
): StackTopicSpec[] {
  const { replicationFactor, minInsyncReplicas } = kafkaReplication(nodes);
  return topicSpecs({ projections: PROJECTIONS, eventPartitions, eventsRetentionMs }).map((spec) => ({
    ...spec,
    replicationFactor,
    // 1 is what contracts say (and Kafka's default): one node's topics stay exactly as specified.
    configEntries:
      minInsyncReplicas === 1
        ? spec.configEntries
        : { ...spec.configEntries, 'min.insync.replicas': String(minInsyncReplicas) },
  }));
}

/**
 * Creates the missing topics and grows partition counts; idempotent. On a cluster that has just
 * started, a broker may not know a new topic for a moment ("does not host this topic-partition"):
 * such retriable errors are retried until `timeoutMs`.
 */
export async function ensureTopics(
  brokers: string,
  specs: Array<TopicSpec & { replicationFactor?: number }>,
  client: Partial<KafkaConfig> = {},
  timeoutMs = 60_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const created = new Set<string>();
  for (;;) {
    try {
      for (const topic of await ensureTopicsOnce(brokers, specs, client)) created.add(topic);
      return specs.map((s) => s.topic).filter((t) => created.has(t));
    } catch (error) {
      if (!isRetriableKafkaError(error) || Date.now() > deadline) {
        throw new StackError('PROVISION_FAILED', `creating Kafka topics failed: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function ensureTopicsOnce(
  brokers: string,
  specs: Array<TopicSpec & { replicationFactor?: number }>,
  client: Partial<KafkaConfig> = {},
): Promise<string[]> {
  const kafka = new Kafka({
    clientId: 'eventlens-stack',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    ...client,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await createTopicsServed(
        admin,
        missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.numPartitions,
          replicationFactor: s.replicationFactor ?? 1,
          configEntries: Object.entries(s.configEntries).map(([name, value]) => ({ name, value })),
        })),
      );
    }
    // A topic may only grow: partitions cannot be removed without reordering keys.
    const metadata = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
    for (const spec of specs) {
      const current = metadata.topics.find((t) => t.name === spec.topic)?.partitions.length ?? 0;
      if (current < spec.numPartitions) {
        await admin.createPartitions({ topicPartitions: [{ topic: spec.topic, count: spec.numPartitions }] });
      }
    }
    return missing.map((s) => s.topic);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Registers every record type's schema versions (the codec's `register`), trying again with backoff
 * while the registry is unavailable (a transient `CodecError`: unreachable, 5xx, or no answer within
 * the codec's 10 s), for up to `timeoutMs`, as the services retry it at their start. A registry
 * that just answered ready can still take longer than 10 s for a request on a loaded machine (a CI
 * run saw it); that is waited for, not a failed start.
 *
 * @returns the schema id of each subject.
 * @throws StackError PROVISION_FAILED at once when the registry refuses a schema (incompatible,
 *         bad credentials), or with the last failure when `timeoutMs` passed.
 */
export async function registerSchemas(
  registryUrl: string,
  auth?: RegistryAuth,
  timeoutMs = 120_000,
): Promise<Record<string, number>> {
  const codec = createCodec({ registryUrl, ...(auth ? { auth } : {}) });
  const signal = AbortSignal.timeout(timeoutMs);
  let last: Error | undefined;
  try {
    return await retry(() => codec.register(), {
      signal,
      shouldRetry: (error) => error instanceof CodecError && error.transient,
      onRetry: (error) => (last = error),
    });
  } catch (error) {
    const why = signal.aborted
      ? `the registry was unavailable for ${timeoutMs / 1000} s (last: ${last?.message ?? 'no answer'})`
      : (error as Error).message;
    throw new StackError('PROVISION_FAILED', `registering schemas failed: ${why}`);
  }
}
