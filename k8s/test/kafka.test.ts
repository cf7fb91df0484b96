/**
 * Kafka: every topic the product uses, with the partitions and configs of topicSpecs() (the local
 * stack's source), replicated as each overlay promises; the committed topics.yaml is not stale.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig as stackConfig } from '@eventlens/stack';
import { expectedTopics, renderTopics, TOPICS_FILE } from '../scripts/topics';
import { find, one, OVERLAYS, render, type Overlay } from './render';

const parse = (text: string) =>
  parseAllDocuments(text)
    .map((d) => d.toJSON())
    .filter((o) => o !== null);

/** What each overlay promises: single node in dev; three nodes, rf 3 and min.insync.replicas 2 in prod. */
const HA: Record<Overlay, { nodes: number; rf: number; minIsr: number }> = {
  dev: { nodes: 1, rf: 1, minIsr: 1 },
  prod: { nodes: 3, rf: 3, minIsr: 2 },
  'prod-keda': { nodes: 3, rf: 3, minIsr: 2 },
};

it('base/kafka/topics.yaml is what the generator writes from topicSpecs() (run `npm run -w k8s generate`)', () => {
  expect(parse(readFileSync(TOPICS_FILE, 'utf8'))).toEqual(parse(renderTopics()));
});

it('the topics include the events and admin streams and every projection’s retry and DLQ topics', () => {
  const names = expectedTopics().map((t) => t.topic);
  expect(names).toEqual(expect.arrayContaining(['eventlens.events', 'eventlens.admin']));
  for (const projection of ['analytics', 'admin']) {
    expect(names).toContain(`eventlens.${projection}.dlq`);
    expect(names.filter((n) => n.startsWith(`eventlens.${projection}.retry.`)).length).toBeGreaterThan(0);
  }
});

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  const expected = HA[overlay];

  it('a KafkaTopic for every topic of topicSpecs(), with its partitions and configs', () => {
    const objects = render(overlay);
    const topics = find(objects, 'KafkaTopic');
    const specs = expectedTopics();
    expect(topics.map((t) => t.spec.topicName ?? t.metadata.name).sort()).toEqual(
      specs.map((s) => s.topic).sort(),
    );
    for (const spec of specs) {
      const topic = topics.find((t) => (t.spec.topicName ?? t.metadata.name) === spec.topic)!;
      expect(topic.metadata.labels?.['strimzi.io/cluster'], spec.topic).toBe('eventlens');
      expect(topic.spec.partitions, spec.topic).toBe(spec.numPartitions);
      expect(topic.spec.replicas, spec.topic).toBe(expected.rf);
      // Every config of the spec, as the same string; min.insync.replicas follows the overlay's
      // replication (topicSpecs says 1 for the local single broker).
      const config = { ...spec.configEntries };
      if ('min.insync.replicas' in config) config['min.insync.replicas'] = String(expected.minIsr);
      expect(topic.spec.config, spec.topic).toEqual(config);
      expect(topic.spec.config['retention.ms'], spec.topic).toBe(spec.configEntries['retention.ms']);
    }
  });

  it('KRaft with node pools, replicated as the overlay promises', () => {
    const objects = render(overlay);
    const kafka = one(objects, 'Kafka', 'eventlens');
    expect(kafka.metadata.annotations).toMatchObject({
      'strimzi.io/kraft': 'enabled',
      'strimzi.io/node-pools': 'enabled',
    });
    expect(kafka.spec.zookeeper).toBeUndefined();
    // The version the local stack runs and the services are tested against.
    expect(kafka.spec.kafka.version).toBe(stackConfig({}).kafkaVersion);
    const pools = find(objects, 'KafkaNodePool');
    const count = (role: string) =>
      pools.filter((p) => p.spec.roles.includes(role)).reduce((n, p) => n + (p.spec.replicas as number), 0);
    expect(count('broker')).toBe(expected.nodes);
    expect(count('controller') % 2, 'an odd controller quorum').toBe(1);
    expect(count('controller')).toBe(expected.nodes);
    for (const pool of pools) expect(pool.metadata.labels?.['strimzi.io/cluster']).toBe('eventlens');
    if (overlay !== 'dev') {
      for (const pool of pools) {
        const rule =
          pool.spec.template?.pod?.affinity?.podAntiAffinity
            ?.requiredDuringSchedulingIgnoredDuringExecution?.[0];
        expect(rule?.topologyKey, `${pool.metadata.name}: one node per Kubernetes node`).toBe(
          'kubernetes.io/hostname',
        );
        expect(rule?.labelSelector.matchLabels).toEqual({
          'strimzi.io/cluster': 'eventlens',
          'strimzi.io/pool-name': pool.metadata.name,
        });
      }
    }
    const config = kafka.spec.kafka.config;
    expect(config['default.replication.factor']).toBe(expected.rf);
    expect(config['min.insync.replicas']).toBe(expected.minIsr);
    expect(config['offsets.topic.replication.factor']).toBe(expected.rf);
    expect(config['transaction.state.log.replication.factor']).toBe(expected.rf);
    expect(config['transaction.state.log.min.isr']).toBe(expected.minIsr);
    expect(config['auto.create.topics.enable']).toBe(false);
    // A write acknowledged by min.insync.replicas copies survives a node: only when rf exceeds it.
    if (overlay !== 'dev') expect(expected.rf).toBeGreaterThan(expected.minIsr);
    for (const topic of find(objects, 'KafkaTopic'))
      expect(topic.spec.replicas).toBeLessThanOrEqual(count('broker'));
  });

  it('PostgreSQL: one instance in dev, three spread over nodes in prod', () => {
    const cluster = one(render(overlay), 'Cluster', 'eventlens-pg');
    expect(cluster.spec.instances).toBe(expected.nodes);
    if (overlay !== 'dev') expect(cluster.spec.affinity.enablePodAntiAffinity).toBe(true);
    expect(cluster.spec.managed.roles.map((r: { name: string }) => r.name)).toContain('eventlens_reader');
  });
});
