/**
 * An existing Kafka that requires SASL, and a registry that requires basic auth, reached through
 * the documented variables (EVENTLENS_KAFKA_SASL_*, EVENTLENS_REGISTRY_USERNAME/_PASSWORD) and the
 * one shared builder of kafkajs options (kafkaClientOptions in contracts).
 * The broker is a private one with SASL_PLAINTEXT and SASL_SSL listeners (SCRAM-SHA-512 users created
 * when its storage is formatted, PLAIN users in its config, a throw-away CA made with openssl for
 * TLS); the registry is the shared stack's behind a
 * local proxy that demands basic auth. The shared stack is not touched.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createCommandSide, loadConfig, type CommandSide } from '@eventlens/command-side';
import { createCodec, kafkaClientOptions, TOPICS, type KafkaSecurity } from '@eventlens/contracts';
import {
  ensureTopics,
  findJava,
  freePortRun,
  loadConfig as loadStackConfig,
  stackForTests,
  stackTopics,
  startKafka,
  Supervisor,
  waitForKafka,
} from '@eventlens/stack';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificates } from './tls';

const SCRAM_USER = 'eventlens-scram';
const SCRAM_PASSWORD = `scram-${randomUUID()}`;
const PLAIN_USER = 'eventlens-plain';
const PLAIN_PASSWORD = `plain-${randomUUID()}`;
const REGISTRY_USER = 'eventlens-registry';
const REGISTRY_PASSWORD = `registry-${randomUUID()}`;

/** A client of the SASL listener, built the way every service builds it. */
function client(brokers: string, security: KafkaSecurity): Kafka {
  return new Kafka({
    clientId: 'sasl-test',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 0 },
    ...kafkaClientOptions(security),
  });
}

const sasl = (mechanism: 'plain' | 'scram-sha-512', username: string, password: string): KafkaSecurity => ({
  ssl: false,
  sasl: { mechanism, username, password },
});

/** The shared registry behind basic auth: 401 without the right credentials, else forwarded. */
async function basicAuthRegistry(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const expected = `Basic ${Buffer.from(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`).toString('base64')}`;
  const upstream = new URL(target);
  const server = http.createServer(async (req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, {
        'www-authenticate': 'Basic realm="registry"',
        'content-type': 'application/json',
      });
      res.end('{"error_code":401,"message":"Unauthorized"}');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(
        ([name]) => !['host', 'authorization', 'connection', 'content-length'].includes(name),
      ),
    ) as Record<string, string>;
    const answer = await fetch(`${upstream.origin}${req.url}`, {
      method: req.method,
      headers,
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    res.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
    });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('Kafka with SASL and a registry with basic auth', () => {
  const stackConfig = loadStackConfig();
  let home: string;
  let supervisor: Supervisor;
  let saslBrokers: string;
  let tlsBrokers: string;
  let caFile: string;
  let registry: { url: string; close(): Promise<void> };
  let commandSide: CommandSide | undefined;

  beforeAll(async () => {
    const dev = await stackForTests();
    registry = await basicAuthRegistry(dev.registryUrl);
    home = await mkdtemp(path.join(os.tmpdir(), 'eventlens-sasl-'));
    supervisor = new Supervisor(path.join(home, 'logs'), path.join(home, 'run'), () => undefined);
    // Four listeners of one broker, below the ephemeral range (stack's freePortRun says why).
    const base = await freePortRun(4);
    const ports = { port: base, controllerPort: base + 1 };
    const saslPort = base + 2;
    saslBrokers = `127.0.0.1:${saslPort}`;
    const tlsPort = base + 3;
    tlsBrokers = `127.0.0.1:${tlsPort}`;
    const certificates = await makeCertificates(home);
    caFile = certificates.caFile;
    const javaBin = (
      await findJava({
        minMajor: 17,
        preferHomes: [stackConfig.javaHome],
        purpose: 'Kafka',
        envHint: 'JAVA_HOME',
      })
    ).bin;
    const child = await startKafka(
      {
        home,
        dataDir: path.join(home, 'data'),
        libDir: path.join(stackConfig.cacheDir, `kafka-${stackConfig.kafkaVersion}`, 'lib'),
        javaBin,
        ...ports,
        heap: '512m',
        sasl: {
          port: saslPort,
          scramUsers: { [SCRAM_USER]: SCRAM_PASSWORD },
          plainUsers: { [PLAIN_USER]: PLAIN_PASSWORD },
          tls: { port: tlsPort, keystoreFile: certificates.keystoreFile },
        },
      },
      supervisor,
    );
    // Ready, and the topics made, through the SASL listener with the same options the services use.
    const scram = kafkaClientOptions(sasl('scram-sha-512', SCRAM_USER, SCRAM_PASSWORD));
    await waitForKafka(saslBrokers, child, 90_000, { client: scram });
    await ensureTopics(saslBrokers, stackTopics(2), scram);
  }, 120_000);

  afterAll(async () => {
    await commandSide?.stop().catch(() => undefined);
    await registry?.close();
    await supervisor?.stopAll(5_000);
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('the ingestion API appends through SCRAM-SHA-512 and registers through basic auth; the event is in the log', async () => {
    const adminToken = `test-admin-${randomUUID()}`;
    commandSide = createCommandSide(
      loadConfig({
        EVENTLENS_KAFKA_BROKERS: saslBrokers,
        EVENTLENS_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        EVENTLENS_KAFKA_SASL_USERNAME: SCRAM_USER,
        EVENTLENS_KAFKA_SASL_PASSWORD: SCRAM_PASSWORD,
        EVENTLENS_REGISTRY_URL: registry.url,
        EVENTLENS_REGISTRY_USERNAME: REGISTRY_USER,
        EVENTLENS_REGISTRY_PASSWORD: REGISTRY_PASSWORD,
        EVENTLENS_SESSION_SECRET: 'sasl-test-session-secret',
        EVENTLENS_ADMIN_TOKEN: adminToken,
      }),
      { defaultMetrics: false },
    );
    await commandSide.start();
    // Ready needs the admin tail's first fetch, after its group's first join on this fresh broker
    // (seconds; a join that found no coordinator in time is started again, service-kit's
    // restartAfterCrash). The bound is for a loaded 2-core machine.
    await commandSide.whenReady(120_000);
    const { url } = await commandSide.listen(0, '127.0.0.1');
    const admin = async (route: string, body: unknown) => {
      const res = await fetch(`${url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as Record<string, string>;
    };
    const project = await admin('/v1/admin/projects', { name: 'sasl' });
    const { key } = await admin(`/v1/admin/projects/${project.project_id}/keys`, { kind: 'write' });
    const eventId = randomUUID();
    const res = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ api_key: key, event_name: 'sasl_click', event_id: eventId }),
    });
    expect(res.status).toBe(202);

    // Read back with PLAIN credentials, decoding through the authenticated registry.
    const codec = createCodec({
      registryUrl: registry.url,
      auth: { username: REGISTRY_USER, password: REGISTRY_PASSWORD },
    });
    const consumer = client(saslBrokers, sasl('plain', PLAIN_USER, PLAIN_PASSWORD)).consumer({
      groupId: `sasl-check-${randomUUID()}`,
    });
    await consumer.connect();
    const found = new Promise<void>((resolve) => {
      void consumer.subscribe({ topic: TOPICS.events, fromBeginning: true }).then(() =>
        consumer.run({
          eachMessage: async ({ message }) => {
            const decoded = await codec.decode(message.value!);
            if (decoded.type === 'EventTracked' && decoded.value.event_id === eventId) resolve();
          },
        }),
      );
    });
    try {
      await Promise.race([
        found,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('event not read back in 30 s')), 30_000),
        ),
      ]);
    } finally {
      await consumer.disconnect();
    }
  });

  it('over TLS (SASL_SSL): the command side trusts the CA of EVENTLENS_KAFKA_SSL_CA_FILE and gets ready (producer and admin tail connected); a client without that CA is refused', async () => {
    const side = createCommandSide(
      loadConfig({
        EVENTLENS_KAFKA_BROKERS: tlsBrokers,
        EVENTLENS_KAFKA_SSL: 'true',
        EVENTLENS_KAFKA_SSL_CA_FILE: caFile,
        EVENTLENS_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        EVENTLENS_KAFKA_SASL_USERNAME: SCRAM_USER,
        EVENTLENS_KAFKA_SASL_PASSWORD: SCRAM_PASSWORD,
        EVENTLENS_REGISTRY_URL: registry.url,
        EVENTLENS_REGISTRY_USERNAME: REGISTRY_USER,
        EVENTLENS_REGISTRY_PASSWORD: REGISTRY_PASSWORD,
        EVENTLENS_SESSION_SECRET: 'tls-test-session-secret',
        EVENTLENS_ADMIN_TOKEN: `test-admin-${randomUUID()}`,
      }),
      { defaultMetrics: false },
    );
    try {
      await side.start();
      await side.whenReady(120_000);
      const { url } = await side.listen(0, '127.0.0.1');
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      await side.stop();
    }
    const untrusting = client(tlsBrokers, {
      ssl: { rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: SCRAM_USER, password: SCRAM_PASSWORD },
    }).producer();
    await expect(untrusting.connect()).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    await untrusting.disconnect().catch(() => undefined);
  });

  it('a wrong SCRAM password fails with a clear authentication error', async () => {
    const producer = client(saslBrokers, sasl('scram-sha-512', SCRAM_USER, 'not-the-password')).producer();
    await expect(producer.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
    await producer.disconnect().catch(() => undefined);
  });

  it('a wrong PLAIN password fails with a clear authentication error', async () => {
    const producer = client(saslBrokers, sasl('plain', PLAIN_USER, 'not-the-password')).producer();
    await expect(producer.connect()).rejects.toThrow(/SASL PLAIN authentication failed/);
    await producer.disconnect().catch(() => undefined);
  });

  it('a wrong registry password is refused with a message naming the variables', async () => {
    const codec = createCodec({
      registryUrl: registry.url,
      auth: { username: REGISTRY_USER, password: 'nope' },
    });
    await expect(codec.register()).rejects.toThrow(
      /refused the credentials \(HTTP 401\).*EVENTLENS_REGISTRY_PASSWORD/,
    );
  });
});
