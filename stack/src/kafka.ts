/**
 * Apache Kafka in KRaft mode on loopback: one combined broker + controller by default, or a cluster
 * of three (EVENTLENS_KAFKA_NODES=3).
 *
 * The three-node cluster is three *combined* nodes forming a KRaft quorum of three, not one
 * controller and three brokers: three JVMs instead of four on a small machine, and no single
 * controller whose loss stops every metadata change (leader elections included). Killing any one
 * node leaves two voters (a quorum) and two replicas of every partition (min.insync.replicas 2).
 * Combined nodes are not what production runs; for a local cluster the failure modes that matter
 * (a leader lost, a node back, in-sync replicas shrinking and growing) are the same.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { kafkaReplication, type KafkaNodeCount } from './config';
import { StackError } from './errors';
import { readClusterId } from './lineage';
import { markerArg, type Supervisor, type Child } from './supervisor';

const run = promisify(execFile);

export interface KafkaOptions {
  home: string;
  dataDir: string;
  libDir: string;
  javaBin: string;
  port: number;
  controllerPort: number;
  heap: string;
}

/** One node of a cluster: its id and its two loopback ports. */
export interface KafkaNode {
  nodeId: number;
  port: number;
  controllerPort: number;
}

/**
 * A listener with SASL on top of the plaintext ones (tests of client authentication): SCRAM-SHA-512
 * users are created when the storage is formatted, PLAIN users are listed in the broker's config.
 */
export interface KafkaSaslListener {
  port: number;
  scramUsers?: Record<string, string>;
  plainUsers?: Record<string, string>;
  /**
   * The same SASL users over TLS too (SASL_SSL): the listener's port, and a PEM file holding the
   * server's unencrypted PKCS#8 private key followed by its certificate chain.
   */
  tls?: { port: number; keystoreFile: string };
}

/**
 * The nodes of an n-node cluster. Node i (0-based) listens on port + 2i and controllerPort + 2i, so
 * the defaults give brokers 19092, 19094, 19096 and controllers 19093, 19095, 19097.
 */
export function kafkaNodes(count: number, port: number, controllerPort: number): KafkaNode[] {
  return Array.from({ length: count }, (_, i) => ({
    nodeId: i + 1,
    port: port + 2 * i,
    controllerPort: controllerPort + 2 * i,
  }));
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** `host:port,…` of every broker, what clients bootstrap from. */
export function brokerList(nodes: KafkaNode[]): string {
  return nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
}

/** Where a cluster keeps its data: `kafka/` for one node (as always), `kafka-3/node-<id>/` for three. */
export function kafkaNodeDir(dataDir: string, nodeCount: number, nodeId: number): string {
  return nodeCount === 1
    ? path.join(dataDir, 'kafka')
    : path.join(dataDir, `kafka-${nodeCount}`, `node-${nodeId}`);
}

/** The file holding the cluster id (that of node 1). */
export function kafkaMetaFile(dataDir: string, nodeCount: number): string {
  return path.join(kafkaNodeDir(dataDir, nodeCount, 1), 'log', 'meta.properties');
}

export function serverProperties(o: {
  logDir: string;
  port: number;
  controllerPort: number;
  /** This node's id; 1 when alone. */
  nodeId?: number;
  /** Every voter of the quorum; this node alone when absent. */
  voters?: KafkaNode[];
  sasl?: KafkaSaslListener;
}): string {
  const nodeId = o.nodeId ?? 1;
  const voters = o.voters ?? [{ nodeId, port: o.port, controllerPort: o.controllerPort }];
  const { replicationFactor, minInsyncReplicas } = kafkaReplication(voters.length as KafkaNodeCount);
  const listeners = [`PLAINTEXT://127.0.0.1:${o.port}`, `CONTROLLER://127.0.0.1:${o.controllerPort}`];
  const advertised = [`PLAINTEXT://127.0.0.1:${o.port}`];
  const protocols = ['PLAINTEXT:PLAINTEXT', 'CONTROLLER:PLAINTEXT'];
  const sasl: string[] = [];
  if (o.sasl) {
    const plainUsers = Object.entries(o.sasl.plainUsers ?? {})
      .map(([user, password]) => ` user_${user}=${JSON.stringify(password)}`)
      .join('');
    sasl.push('sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN');
    const saslListeners: Array<[string, number]> = [['SASL_PLAINTEXT', o.sasl.port]];
    if (o.sasl.tls) {
      saslListeners.push(['SASL_SSL', o.sasl.tls.port]);
      sasl.push(
        'listener.name.sasl_ssl.ssl.keystore.type=PEM',
        `listener.name.sasl_ssl.ssl.keystore.location=${o.sasl.tls.keystoreFile}`,
      );
    }
    for (const [name, port] of saslListeners) {
      listeners.push(`${name}://127.0.0.1:${port}`);
      advertised.push(`${name}://127.0.0.1:${port}`);
      protocols.push(`${name}:${name}`);
      const prefix = `listener.name.${name.toLowerCase()}`;
      sasl.push(
        `${prefix}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
        `${prefix}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required${plainUsers};`,
      );
    }
  }
  return [
    'process.roles=broker,controller',
    `node.id=${nodeId}`,
    `controller.quorum.voters=${voters.map((v) => `${v.nodeId}@127.0.0.1:${v.controllerPort}`).join(',')}`,
    `listeners=${listeners.join(',')}`,
    `advertised.listeners=${advertised.join(',')}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=${protocols.join(',')}`,
    ...sasl,
    `log.dirs=${o.logDir}`,
    // Topics are created by the project with explicit settings, never by a typo in a client.
    'auto.create.topics.enable=false',
    'num.partitions=1',
    `default.replication.factor=${replicationFactor}`,
    // Kafka's own topics (consumer offsets, transactions) are replicated like the project's.
    `offsets.topic.replication.factor=${replicationFactor}`,
    `transaction.state.log.replication.factor=${replicationFactor}`,
    `transaction.state.log.min.isr=${minInsyncReplicas}`,
    'group.initial.rebalance.delay.ms=0',
    'log.retention.check.interval.ms=300000',
    '',
  ].join('\n');
}

const LOG4J = [
  'log4j.rootLogger=WARN, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka.server.KafkaRaftServer=INFO',
  '',
].join('\n');

/**
 * A KRaft cluster id: 16 random bytes, base64url without padding (what StorageTool random-uuid prints).
 * Like Kafka's own Uuid.randomUuid, never one that starts with "-": StorageTool would read `-t -x…`
 * as an option and refuse to format (1 id in 64 otherwise).
 */
export function newClusterId(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export interface KafkaNodeOptions {
  home: string;
  libDir: string;
  javaBin: string;
  heap: string;
  /** The node's own directory (server.properties, log4j.properties and `log/`). */
  dir: string;
  node: KafkaNode;
  voters: KafkaNode[];
  clusterId: string;
  /** The child's name (log file, pid file). */
  name: string;
  sasl?: KafkaSaslListener;
}

/** Formats the node's storage on its first start, then runs it. Starting it again reuses the data. */
export async function startKafkaNode(o: KafkaNodeOptions, supervisor: Supervisor): Promise<Child> {
  const logDir = path.join(o.dir, 'log');
  await mkdir(logDir, { recursive: true });
  const propsFile = path.join(o.dir, 'server.properties');
  const log4jFile = path.join(o.dir, 'log4j.properties');
  await writeFile(
    propsFile,
    serverProperties({
      logDir,
      port: o.node.port,
      controllerPort: o.node.controllerPort,
      nodeId: o.node.nodeId,
      voters: o.voters,
      ...(o.sasl ? { sasl: o.sasl } : {}),
    }),
  );
  await writeFile(log4jFile, LOG4J);
  const jvm = [markerArg(o.home), `-Dlog4j.configuration=file:${log4jFile}`, '-cp', path.join(o.libDir, '*')];
  if (!existsSync(path.join(logDir, 'meta.properties'))) {
    const scram = Object.entries(o.sasl?.scramUsers ?? {}).flatMap(([name, password]) => [
      '--add-scram',
      `SCRAM-SHA-512=[name=${name},password=${password}]`,
    ]);
    try {
      await run(
        o.javaBin,
        [...jvm, 'kafka.tools.StorageTool', 'format', '-c', propsFile, '-t', o.clusterId, '-g', ...scram],
        { timeout: 120_000 },
      );
    } catch (error) {
      throw new StackError(
        'KAFKA_FAILED',
        `formatting Kafka storage in ${logDir} failed: ${(error as Error).message.split('\n')[0]} ${
          (error as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' | ') ?? ''
        }`.trim(),
      );
    }
  }
  return supervisor.spawn({
    name: o.name,
    command: o.javaBin,
    args: [
      `-Xms${o.heap}`,
      `-Xmx${o.heap}`,
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      ...jvm,
      'kafka.Kafka',
      propsFile,
    ],
  });
}

/** The single node of the default stack (and of tests that stop their own broker). */
export async function startKafka(
  o: KafkaOptions & { sasl?: KafkaSaslListener },
  supervisor: Supervisor,
): Promise<Child> {
  const [node] = kafkaNodes(1, o.port, o.controllerPort);
  const dir = kafkaNodeDir(o.dataDir, 1, 1);
  return startKafkaNode(
    {
      ...o,
      dir,
      node: node!,
      voters: [node!],
      clusterId: newClusterId(),
      name: 'kafka',
    },
    supervisor,
  );
}

export interface KafkaCluster {
  nodes: KafkaNode[];
  /** `host:port,…` of every broker. */
  brokers: string;
  children: Child[];
  /** Starts one node again after it stopped (same data, same ports). */
  restart(nodeId: number): Promise<Child>;
}

/**
 * Starts `count` combined nodes sharing one cluster id (read from node 1's storage when it exists,
 * so a restart reuses the cluster) and returns once every process is spawned; see waitForKafka.
 */
export async function startKafkaCluster(
  o: KafkaOptions & { count: number },
  supervisor: Supervisor,
): Promise<KafkaCluster> {
  if (o.count === 1) {
    const child = await startKafka(o, supervisor);
    const nodes = kafkaNodes(1, o.port, o.controllerPort);
    return { nodes, brokers: brokerList(nodes), children: [child], restart: () => startKafka(o, supervisor) };
  }
  const nodes = kafkaNodes(o.count, o.port, o.controllerPort);
  for (const node of nodes) {
    for (const port of [node.port, node.controllerPort]) {
      if (!(await portIsFree(port))) {
        throw new StackError(
          'PORT_IN_USE',
          `port ${port} for Kafka node ${node.nodeId} is already in use: node i uses EVENTLENS_KAFKA_PORT + 2i and EVENTLENS_KAFKA_CONTROLLER_PORT + 2i; set them to free ranges`,
        );
      }
    }
  }
  const meta = kafkaMetaFile(o.dataDir, o.count);
  const clusterId = existsSync(meta) ? await readClusterId(meta) : newClusterId();
  const startNode = (node: KafkaNode) =>
    startKafkaNode(
      {
        ...o,
        dir: kafkaNodeDir(o.dataDir, o.count, node.nodeId),
        node,
        voters: nodes,
        clusterId,
        name: `kafka-${node.nodeId}`,
      },
      supervisor,
    );
  // Formatting runs a JVM per node: in parallel, so three nodes cost little more than one.
  const children = await Promise.all(nodes.map(startNode));
  return {
    nodes,
    brokers: brokerList(nodes),
    children,
    restart: (nodeId) => startNode(nodes.find((n) => n.nodeId === nodeId)!),
  };
}

/**
 * Ready means a client's metadata request succeeds and lists every broker, not merely that a port
 * is open. `children` are watched so a node that dies during start-up fails at once.
 */
export async function waitForKafka(
  brokers: string,
  children: Child | Child[],
  timeoutMs: number,
  options: { expectBrokers?: number; client?: Partial<KafkaConfig> } = {},
): Promise<void> {
  const watched = Array.isArray(children) ? children : [children];
  const expected = options.expectBrokers ?? 1;
  const kafka = new Kafka({
    clientId: 'eventlens-stack',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    ...options.client,
  });
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  for (const child of watched) void child.exited.then((how) => (exited ??= `${child.name}: ${how}`));
  const logs = watched.map((c) => c.logFile).join(', ');
  let lastError = '';
  while (Date.now() < deadline) {
    if (exited)
      throw new StackError('KAFKA_FAILED', `Kafka stopped during start-up (${exited}); see ${logs}`);
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length >= expected && cluster.controller !== null) return;
      lastError = `${cluster.brokers.length} of ${expected} brokers registered`;
    } catch (error) {
      lastError = (error as Error).message;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new StackError(
    'KAFKA_FAILED',
    `Kafka did not answer on ${brokers} within ${timeoutMs / 1000}s (${lastError}); see ${logs}`,
  );
}
