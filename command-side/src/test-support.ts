/**
 * Integration-test fixtures (not exported from the package): the running stack from
 * `stackForTests()`, topics with unique names per test file, a command-side instance on a free
 * loopback port, and a collector of the records a topic receives.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createCodec, type AnyEvent, type Codec } from '@eventlens/contracts';
import { stackForTests } from '@eventlens/stack';
import { registerForTests } from '@eventlens/stack/schemas';
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { createCommandSide, type CommandSide, type CommandSideOptions } from './command-side';
import type { CommandSideConfig } from './config';
import { createTopicsServed } from '@eventlens/stack/topics';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const SESSION_SECRET = 'test-session-secret-0123456789';

export interface TestStack {
  brokers: string[];
  registryUrl: string;
  kafka: Kafka;
  codec: Codec;
}

export async function testStack(): Promise<TestStack> {
  const dev = await stackForTests();
  const brokers = dev.kafkaBrokers.split(',');
  const codec = createCodec({ registryUrl: dev.registryUrl });
  await registerForTests(codec);
  return {
    brokers,
    registryUrl: dev.registryUrl,
    kafka: new Kafka({ clientId: 'command-side-tests', brokers, logLevel: logLevel.NOTHING }),
    codec,
  };
}

/** `test.<random>.events` (4 partitions) and `test.<random>.admin` (1 partition), like the real ones. */
export async function createTestTopics(stack: TestStack): Promise<{ events: string; admin: string }> {
  const id = randomBytes(6).toString('hex');
  const topics = { events: `test.${id}.events`, admin: `test.${id}.admin` };
  const admin = stack.kafka.admin();
  await admin.connect();
  try {
    await createTopicsServed(admin, [
      { topic: topics.events, numPartitions: 4, replicationFactor: 1 },
      { topic: topics.admin, numPartitions: 1, replicationFactor: 1 },
    ]);
  } finally {
    await admin.disconnect();
  }
  return topics;
}

export async function deleteTestTopics(
  stack: TestStack,
  topics: { events: string; admin: string },
): Promise<void> {
  const admin = stack.kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topics.events, topics.admin] });
  } catch {
    // Leftover test topics are harmless; the stack is shared and never reset from a test.
  } finally {
    await admin.disconnect();
  }
}

export function testConfig(
  stack: Pick<TestStack, 'brokers' | 'registryUrl'>,
  topics: { events: string; admin: string },
  overrides: Partial<CommandSideConfig> = {},
): CommandSideConfig {
  return {
    kafkaBrokers: stack.brokers,
    registryUrl: stack.registryUrl,
    sessionSecret: SESSION_SECRET,
    adminToken: ADMIN_TOKEN,
    http: { port: 0, host: '127.0.0.1' },
    topics,
    rateLimit: { eventsPerSecond: 1000, burst: 2000 },
    groupCommit: { lingerMs: 2, maxRecords: 5000, maxBytes: 768 * 1024 },
    appendTimeoutMs: 5000,
    breaker: { resetTimeoutMs: 5000, errorThresholdPercentage: 50, volumeThreshold: 5 },
    clientId: 'command-side-test',
    ...overrides,
  };
}

export interface RunningCommandSide {
  commandSide: CommandSide;
  url: string;
  stop(): Promise<void>;
}

export async function startCommandSide(
  config: CommandSideConfig,
  options: CommandSideOptions = {},
): Promise<RunningCommandSide> {
  const commandSide = createCommandSide(config, { defaultMetrics: false, ...options });
  const { url } = await commandSide.listen();
  await commandSide.whenReady(30_000);
  return { commandSide, url, stop: () => commandSide.stop() };
}

/** Admin API calls with the admin token. */
export function adminClient(url: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  return {
    call,
    async projectWithKey(name = 'test project'): Promise<{ projectId: string; key: string; keyId: string }> {
      const project = await call('POST', '/v1/admin/projects', { name });
      if (project.status !== 201) throw new Error(`creating a project: ${JSON.stringify(project)}`);
      const projectId = project.body.project_id as string;
      const issued = await call('POST', `/v1/admin/projects/${projectId}/keys`, { kind: 'write' });
      if (issued.status !== 201) throw new Error(`issuing a key: ${JSON.stringify(issued)}`);
      return { projectId, key: issued.body.key as string, keyId: issued.body.key_id as string };
    },
  };
}

/**
 * Two command-side instances on topics of their own, sharing one admin topic (so each one's
 * directory follows what the other appends), an admin client of the first, and a reader of the
 * admin topic: the setup of the admin tests. `stop` undoes it all, also after a failed start.
 */
export interface AdminPair {
  stack: TestStack;
  topics: { events: string; admin: string };
  first: RunningCommandSide;
  second: RunningCommandSide;
  admin: ReturnType<typeof adminClient>;
  adminLog: Awaited<ReturnType<typeof collectTopic>>;
  stop(): Promise<void>;
}

export async function startAdminPair(): Promise<AdminPair> {
  const stack = await testStack();
  const topics = await createTestTopics(stack);
  const started: RunningCommandSide[] = [];
  let adminLog: Awaited<ReturnType<typeof collectTopic>> | undefined;
  const stop = async () => {
    await adminLog?.stop();
    await Promise.all(started.map((s) => s.stop()));
    await deleteTestTopics(stack, topics);
  };
  try {
    const [first, second] = await Promise.all(
      [0, 1].map(async () => {
        const s = await startCommandSide(testConfig(stack, topics));
        started.push(s);
        return s;
      }),
    );
    adminLog = await collectTopic(stack, topics.admin);
    return { stack, topics, first: first!, second: second!, admin: adminClient(first!.url), adminLog, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface CollectedRecord {
  partition: number;
  offset: string;
  key: string;
  value: Buffer;
  event: AnyEvent;
}

/** Reads a topic from the start into memory for the duration of a test file. */
export async function collectTopic(stack: TestStack, topic: string) {
  const records: CollectedRecord[] = [];
  const consumer: Consumer = stack.kafka.consumer({
    groupId: `command-side-test.${randomBytes(6).toString('hex')}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }: { partition: number; message: KafkaMessage }) => {
      records.push({
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? '',
        value: message.value!,
        event: await stack.codec.decode(message.value!),
      });
    },
  });
  return {
    records,
    /** Waits until `predicate` holds for the records seen so far. */
    async until<T>(
      predicate: (all: CollectedRecord[]) => T | undefined | false,
      timeoutMs = 15_000,
    ): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const result = predicate(records);
        if (result) return result;
        if (Date.now() > deadline)
          throw new Error(`records did not arrive within ${timeoutMs} ms (${records.length} seen)`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop: () => consumer.disconnect(),
  };
}

/** A loopback port where nothing listens (bound, then released). */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function eventIdOf(record: CollectedRecord): string | undefined {
  return record.event.type === 'EventTracked' ? record.event.value.event_id : undefined;
}
