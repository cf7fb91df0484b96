import { PROJECTIONS, topicSpecs } from '@eventlens/contracts';
import { describe, expect, it } from 'vitest';
import { kafkaReplication, loadConfig } from './config';
import { brokerList, kafkaNodes, serverProperties } from './kafka';
import { stackTopics } from './provision';

describe('Kafka node count', () => {
  it('one node by default with a 1g heap; three nodes get 512m each; other counts are refused', () => {
    expect(loadConfig({}).kafkaNodes).toBe(1);
    expect(loadConfig({}).kafkaHeap).toBe('1g');
    expect(loadConfig({ EVENTLENS_KAFKA_NODES: '3' })).toMatchObject({ kafkaNodes: 3, kafkaHeap: '512m' });
    expect(loadConfig({ EVENTLENS_KAFKA_NODES: '3', EVENTLENS_KAFKA_HEAP: '768m' }).kafkaHeap).toBe('768m');
    expect(() => loadConfig({ EVENTLENS_KAFKA_NODES: '2' })).toThrow(/EVENTLENS_KAFKA_NODES/);
  });

  it('one node: the topics are exactly contracts topicSpecs, rf 1', () => {
    const specs = stackTopics(4, undefined, 1);
    expect(specs.map(({ replicationFactor: _rf, ...spec }) => spec)).toEqual(
      topicSpecs({ projections: PROJECTIONS, eventPartitions: 4 }),
    );
    expect(new Set(specs.map((s) => s.replicationFactor))).toEqual(new Set([1]));
  });

  it('three nodes: every topic rf 3 and min.insync.replicas 2', () => {
    expect(kafkaReplication(3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    for (const spec of stackTopics(4, undefined, 3)) {
      expect(spec.replicationFactor, spec.topic).toBe(3);
      expect(spec.configEntries['min.insync.replicas'], spec.topic).toBe('2');
    }
  });

  it('node i listens on port + 2i and controller port + 2i, and every node knows the three voters', () => {
    const nodes = kafkaNodes(3, 19092, 19093);
    expect(brokerList(nodes)).toBe('127.0.0.1:19092,127.0.0.1:19094,127.0.0.1:19096');
    const props = serverProperties({
      logDir: '/d',
      port: 19094,
      controllerPort: 19095,
      nodeId: 2,
      voters: nodes,
    });
    expect(props).toContain('node.id=2');
    expect(props).toContain('controller.quorum.voters=1@127.0.0.1:19093,2@127.0.0.1:19095,3@127.0.0.1:19097');
    expect(props).toContain('advertised.listeners=PLAINTEXT://127.0.0.1:19094');
    expect(props).toContain('offsets.topic.replication.factor=3');
    expect(props).toContain('transaction.state.log.min.isr=2');
  });

  it('a SASL listener enables SCRAM-SHA-512 and PLAIN beside the plaintext ones', () => {
    const props = serverProperties({
      logDir: '/d',
      port: 1,
      controllerPort: 2,
      sasl: { port: 3, plainUsers: { app: 'secret' } },
    });
    expect(props).toContain(
      'listeners=PLAINTEXT://127.0.0.1:1,CONTROLLER://127.0.0.1:2,SASL_PLAINTEXT://127.0.0.1:3',
    );
    expect(props).toContain('sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN');
    expect(props).toContain('user_app="secret";');
  });
});
