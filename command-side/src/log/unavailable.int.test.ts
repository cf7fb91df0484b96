/**
 * When Kafka cannot be reached: 503 with Retry-After, at once, and never a 2xx. The shared Kafka is
 * never stopped: these instances point their producer at a loopback port where nothing listens.
 */
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { generateApiKey, hashApiKey } from '@eventlens/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyDirectory } from '../admin/directory';
import { createApp } from '../app';
import { createCommandSide, type CommandSide } from '../command-side';
import { createMetrics } from '../http/metrics';
import { createEventRateLimiter } from '../http/rate-limit';
import { silentLogger } from '@eventlens/service-kit';
import type { Appender } from './appender';
import { createBreaker } from './breaker';
import { createGroupCommit } from './group-commit';
import { createKafkaLog, type KafkaLog } from './kafka-log';
import type { ISocketFactory } from 'kafkajs';
import {
  adminClient,
  createTestTopics,
  deadPort,
  deleteTestTopics,
  startCommandSide,
  testConfig,
  testStack,
  type TestStack,
} from '../test-support';
import { eventually } from '@eventlens/stack/eventually';

/** How long the group commit waits for Kafka to acknowledge an append, in ms. */
const APPEND_TIMEOUT_MS = 5000;

let stack: TestStack;
beforeAll(async () => {
  stack = await testStack();
});

async function postEvent(url: string, key: string) {
  const started = performance.now();
  const response = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: key, event_name: 'while_down' }),
  });
  const body = (await response.json()) as { error?: { code: string } };
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    code: body.error?.code,
    ms: performance.now() - started,
  };
}

describe('a producer whose broker is unreachable', () => {
  const projectId = randomUUID();
  const key = generateApiKey('write');
  let kafkaLog: KafkaLog;
  let url: string;
  let close: () => Promise<void>;
  let appendsReachingKafka = 0;

  beforeAll(async () => {
    // The same pieces as createCommandSide, with the directory fed by hand and a dead broker.
    const directory = createKeyDirectory();
    directory.apply({
      type: 'ProjectCreated',
      value: { project_id: projectId, name: 'p', created_at: Date.now(), created_by: null },
    });
    directory.apply({
      type: 'ApiKeyIssued',
      value: {
        key_id: randomUUID(),
        project_id: projectId,
        kind: 'write',
        name: 'k',
        key_hash: hashApiKey(key),
        key_prefix: key.slice(0, 10),
        issued_at: Date.now(),
      },
    });
    const metrics = createMetrics({ defaultMetrics: false });
    kafkaLog = createKafkaLog({
      brokers: [`127.0.0.1:${await deadPort()}`],
      clientId: 'command-side-test-dead',
      logger: silentLogger,
    });
    void kafkaLog.connect();
    const committer = createGroupCommit(kafkaLog, {
      lingerMs: 2,
      maxRecords: 5000,
      maxBytes: 768 * 1024,
      timeoutMs: APPEND_TIMEOUT_MS,
    });
    // Counts the appends that get past the breaker: once it is open, none should.
    const counted: Appender = {
      append: (records) => {
        appendsReachingKafka++;
        return committer.append(records);
      },
    };
    const breaker = createBreaker(counted, {
      resetTimeoutMs: 5000,
      errorThresholdPercentage: 50,
      volumeThreshold: 5,
      onStateChange: metrics.setBreakerState,
    });
    const notReady = () => undefined;
    const app = createApp({
      ingest: {
        directory,
        appender: breaker,
        codec: stack.codec,
        limiter: createEventRateLimiter({ eventsPerSecond: 1000, burst: 0 }),
        eventsTopic: 'never.written',
        notReady,
        catchUp: async () => undefined,
        now: Date.now,
        newId: randomUUID,
      },
      admin: {
        directory,
        appender: breaker,
        codec: stack.codec,
        adminTopic: 'never.written.admin',
        auth: { sessionSecret: 'unused-secret-0123456789', adminToken: undefined },
        notReady,
        catchUp: async () => undefined,
        now: Date.now,
        newId: randomUUID,
      },
      metrics,
      checks: () => [],
      logger: silentLogger,
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    close = async () => {
      await new Promise((resolve) => server.close(resolve));
      breaker.shutdown();
      await committer.close();
      await kafkaLog.disconnect();
    };
  });

  afterAll(() => close?.());

  it('answers 503 with Retry-After quickly, and once the circuit is open without trying Kafka', async () => {
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await postEvent(url, key));
    console.log(`while down: ${answers.map((a) => `${a.status}/${a.ms.toFixed(0)}ms`).join(' ')}`);
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.code).toBe('LOG_UNAVAILABLE');
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      // The refused connection answers, not the append's 5 s timeout (the group commit's, above):
      // no request waits it out. Not a tighter stopwatch: on a loaded machine the first answer,
      // which goes through the producer's connection retries, took 1.7 s.
      expect(answer.ms).toBeLessThan(APPEND_TIMEOUT_MS);
    }
    // The circuit opens after 5 failures: from then on the answer does not involve Kafka at all
    // (counted, rather than timed: a stopwatch under a loaded machine says nothing about Kafka).
    expect(appendsReachingKafka).toBeLessThanOrEqual(6);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('eventlens_breaker_state 2');
    expect(metrics).not.toMatch(/eventlens_events_accepted_total\{[^}]*\} [1-9]/);
  });

  it('still answers admin commands with 503, not 2xx', async () => {
    // Admin by token is off on this instance: a valid session is needed to get as far as the log.
    const { issueSessionToken } = await import('@eventlens/contracts');
    const cookie = `eventlens_session=${issueSessionToken({ user_id: 'u', email: 'e@x.y' }, 'unused-secret-0123456789')}`;
    const response = await fetch(`${url}/v1/admin/projects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-eventlens-csrf': '1' },
      body: JSON.stringify({ name: 'never created' }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBeTruthy();
  });
});

describe('an instance started while Kafka is unreachable', () => {
  let commandSide: CommandSide;
  let url: string;
  let config: ReturnType<typeof testConfig>;

  beforeAll(async () => {
    config = testConfig(
      { brokers: [`127.0.0.1:${await deadPort()}`], registryUrl: stack.registryUrl },
      { events: 'never.events', admin: 'never.admin' },
    );
    commandSide = createCommandSide(config, { defaultMetrics: false });
    ({ url } = await commandSide.listen());
    void commandSide.start();
  });

  afterAll(async () => {
    const started = Date.now();
    await commandSide?.stop();
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it('is alive but not ready, naming what it waits for', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as {
      error: { message: string };
      checks: Record<string, { ok: boolean }>;
    };
    expect(body.checks.kafka!.ok).toBe(false);
    expect(body.checks.adminDirectory!.ok).toBe(false);
    expect(body.error.message).toContain('kafka');
  });

  it('refuses events with 503 and Retry-After at once rather than guessing about keys', async () => {
    const answer = await postEvent(url, generateApiKey('write'));
    expect(answer).toMatchObject({ status: 503, code: 'NOT_READY', retryAfter: '1' });
    // "At once": refused before an append is tried, so without waiting out the append deadline.
    expect(answer.ms).toBeLessThan(config.appendTimeoutMs);
  });
});

describe('a broker that goes silent while connected, and comes back', () => {
  // Every connection to the real broker goes through this switch. Cutting it is a network
  // partition: open sockets go silent (no FIN, no RST: kafkajs notices nothing and waits for its
  // request timeouts) and new connections reach a server that accepts and never answers.
  const sockets = new Set<Socket>();
  let cut = false;
  const blackHole = createServer((socket) => socket.on('error', () => undefined));
  const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const target = cut
      ? { host: '127.0.0.1', port: (blackHole.address() as { port: number }).port }
      : { host, port };
    const socket = connect(target, onConnect);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    return socket;
  };
  const silence = () => {
    cut = true;
    for (const socket of sockets) {
      socket.pause();
      // Swallow writes: nothing goes out, nothing comes back.
      socket.write = (() => true) as typeof socket.write;
    }
  };

  let url: string;
  let key: string;
  let close: () => Promise<void>;
  let topics: { events: string; admin: string };

  beforeAll(async () => {
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    topics = await createTestTopics(stack);
    const config = testConfig(stack, topics, {
      appendTimeoutMs: 1500,
      breaker: { resetTimeoutMs: 1000, errorThresholdPercentage: 50, volumeThreshold: 3 },
    });
    // A normal instance issues the key into the test's admin topic…
    const issuer = await startCommandSide(config);
    ({ key } = await adminClient(issuer.url).projectWithKey('cut'));
    await issuer.stop();
    // …and one whose producer's network the test controls serves the requests.
    const commandSide = createCommandSide(config, {
      defaultMetrics: false,
      kafkaSocketFactory: socketFactory,
    });
    ({ url } = await commandSide.listen());
    await commandSide.whenReady(30_000);
    close = () => commandSide.stop();
  });

  afterAll(async () => {
    cut = false;
    await close?.();
    blackHole.close();
    for (const socket of sockets) socket.destroy();
    if (topics) await deleteTestTopics(stack, topics);
  });

  it('answers 503 while it is gone (fast once the circuit opens), and 202 again after it is back', async () => {
    expect((await postEvent(url, key)).status).toBe(202);

    silence();
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await postEvent(url, key));
    console.log(`after the cut: ${answers.map((a) => `${a.status}/${a.ms.toFixed(0)}ms`).join(' ')}`);
    expect(answers.every((a) => a.status === 503 && Number(a.retryAfter) >= 1)).toBe(true);
    // No answer waits longer than the append deadline, and the open circuit answers at once.
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(2000);
    expect(answers.at(-1)!.ms).toBeLessThan(100);

    cut = false;
    const back = Date.now();
    await eventually(
      'a 202 once the broker is back',
      async () => (await postEvent(url, key)).status === 202,
      {
        timeoutMs: 15_000,
        intervalMs: 200,
      },
    );
    console.log(`accepting again ${Date.now() - back} ms after the broker came back`);
  });
});
