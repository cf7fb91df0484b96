/** Topics and schemas, created at every start and idempotent. */
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import {
  PROJECTIONS,
  createCodec,
  topicSpecs,
  type RegistryAuth,
  type TopicSpec,
} from '@eventlens/contracts';
import { kafkaReplication, type KafkaNodeCount } from './config';
import { StackError } from './errors';

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
      if (!isRetriable(error) || Date.now() > deadline) {
        throw new StackError('PROVISION_FAILED', `creating Kafka topics failed: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** kafkajs marks broker errors worth retrying; its retry wrappers keep the original one. */
function isRetriable(error: unknown): boolean {
  let current = error as { retriable?: boolean; originalError?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current.retriable === true) return true;
    if (/does not host this topic-partition|no leader/i.test(String((current as Error).message))) return true;
    current = (current.originalError ?? current.cause) as typeof current;
  }
  return false;
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
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.numPartitions,
          replicationFactor: s.replicationFactor ?? 1,
          configEntries: Object.entries(s.configEntries).map(([name, value]) => ({ name, value })),
        })),
      });
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

export async function registerSchemas(
  registryUrl: string,
  auth?: RegistryAuth,
): Promise<Record<string, number>> {
  try {
    return await createCodec({ registryUrl, ...(auth ? { auth } : {}) }).register();
  } catch (error) {
    throw new StackError('PROVISION_FAILED', `registering schemas failed: ${(error as Error).message}`);
  }
}
