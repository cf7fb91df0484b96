/**
 * PostgreSQL over TLS, configured only through the documented database URLs
 * (`?sslmode=verify-full&sslrootcert=<CA file>`): a private PostgreSQL server that refuses every
 * connection without TLS (pg_hba `hostnossl … reject`), with a certificate from a throw-away CA.
 * The projections (owner role) migrate and project into it and the query side (read-only role)
 * reads from it; an event goes in through the command side (on the running stack's Kafka and
 * registry, on topics of its own) and comes back out of the query API; every connection the two
 * services hold is encrypted; a client that does not trust the CA is refused.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createCommandSide, loadConfig, type CommandSide } from '@eventlens/command-side';
import {
  allTopics,
  loadConfig as loadProjectionsConfig,
  runProjections,
  topology,
} from '@eventlens/projections';
import { createApp, createReaderDb } from '@eventlens/query-side';
import { freePort, stackForTests } from '@eventlens/stack';
import { eventually } from '@eventlens/stack/eventually';
import { Kafka, logLevel } from 'kafkajs';
import type { Knex } from 'knex';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificates } from './tls';
import { createTopicsServed } from '@eventlens/stack/topics';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The PostgreSQL server binaries next to the machine's psql (Debian: /usr/lib/postgresql/<v>/bin). */
async function serverBin(): Promise<string> {
  const { stdout } = await run('pg_config', ['--bindir']).catch(async () => {
    const { stdout: ls } = await run('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1']);
    return { stdout: ls };
  });
  return stdout.trim();
}

describe('PostgreSQL over TLS', () => {
  const id = randomBytes(4).toString('hex');
  const prefix = `test-${id}`;
  const adminToken = `test-admin-${randomUUID()}`;
  const readerPassword = `reader-${randomBytes(8).toString('hex')}`;
  let home: string;
  let server: ChildProcess | undefined;
  let serverLog = '';
  let port: number;
  let caFile: string;
  let ownerUrl: string;
  let readerUrl: string;
  let kafka: Kafka;
  let topics: string[] = [];
  let projections: { ready: Promise<void>; stop(): Promise<void> } | undefined;
  let commandSide: CommandSide | undefined;
  let reader: Knex | undefined;
  let queryServer: Server | undefined;
  let queryUrl: string;
  let ingestUrl: string;

  beforeAll(async () => {
    const dev = await stackForTests();
    home = await mkdtemp(path.join(os.tmpdir(), 'eventlens-pgtls-'));
    const certificates = await makeCertificates(home);
    caFile = certificates.caFile;
    await chmod(certificates.keyFile, 0o600);
    await chmod(home, 0o755);

    // initdb and postgres refuse to run as root: as root, run them as the postgres user.
    const asServerUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
    if (asServerUser.length > 0) await run('chown', ['-R', 'postgres:postgres', home]);
    const bin = await serverBin();
    const dataDir = path.join(home, 'data');
    const exec = (file: string, args: string[]) =>
      asServerUser.length > 0
        ? run(asServerUser[0]!, [...asServerUser.slice(1), path.join(bin, file), ...args], {
            timeout: 120_000,
          })
        : run(path.join(bin, file), args, { timeout: 120_000 });
    await exec('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
    // TLS or nothing over TCP.
    await writeFile(
      path.join(dataDir, 'pg_hba.conf'),
      [
        'local all all trust',
        'hostssl all postgres 127.0.0.1/32 trust',
        'hostssl all all 127.0.0.1/32 scram-sha-256',
        'hostnossl all all 0.0.0.0/0 reject',
        '',
      ].join('\n'),
    );
    if (asServerUser.length > 0) await run('chown', ['postgres:postgres', path.join(dataDir, 'pg_hba.conf')]);

    port = await freePort();
    const args = [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      home,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'ssl=on',
      '-c',
      `ssl_cert_file=${certificates.certFile}`,
      '-c',
      `ssl_key_file=${certificates.keyFile}`,
      '-c',
      'fsync=off',
    ];
    server =
      asServerUser.length > 0
        ? spawn(asServerUser[0]!, [...asServerUser.slice(1), path.join(bin, 'postgres'), ...args])
        : spawn(path.join(bin, 'postgres'), args);
    server.stderr?.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));

    const tls = `sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`;
    ownerUrl = `postgres://postgres@127.0.0.1:${port}/eventlens?${tls}`;
    readerUrl = `postgres://eventlens_reader:${readerPassword}@127.0.0.1:${port}/eventlens?${tls}`;
    await eventually(
      `PostgreSQL on ${port}`,
      async () => {
        const client = new pg.Client({
          connectionString: `postgres://postgres@127.0.0.1:${port}/postgres?${tls}`,
        });
        await client.connect();
        try {
          await client.query(`create database eventlens encoding 'UTF8'`);
          await client.query(`create role eventlens_reader login password '${readerPassword}'`);
        } finally {
          await client.end();
        }
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${serverLog}`);
    });

    // Topics of this test's own on the stack's Kafka: the projections and the command side use them.
    const projectionsConfig = loadProjectionsConfig({
      EVENTLENS_KAFKA_BROKERS: dev.kafkaBrokers,
      EVENTLENS_REGISTRY_URL: dev.registryUrl,
      EVENTLENS_DATABASE_URL: ownerUrl,
      EVENTLENS_READER_ROLE: 'eventlens_reader',
      EVENTLENS_PROJECTIONS_PORT: '0',
      EVENTLENS_EVENTS_TOPIC: `${prefix}.events`,
      EVENTLENS_ADMIN_TOPIC: `${prefix}.admin`,
      EVENTLENS_FAILURE_TOPIC_PREFIX: prefix,
      EVENTLENS_GROUP_PREFIX: prefix,
      EVENTLENS_KAFKA_SESSION_TIMEOUT_MS: '6000',
      EVENTLENS_KAFKA_HEARTBEAT_INTERVAL_MS: '500',
      EVENTLENS_PG_POOL_SIZE: '4',
      EVENTLENS_LOG_LEVEL: 'error',
    });
    kafka = new Kafka({
      clientId: 'pg-tls-test',
      brokers: dev.kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    topics = allTopics(topology(projectionsConfig));
    await createTopicsServed(
      kafkaAdmin,
      topics.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
    );
    await kafkaAdmin.disconnect();

    projections = await runProjections(projectionsConfig);
    await projections.ready;
    commandSide = createCommandSide(
      loadConfig({
        EVENTLENS_KAFKA_BROKERS: dev.kafkaBrokers,
        EVENTLENS_REGISTRY_URL: dev.registryUrl,
        EVENTLENS_SESSION_SECRET: 'pg-tls-test-session-secret',
        EVENTLENS_ADMIN_TOKEN: adminToken,
        EVENTLENS_EVENTS_TOPIC: `${prefix}.events`,
        EVENTLENS_ADMIN_TOPIC: `${prefix}.admin`,
      }),
      { defaultMetrics: false },
    );
    await commandSide.start();
    await commandSide.whenReady(60_000);
    ingestUrl = (await commandSide.listen(0, '127.0.0.1')).url;

    reader = createReaderDb({ url: readerUrl, poolMax: 2 });
    const app = createApp({ db: reader, sessionSecret: 'pg-tls-test-session-secret' });
    queryServer = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    queryUrl = `http://127.0.0.1:${(queryServer!.address() as AddressInfo).port}`;
  }, 240_000);

  afterAll(async () => {
    await commandSide?.stop().catch(() => undefined);
    await projections?.stop().catch(() => undefined);
    await reader?.destroy().catch(() => undefined);
    queryServer?.closeAllConnections();
    await new Promise((resolve) => (queryServer ? queryServer.close(resolve) : resolve(undefined)));
    if (kafka && topics.length > 0) {
      const kafkaAdmin = kafka.admin();
      await kafkaAdmin.connect();
      await kafkaAdmin.deleteTopics({ topics }).catch(() => undefined);
      await kafkaAdmin.disconnect();
    }
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGINT'); // PostgreSQL's fast shutdown
      await Promise.race([exited, sleep(10_000)]);
      server.kill('SIGKILL');
    }
    if (home) await rm(home, { recursive: true, force: true });
  }, 60_000);

  it('an event goes in through the command side and out of the query API, over TLS only', async () => {
    const admin = async (route: string, body: unknown) => {
      const res = await fetch(`${ingestUrl}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as Record<string, string>;
    };
    const { project_id: projectId } = await admin('/v1/admin/projects', { name: 'tls' });
    const { key: writeKey } = await admin(`/v1/admin/projects/${projectId}/keys`, { kind: 'write' });
    const { key: readKey } = await admin(`/v1/admin/projects/${projectId}/keys`, { kind: 'read' });

    const eventId = randomUUID();
    const sent = await eventually(
      'the write key to be known',
      async () => {
        const res = await fetch(`${ingestUrl}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${writeKey}` },
          body: JSON.stringify({ event_name: 'tls_check', event_id: eventId, metadata: { over: 'tls' } }),
        });
        return res.status === 202 ? res.status : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(sent).toBe(202);

    const event = await eventually(
      'the event in the query API',
      async () => {
        const res = await fetch(`${queryUrl}/v1/events/${eventId}`, {
          headers: { authorization: `Bearer ${readKey}` },
        });
        return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(event).toMatchObject({ event_id: eventId, event_name: 'tls_check', metadata: { over: 'tls' } });

    // Every connection of both services is encrypted (and the server would refuse one that is not).
    const client = new pg.Client({ connectionString: ownerUrl });
    await client.connect();
    const { rows } = await client.query<{ application_name: string; ssl: boolean; usename: string }>(
      `select a.application_name, a.usename, s.ssl
         from pg_stat_activity a join pg_stat_ssl s using (pid)
        where a.backend_type = 'client backend' and a.application_name like 'eventlens%'`,
    );
    await client.end();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((r) => !r.ssl)).toEqual([]);
    expect(
      rows.some((r) => r.application_name === 'eventlens-query' && r.usename === 'eventlens_reader'),
    ).toBe(true);
    expect(
      rows.some((r) => r.application_name.startsWith('eventlens-projections') && r.usename === 'postgres'),
    ).toBe(true);
  });

  it('refuses a client that does not trust the CA, and one without TLS', async () => {
    const untrusted = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${port}/eventlens?sslmode=verify-full`,
    });
    await expect(untrusted.connect()).rejects.toThrow(
      /unable to verify the first certificate|self[- ]signed certificate/,
    );
    const plain = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${port}/eventlens?sslmode=disable`,
    });
    await expect(plain.connect()).rejects.toThrow(/no encryption/);
  });
});
