/** Apache Kafka in KRaft mode: one combined broker + controller on loopback. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { StackError } from './errors';
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

export function serverProperties(o: { logDir: string; port: number; controllerPort: number }): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${o.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${o.port},CONTROLLER://127.0.0.1:${o.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${o.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${o.logDir}`,
    // Topics are created by the project with explicit settings, never by a typo in a client.
    'auto.create.topics.enable=false',
    'num.partitions=1',
    // A single node: internal topics cannot have more than one replica.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
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

/** A KRaft cluster id: 16 random bytes, base64url without padding (what StorageTool random-uuid prints). */
export function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

export async function startKafka(o: KafkaOptions, supervisor: Supervisor): Promise<Child> {
  const dir = path.join(o.dataDir, 'kafka');
  const logDir = path.join(dir, 'log');
  await mkdir(logDir, { recursive: true });
  const propsFile = path.join(dir, 'server.properties');
  const log4jFile = path.join(dir, 'log4j.properties');
  await writeFile(propsFile, serverProperties({ logDir, port: o.port, controllerPort: o.controllerPort }));
  await writeFile(log4jFile, LOG4J);
  const jvm = [markerArg(o.home), `-Dlog4j.configuration=file:${log4jFile}`, '-cp', path.join(o.libDir, '*')];
  if (!existsSync(path.join(logDir, 'meta.properties'))) {
    try {
      await run(
        o.javaBin,
        [...jvm, 'kafka.tools.StorageTool', 'format', '-c', propsFile, '-t', newClusterId(), '-g'],
        {
          timeout: 120_000,
        },
      );
    } catch (error) {
      throw new StackError(
        'KAFKA_FAILED',
        `formatting Kafka storage in ${logDir} failed: ${(error as Error).message.split('\n')[0]}`,
      );
    }
  }
  return supervisor.spawn({
    name: 'kafka',
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

/** Ready means a client's metadata request succeeds, not merely that the port is open. */
export async function waitForKafka(brokers: string, child: Child, timeoutMs: number): Promise<void> {
  const kafka = new Kafka({
    clientId: 'eventlens-stack',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  void child.exited.then((how) => (exited = how));
  let lastError = '';
  while (Date.now() < deadline) {
    if (exited)
      throw new StackError('KAFKA_FAILED', `Kafka stopped during start-up (${exited}); see ${child.logFile}`);
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return;
    } catch (error) {
      lastError = (error as Error).message;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new StackError(
    'KAFKA_FAILED',
    `Kafka did not answer on ${brokers} within ${timeoutMs / 1000}s (${lastError}); see ${child.logFile}`,
  );
}
