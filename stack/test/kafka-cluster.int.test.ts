/**
 * EVENTLENS_KAFKA_NODES=3 as the launcher runs it: a scratch cluster of three combined KRaft nodes
 * (its own ports and data directory; the shared stack is not touched) registers three brokers,
 * the project's topics get three replicas and min.insync.replicas 2, an acks=all append succeeds,
 * and a third-party client (kcat) sees the three brokers.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TOPICS } from '@eventlens/contracts';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaReplication, loadConfig } from '../src/config';
import { eventually } from '../src/eventually';
import { findJava } from '../src/java';
import { startKafkaCluster, waitForKafka, type KafkaCluster } from '../src/kafka';
import { freePortRun } from '../src/ports';
import { ensureTopics, stackTopics } from '../src/provision';
import { Supervisor } from '../src/supervisor';

const run = promisify(execFile);
const config = loadConfig();

/** Two consecutive free ports n times over would be luck; a free base with its neighbours checked by the cluster is enough. */

describe('a three-node Kafka cluster', () => {
  let home: string;
  let supervisor: Supervisor;
  let cluster: KafkaCluster;
  let startedInMs: number;

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'eventlens-cluster-'));
    supervisor = new Supervisor(path.join(home, 'logs'), path.join(home, 'run'), () => undefined);
    const javaBin = (
      await findJava({ minMajor: 17, preferHomes: [config.javaHome], purpose: 'Kafka', envHint: 'JAVA_HOME' })
    ).bin;
    const started = Date.now();
    cluster = await startKafkaCluster(
      {
        count: 3,
        home,
        dataDir: path.join(home, 'data'),
        libDir: path.join(config.cacheDir, `kafka-${config.kafkaVersion}`, 'lib'),
        javaBin,
        ...(await freePortRun(6).then((port) => ({ port, controllerPort: port + 1 }))),
        heap: '512m',
      },
      supervisor,
    );
    await waitForKafka(cluster.brokers, cluster.children, 90_000, { expectBrokers: 3 });
    startedInMs = Date.now() - started;
  }, 120_000);

  afterAll(async () => {
    await supervisor?.stopAll(10_000);
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('registers three brokers and creates every topic with rf 3 and min.insync.replicas 2', async () => {
    expect(cluster.brokers.split(',')).toHaveLength(3);
    console.log(`three nodes ready in ${startedInMs} ms`);
    const specs = stackTopics(2, undefined, 3);
    expect(kafkaReplication(3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    await ensureTopics(cluster.brokers, specs);

    const kafka = new Kafka({
      clientId: 'cluster-test',
      brokers: cluster.brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const described = await admin.describeCluster();
      expect(described.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);
      const metadata = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
      for (const topic of metadata.topics) {
        for (const partition of topic.partitions) expect(partition.replicas, topic.name).toHaveLength(3);
      }
      // Asked of any one broker: a broker whose metadata has not caught up with the topics just made
      // answers "does not host this topic-partition" for a moment (seen on a loaded machine).
      const configs = await eventually('every topic described by the broker asked', () =>
        admin.describeConfigs({
          includeSynonyms: false,
          resources: specs.map((s) => ({
            type: ConfigResourceTypes.TOPIC,
            name: s.topic,
            configNames: ['min.insync.replicas'],
          })),
        }),
      );
      for (const resource of configs.resources) {
        expect(
          resource.configEntries.find((c) => c.configName === 'min.insync.replicas')?.configValue,
          resource.resourceName,
        ).toBe('2');
      }
    } finally {
      await admin.disconnect();
    }

    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    try {
      const [result] = await producer.send({
        topic: TOPICS.events,
        acks: -1,
        messages: [{ key: 'k', value: 'v' }],
      });
      expect(result?.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }
  });

  // kcat is a third-party client (librdkafka) that .ci/run installs; a missing kcat fails here.
  it('kcat -L lists the three brokers', async () => {
    const { stdout } = await run('kcat', ['-L', '-b', cluster.brokers, '-t', TOPICS.events], {
      timeout: 20_000,
    });
    expect(stdout).toMatch(/ 3 brokers:/);
    for (const broker of cluster.brokers.split(',')) expect(stdout).toContain(broker);
  });
});
