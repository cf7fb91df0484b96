/**
 * The KafkaTopic resources, derived from the same source as the local stack's topics:
 * `topicSpecs()` in contracts, with the stack's default partition count and retention.
 * `npm run -w k8s generate` writes them to base/kafka/topics.yaml; a test fails when that file is stale.
 */
import { fileURLToPath } from 'node:url';
import { loadConfig, stackTopics } from '@eventlens/stack';
import type { TopicSpec } from '@eventlens/contracts';
import { stringify } from 'yaml';

export const KAFKA_CLUSTER = 'eventlens';
export const TOPICS_FILE = fileURLToPath(new URL('../base/kafka/topics.yaml', import.meta.url));

/** The topics the local stack creates, with its defaults (not this shell's EVENTLENS_* variables). */
export function expectedTopics(): TopicSpec[] {
  const config = loadConfig({});
  return stackTopics(config.eventPartitions, config.eventsRetentionMs);
}

export function renderTopics(specs: TopicSpec[] = expectedTopics()): string {
  const header = [
    '# Generated from topicSpecs() in contracts/src/topics.ts by k8s/scripts/generate-topics.ts.',
    '# Do not edit: run `npm run -w k8s generate`. Replicas and min.insync.replicas are set per overlay.',
  ];
  const docs = specs.map((spec) =>
    stringify(
      {
        apiVersion: 'kafka.strimzi.io/v1beta2',
        kind: 'KafkaTopic',
        metadata: {
          // Kafka topic names of EventLens are valid Kubernetes names, so they are used as is.
          name: spec.topic,
          labels: { 'strimzi.io/cluster': KAFKA_CLUSTER },
        },
        spec: {
          topicName: spec.topic,
          partitions: spec.numPartitions,
          replicas: 1,
          config: { ...spec.configEntries },
        },
      },
      { lineWidth: 0 },
    ),
  );
  return `${header.join('\n')}\n---\n${docs.join('---\n')}`;
}
