/** Topics and schemas, created at every start and idempotent. */
import { Kafka, logLevel } from 'kafkajs';
import { PROJECTIONS, createCodec, topicSpecs, type TopicSpec } from '@eventlens/contracts';
import { StackError } from './errors';

export function stackTopics(eventPartitions: number, eventsRetentionMs?: number): TopicSpec[] {
  return topicSpecs({ projections: PROJECTIONS, eventPartitions, eventsRetentionMs });
}

export async function ensureTopics(brokers: string, specs: TopicSpec[]): Promise<string[]> {
  const kafka = new Kafka({ clientId: 'eventlens-stack', brokers: [brokers], logLevel: logLevel.NOTHING });
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
          replicationFactor: 1,
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
  } catch (error) {
    throw new StackError('PROVISION_FAILED', `creating Kafka topics failed: ${(error as Error).message}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function registerSchemas(registryUrl: string): Promise<Record<string, number>> {
  try {
    return await createCodec({ registryUrl }).register();
  } catch (error) {
    throw new StackError('PROVISION_FAILED', `registering schemas failed: ${(error as Error).message}`);
  }
}
