/**
 * Invariant 1 with the broker really stopped: under a steady load, while Kafka is down the
 * ingestion API answers only 503 (with Retry-After, fast once the breaker is open), and every event
 * that got a 202 — before, during or after the outage — is in the log once Kafka is back.
 * The broker is a private one started for this test; the shared stack is never touched.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCommandSide, loadConfig, type CommandSide } from '@eventlens/command-side';
import { createCodec, TOPICS } from '@eventlens/contracts';
import {
  findJava,
  freePortRun,
  loadConfig as loadStackConfig,
  stackForTests,
  startKafka,
  Supervisor,
  waitForKafka,
  ensureTopics,
  stackTopics,
} from '@eventlens/stack';
import { eventually } from '@eventlens/stack/eventually';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The command side's append deadline here: a 503 that waited on Kafka takes at least this long. */
const APPEND_TIMEOUT_MS = 1500;

describe('Kafka stopped under load', () => {
  const stackConfig = loadStackConfig();
  let home: string;
  let supervisor: Supervisor;
  let brokers: string;
  let ports: { port: number; controllerPort: number };
  let javaBin: string;
  let commandSide: CommandSide;
  let url: string;
  const adminToken = `test-admin-${randomUUID()}`;

  async function broker() {
    const child = await startKafka(
      {
        home,
        dataDir: path.join(home, 'data'),
        libDir: path.join(stackConfig.cacheDir, `kafka-${stackConfig.kafkaVersion}`, 'lib'),
        javaBin,
        ...ports,
        heap: '512m',
      },
      supervisor,
    );
    await waitForKafka(brokers, child, 90_000);
    return child;
  }

  beforeAll(async () => {
    const dev = await stackForTests();
    home = await mkdtemp(path.join(os.tmpdir(), 'eventlens-outage-'));
    supervisor = new Supervisor(path.join(home, 'logs'), path.join(home, 'run'), () => undefined);
    // Below the ephemeral range: the broker binds its port again after the outage.
    const base = await freePortRun(2);
    ports = { port: base, controllerPort: base + 1 };
    brokers = `127.0.0.1:${ports.port}`;
    javaBin = (
      await findJava({
        minMajor: 17,
        preferHomes: [stackConfig.javaHome],
        purpose: 'Kafka',
        envHint: 'JAVA_HOME',
      })
    ).bin;
    await broker();
    await ensureTopics(brokers, stackTopics(2));
    commandSide = createCommandSide(
      loadConfig({
        EVENTLENS_KAFKA_BROKERS: brokers,
        EVENTLENS_REGISTRY_URL: dev.registryUrl,
        EVENTLENS_SESSION_SECRET: 'outage-test-session-secret',
        EVENTLENS_ADMIN_TOKEN: adminToken,
        EVENTLENS_APPEND_TIMEOUT_MS: String(APPEND_TIMEOUT_MS),
        EVENTLENS_BREAKER_RESET_MS: '1000',
        EVENTLENS_RATE_LIMIT_EVENTS_PER_S: '100000',
      }),
      { defaultMetrics: false },
    );
    await commandSide.start();
    await commandSide.whenReady(60_000);
    url = (await commandSide.listen(0, '127.0.0.1')).url;
  });

  afterAll(async () => {
    await commandSide?.stop().catch(() => undefined);
    await supervisor?.stopAll(5_000);
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('answers only 202 or 503 while the broker goes away and comes back, and loses no 202', async () => {
    const admin = async (route: string, body: unknown) => {
      const res = await fetch(`${url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as Record<string, string>;
    };
    const project = await admin('/v1/admin/projects', { name: 'outage' });
    const { key } = await admin(`/v1/admin/projects/${project.project_id}/keys`, { kind: 'write' });

    const accepted = new Set<string>();
    const statuses = new Map<number, number>();
    const slow503: number[] = [];
    let phase: 'before' | 'down' | 'after' = 'before';
    let running = true;
    const worker = async () => {
      while (running) {
        const eventId = randomUUID();
        const started = performance.now();
        const res = await fetch(`${url}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({
            api_key: key,
            event_name: `load_${phase}`,
            event_id: eventId,
            session_id: 's',
          }),
        }).catch(() => undefined);
        if (!res) continue;
        const ms = performance.now() - started;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 202) accepted.add(eventId);
        if (res.status === 503) {
          expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
          if (phase === 'down') slow503.push(ms);
        }
        await res.arrayBuffer().catch(() => undefined);
        // The load's own pace: a client answered 503 pauses briefly before its next event.
        if (res.status === 503) await sleep(20);
      }
    };
    const workers = Array.from({ length: 8 }, worker);

    // The timeline is the scenario: 2 s of load with the broker up, 6 s with it gone, then back.
    await sleep(2_000);
    const acceptedBefore = accepted.size;
    expect(acceptedBefore).toBeGreaterThan(0);

    phase = 'down';
    await supervisor.stopAll(10_000); // SIGTERM, then SIGKILL: the broker is gone
    supervisor = new Supervisor(path.join(home, 'logs'), path.join(home, 'run'), () => undefined);
    const downSince = accepted.size;
    await sleep(6_000);
    const acceptedWhileDown = accepted.size - downSince;

    phase = 'after';
    await broker();
    const resumedFrom = accepted.size;
    try {
      await eventually('50 more 202s once the broker is back', () => accepted.size >= resumedFrom + 50, {
        timeoutMs: 60_000,
        intervalMs: 200,
      });
    } finally {
      running = false;
      await Promise.all(workers);
    }

    // Only 202 and 503 were ever answered; the outage produced 503s and (almost) no 202s.
    expect([...statuses.keys()].sort()).toEqual([202, 503]);
    expect(statuses.get(503)).toBeGreaterThan(10);
    // Requests already in a produce call when the broker stopped may still have been acknowledged.
    expect(acceptedWhileDown).toBeLessThanOrEqual(8);
    expect(accepted.size).toBeGreaterThan(resumedFrom + 49);
    // Once the breaker is open, 503s come without waiting on Kafka: most answer before the append
    // deadline, which every 503 that waited on the producer has to wait out.
    const sorted = [...slow503].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(APPEND_TIMEOUT_MS);

    // Every 202 is in the log.
    const codec = createCodec({ registryUrl: (await stackForTests()).registryUrl });
    const kafka = new Kafka({ clientId: 'outage-check', brokers: [brokers], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `outage-check-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.events, fromBeginning: true });
    const inLog = new Set<string>();
    await consumer.run({
      eachMessage: async ({ message }) => {
        const decoded = await codec.decode(message.value!);
        if (decoded.type === 'EventTracked') inLog.add(decoded.value.event_id);
      },
    });
    const missing = () => [...accepted].filter((id) => !inLog.has(id));
    try {
      await eventually(
        'every 202 in the log',
        () => {
          const left = missing().length;
          if (left > 0) throw new Error(`${left} of ${accepted.size} accepted events not in the log yet`);
          return true;
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
    } finally {
      await consumer.disconnect();
    }
    expect(missing()).toEqual([]);
  });
});
