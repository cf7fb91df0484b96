/**
 * A private read side beside the running stack: this work tree's projections (in this process)
 * and query side (a child process run from source, as the stack runs it), over a database of
 * their own (`e2e_<id>` on the stack's PostgreSQL, with its read-only role), in consumer groups
 * (`test-<id>.…`) and failure topics (`test.<id>.…`) of their own. They read the stack's own
 * `eventlens.events` and `eventlens.admin`, so events sent to the stack's ingestion API reach them:
 * the admin log from its start (projects and keys, so the stack's read key works here), the events
 * log from where it ends now (history is not replayed). The stack itself is never touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueSessionToken, SESSION_COOKIE, TOPICS } from '@eventlens/contracts';
import {
  allTopics,
  loadConfig as loadProjectionsConfig,
  migrate,
  runProjections,
  topology,
} from '@eventlens/projections';
import { freePort, stackForTests, type DevFile } from '@eventlens/stack';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { createTopicsServed } from '@eventlens/stack/topics';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ReadSide {
  id: string;
  dev: DevFile;
  /** The private query side's base URL. */
  queryUrl: string;
  /** The HMAC secret its console sessions are signed with. */
  sessionSecret: string;
  /** Owner connection of the private database. */
  db: pg.Pool;
  /** A console session cookie of the user with this email, as the private query side accepts it. */
  sessionCookie(email: string): Promise<{ name: string; value: string }>;
  stop(): Promise<void>;
}

function withDatabase(url: string, database: string, user?: { name: string; password: string }): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (user) {
    u.username = user.name;
    u.password = user.password;
  }
  return u.toString();
}

export async function startReadSide(): Promise<ReadSide> {
  const dev = await stackForTests();
  const id = randomBytes(4).toString('hex');
  const database = `e2e_${id}`;
  const role = `${database}_reader`;
  const password = randomBytes(18).toString('hex');
  const sessionSecret = randomBytes(24).toString('hex');
  const cleanups: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };

  try {
    const server = new pg.Client({ connectionString: dev.databaseUrl });
    await server.connect();
    try {
      await server.query(`create database ${database}`);
      await server.query(`create role ${role} login password '${password}'`);
      await server.query(`grant connect on database ${database} to ${role}`);
    } finally {
      await server.end();
    }
    cleanups.push(async () => {
      const s = new pg.Client({ connectionString: dev.databaseUrl });
      await s.connect();
      try {
        await s.query(`drop database if exists ${database} with (force)`);
        await s.query(`drop role if exists ${role}`);
      } finally {
        await s.end();
      }
    });
    const ownerUrl = withDatabase(dev.databaseUrl, database);
    const readerUrl = withDatabase(dev.databaseUrl, database, { name: role, password });
    const db = new pg.Pool({ connectionString: ownerUrl, max: 3 });
    cleanups.push(() => db.end());

    const config = loadProjectionsConfig({
      EVENTLENS_KAFKA_BROKERS: dev.kafkaBrokers,
      EVENTLENS_REGISTRY_URL: dev.registryUrl,
      EVENTLENS_DATABASE_URL: ownerUrl,
      EVENTLENS_READER_DATABASE_URL: readerUrl,
      EVENTLENS_PROJECTIONS_PORT: '0',
      EVENTLENS_GROUP_PREFIX: `test-${id}`,
      EVENTLENS_FAILURE_TOPIC_PREFIX: `test.${id}`,
      EVENTLENS_KAFKA_SESSION_TIMEOUT_MS: '6000',
      EVENTLENS_KAFKA_HEARTBEAT_INTERVAL_MS: '500',
      EVENTLENS_OPS_REFRESH_MS: '500',
      EVENTLENS_PG_POOL_SIZE: '4',
      EVENTLENS_LOG_LEVEL: 'error',
    });
    const t = topology(config);

    // The failure topics of our own; the source topics are the stack's.
    const kafka = new Kafka({
      clientId: `e2e-${id}`,
      brokers: dev.kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const own = allTopics(t).filter((topic) => topic.startsWith(`test.${id}.`));
    await createTopicsServed(
      admin,
      own.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
    );
    cleanups.push(async () => {
      await admin.deleteTopics({ topics: own });
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
      await admin.deleteGroups(groups.filter((g) => g.startsWith(`test-${id}`)));
    });

    // The events log from its current end: checkpoints there before any worker starts.
    const analytics = t.projections.analytics.schema;
    await migrate(db, { kind: 'analytics', schema: analytics, readerRole: config.readerRole });
    for (const o of await admin.fetchTopicOffsets(TOPICS.events)) {
      await db.query(
        `insert into "${analytics}".checkpoints (topic, partition, next_offset) values ($1, $2, $3)`,
        [TOPICS.events, o.partition, Number(o.high)],
      );
    }

    const projections = await runProjections(config);
    cleanups.push(() => projections.stop());
    await projections.ready;

    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: path.join(REPO, 'query-side'),
      env: {
        ...process.env,
        EVENTLENS_READER_DATABASE_URL: readerUrl,
        EVENTLENS_SESSION_SECRET: sessionSecret,
        EVENTLENS_QUERY_PORT: String(port),
        EVENTLENS_QUERY_HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    );
    const queryUrl = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ready = await fetch(`${queryUrl}/readyz`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ready) break;
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`the private query side did not get ready:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    return {
      id,
      dev,
      queryUrl,
      sessionSecret,
      db,
      async sessionCookie(email) {
        const { rows } = await db.query<{ user_id: string }>(
          'select user_id from admin.users where email = $1',
          [email],
        );
        if (!rows[0]) throw new Error(`no user ${email} in the private read models`);
        return {
          name: SESSION_COOKIE,
          value: issueSessionToken({ user_id: rows[0].user_id, email }, sessionSecret),
        };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
