/**
 * A projection worker killed under load. Four projection processes (`node projections/dist/main.js`,
 * what production runs; `npm run build` makes it, and turbo builds before testing) share one consumer
 * group on the stack's Kafka, registry and PostgreSQL, with topics, consumer groups (`test-<id>.…`) and
 * read-model schemas (`t_<id>_…`) of their own, removed afterwards. A command side started in this
 * test takes the load: 250 events/s through POST /v1/batch, each event with its own event_id (the
 * subject is the projections; the broker-loss test drives 550 events/s).
 *
 * With four workers and four partitions each worker owns one. At 10 s the owner of partition 0 gets
 * SIGKILL: no goodbye, so the group coordinator notices only when its session times out (6 s here).
 * The evidence of reassignment is the coordinator's own view, the consumer group description
 * (`describeGroups`, each member's assignment decoded), polled every 100 ms; progress is the
 * orphaned partition's checkpoint in PostgreSQL moving again. Then the load stops, every partition
 * catches up, and every event answered 202 must be in the read models exactly once, with the
 * aggregate counters agreeing, while the three survivors own all four partitions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createCommandSide, loadConfig, type CommandSide } from '@eventlens/command-side';
import {
  allTopics,
  loadConfig as loadProjectionsConfig,
  topology,
  type Topology,
} from '@eventlens/projections';
import { REPO_ROOT, stackForTests } from '@eventlens/stack';
import { eventually } from '@eventlens/stack/eventually';
import { AssignerProtocol, Kafka, logLevel, type Admin } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedRate, answersLine, offeredRate, startLoad } from './load';
import { createTopicsServed } from '@eventlens/stack/topics';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const WORKERS = 4;
const PARTITIONS = 4;
const LOAD_MS = 30_000;
const KILL_AT_MS = 10_000;
const EVENTS_PER_REQUEST = 10;
const INTERVAL_MS = 40;
const SESSION_TIMEOUT_MS = 6000;
const MAIN_JS = path.join(REPO_ROOT, 'projections', 'dist', 'main.js');

interface Worker {
  child: ChildProcess;
  /** The events partitions this process last said it was assigned, and when (test clock). */
  partitions: number[];
  assignedAt: number[];
  output: string;
  exited: Promise<void>;
}

interface GroupView {
  at: number;
  state: string;
  members: Array<{ memberId: string; partitions: number[] }>;
}

describe('a projection worker killed under load, four worker processes in one group', () => {
  const id = randomBytes(4).toString('hex');
  const schemaPrefix = `t_${id}_`;
  const groupPrefix = `test-${id}`;
  const adminToken = `test-admin-${randomUUID()}`;
  const workers: Worker[] = [];
  let workerEnv: Record<string, string>;
  let t: Topology;
  let admin: Admin;
  let db: pg.Client;
  let commandSide: CommandSide | undefined;
  let url: string;
  let t0 = performance.now();
  const now = () => performance.now() - t0;

  const eventsTopic = () => t.projections.analytics.source;
  const group = () => t.projections.analytics.group;

  function spawnWorker(): Worker {
    const child = spawn(process.execPath, ['--enable-source-maps', MAIN_JS], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...workerEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker: Worker = {
      child,
      partitions: [],
      assignedAt: [],
      output: '',
      exited: new Promise((resolve) => child.once('exit', () => resolve())),
    };
    let partial = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      worker.output = (worker.output + text).slice(-20_000);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        let entry: { message?: string; msg?: string; worker?: string; assigned?: string[] };
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          continue; // not a log line of ours
        }
        const message = entry.message ?? entry.msg;
        if (message !== 'partitions assigned' || entry.worker !== 'analytics') continue;
        const prefix = `${eventsTopic()}[`;
        worker.partitions = (entry.assigned ?? [])
          .filter((tp) => tp.startsWith(prefix))
          .map((tp) => Number(tp.slice(prefix.length, -1)));
        worker.assignedAt.push(now());
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    return worker;
  }

  async function describeGroup(): Promise<GroupView> {
    const [described] = (await admin.describeGroups([group()])).groups;
    const members = (described?.members ?? []).map((member) => {
      const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      const partitions = [...(decoded?.assignment[eventsTopic()] ?? [])].sort((a, b) => a - b);
      return { memberId: member.memberId, partitions };
    });
    return { at: now(), state: described?.state ?? 'Unknown', members };
  }

  const ownsAll = (view: GroupView, memberCount: number) => {
    const owned = view.members.flatMap((m) => m.partitions).sort((a, b) => a - b);
    return (
      view.state === 'Stable' &&
      view.members.length === memberCount &&
      owned.join(',') === Array.from({ length: PARTITIONS }, (_, p) => p).join(',')
    );
  };

  async function checkpoints(): Promise<Map<number, number>> {
    const { rows } = await db
      .query<{ partition: number; next_offset: string }>(
        `select partition, next_offset from "${schemaPrefix}analytics".checkpoints where topic = $1`,
        [eventsTopic()],
      )
      .catch(() => ({ rows: [] as Array<{ partition: number; next_offset: string }> }));
    return new Map(rows.map((r) => [r.partition, Number(r.next_offset)]));
  }

  beforeAll(async () => {
    if (!existsSync(MAIN_JS)) {
      throw new Error(`${MAIN_JS} is missing: run \`npm run build -w @eventlens/projections\` first`);
    }
    const dev = await stackForTests();
    workerEnv = {
      EVENTLENS_KAFKA_BROKERS: dev.kafkaBrokers,
      EVENTLENS_REGISTRY_URL: dev.registryUrl,
      EVENTLENS_DATABASE_URL: dev.databaseUrl,
      EVENTLENS_READER_DATABASE_URL: dev.readerDatabaseUrl,
      EVENTLENS_PROJECTIONS_PORT: '0',
      EVENTLENS_PROJECTIONS_HOST: '127.0.0.1',
      EVENTLENS_EVENTS_TOPIC: `test.${id}.events`,
      EVENTLENS_ADMIN_TOPIC: `test.${id}.admin`,
      EVENTLENS_FAILURE_TOPIC_PREFIX: `test.${id}`,
      EVENTLENS_GROUP_PREFIX: groupPrefix,
      EVENTLENS_SCHEMA_PREFIX: schemaPrefix,
      EVENTLENS_KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      EVENTLENS_KAFKA_HEARTBEAT_INTERVAL_MS: '500',
      EVENTLENS_CHECKPOINT_SYNC_MS: '500',
      EVENTLENS_BACKOFF_MIN_MS: '100',
      EVENTLENS_BACKOFF_MAX_MS: '1000',
      EVENTLENS_PG_POOL_SIZE: '3',
      // `partitions assigned` is an info line: it tells which process owns which partition.
      EVENTLENS_LOG_LEVEL: 'info',
    };
    t = topology(loadProjectionsConfig(workerEnv));
    const kafka = new Kafka({
      clientId: `test-${id}`,
      brokers: dev.kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    admin = kafka.admin();
    await admin.connect();
    await createTopicsServed(
      admin,
      allTopics(t).map((topic) => ({ topic, numPartitions: topic === eventsTopic() ? PARTITIONS : 1 })),
    );
    db = new pg.Client({ connectionString: dev.databaseUrl });
    await db.connect();

    commandSide = createCommandSide(
      loadConfig({
        EVENTLENS_KAFKA_BROKERS: dev.kafkaBrokers,
        EVENTLENS_REGISTRY_URL: dev.registryUrl,
        EVENTLENS_EVENTS_TOPIC: workerEnv.EVENTLENS_EVENTS_TOPIC,
        EVENTLENS_ADMIN_TOPIC: workerEnv.EVENTLENS_ADMIN_TOPIC,
        EVENTLENS_SESSION_SECRET: 'worker-loss-test-session-secret',
        EVENTLENS_ADMIN_TOKEN: adminToken,
        EVENTLENS_RATE_LIMIT_EVENTS_PER_S: '100000',
      }),
      { defaultMetrics: false },
    );
    await commandSide.start();
    await commandSide.whenReady(60_000);
    url = (await commandSide.listen(0, '127.0.0.1')).url;

    for (let i = 0; i < WORKERS; i++) workers.push(spawnWorker());
    // Given four workers that each own one partition (the coordinator's view and their own). A
    // worker that exits ends the wait at once.
    const settled = await eventually(
      'four workers on one partition each',
      async () => {
        const dead = workers.find((w) => w.child.exitCode !== null);
        if (dead) return { dead };
        const view = await describeGroup();
        const mapped = workers.every((w) => w.partitions.length === 1);
        if (ownsAll(view, WORKERS) && view.members.every((m) => m.partitions.length === 1) && mapped)
          return { view };
        throw new Error(`not yet: ${JSON.stringify(view)}\n${workers[0]!.output}`);
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    if (settled.dead) throw new Error(`a worker exited during start-up:\n${settled.dead.output}`);
  }, 180_000);

  afterAll(async () => {
    for (const worker of workers) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGTERM');
    }
    // SIGTERM, then SIGKILL for whatever has not stopped within a 15 s grace.
    await Promise.race([Promise.all(workers.map((w) => w.exited)), sleep(15_000)]);
    for (const worker of workers) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    }
    await commandSide?.stop().catch(() => undefined);
    if (admin) {
      if (t) await admin.deleteTopics({ topics: allTopics(t) }).catch(() => undefined);
      const { groups } = await admin.listGroups().catch(() => ({ groups: [] }));
      const ours = groups.map((g) => g.groupId).filter((g) => g.startsWith(`${groupPrefix}.`));
      if (ours.length > 0) await admin.deleteGroups(ours).catch(() => undefined);
      await admin.disconnect();
    }
    if (db) {
      const schemas = await db.query<{ nspname: string }>(
        `select nspname from pg_namespace where nspname like $1`,
        [`t\\_${id}\\_%`],
      );
      for (const { nspname } of schemas.rows) await db.query(`drop schema "${nspname}" cascade`);
      await db.end();
    }
  }, 60_000);

  it('moves the dead worker’s partition to the survivors; every 202 is projected exactly once', async () => {
    const call = async (route: string, body: unknown) => {
      const res = await fetch(`${url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as Record<string, string>;
    };
    const project = await call('/v1/admin/projects', { name: 'worker loss' });
    const projectId = project.project_id!;
    const { key } = await call(`/v1/admin/projects/${projectId}/keys`, { kind: 'write' });

    t0 = performance.now();
    const before = await describeGroup();
    const victim = workers.find((w) => w.partitions[0] === 0)!;
    const victimMember = before.members.find((m) => m.partitions.join(',') === '0')!;
    expect(victim).toBeDefined();
    expect(victimMember).toBeDefined();

    // The coordinator's view, and the checkpoints with the log's end, sampled all along (every 100 ms:
    // when the partition moved and when it progressed again are the figures measured).
    const views: GroupView[] = [];
    const progress: Array<{ at: number; checkpoint: number; high: number }> = [];
    let sampling = true;
    const samplers = [
      (async () => {
        while (sampling) {
          views.push(await describeGroup());
          await sleep(100);
        }
      })(),
      (async () => {
        while (sampling) {
          const [offsets, stored] = await Promise.all([
            admin.fetchTopicOffsets(eventsTopic()),
            checkpoints(),
          ]);
          const high = Number(offsets.find((o) => o.partition === 0)?.high ?? 0);
          progress.push({ at: now(), checkpoint: stored.get(0) ?? 0, high });
          await sleep(100);
        }
      })(),
    ];

    const load = startLoad({
      url,
      apiKey: key!,
      eventName: 'worker_loss_load',
      eventsPerRequest: EVENTS_PER_REQUEST,
      intervalMs: INTERVAL_MS,
      maxInFlight: 1000,
      timeoutMs: 30_000,
      now,
    });

    // The timeline is the scenario: the kill at 10 s, the load for 30 s.
    await sleep(KILL_AT_MS - now());
    victim.child.kill('SIGKILL');
    const killedAt = now();
    await victim.exited;
    // A COMMIT the victim sent just before dying may still land: the baseline is taken after that.
    // Nothing outside says when its database sessions are gone (every worker connects under the same
    // application name), so this is a grace period, not a wait for a condition.
    await sleep(500);
    const orphanedAt = (await checkpoints()).get(0) ?? 0;

    await sleep(Math.max(0, LOAD_MS - now()));
    const result = await load.stop();
    const loadStoppedAt = now();

    // Every partition's checkpoint at its end of the log. A timeout (caughtUpAt NaN) still prints
    // the figures below before the expectation on it fails.
    const caughtUpAt = await eventually(
      "every partition's checkpoint at the end of the log",
      async () => {
        const offsets = await admin.fetchTopicOffsets(eventsTopic());
        const stored = await checkpoints();
        return offsets.every((o) => Number(o.high) === (stored.get(o.partition) ?? 0)) ? now() : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    ).catch(() => NaN);
    sampling = false;
    await Promise.all(samplers);
    const after = await describeGroup();

    // The figures.
    const survivors = workers.filter((w) => w !== victim);
    const reassigned = views.find(
      (v) =>
        v.at > killedAt &&
        ownsAll(v, WORKERS - 1) &&
        !v.members.some((m) => m.memberId === victimMember.memberId),
    );
    const resumed = progress.find((p) => p.at > killedAt && p.checkpoint > orphanedAt);
    // The backlog the dead worker left: the log's end when the partition moved, applied when?
    const backlogEnd = reassigned ? progress.findLast((p) => p.at <= reassigned.at)?.high : undefined;
    const backlogApplied =
      backlogEnd === undefined ? undefined : progress.find((p) => p.checkpoint >= backlogEnd);
    const takenOverBy = survivors.find((w) => w.partitions.includes(0));
    const accepted = result.requests.filter((r) => r.status === 202).flatMap((r) => r.eventIds);
    const sent = new Set(result.requests.flatMap((r) => r.eventIds));

    const { rows: projected } = await db.query<{ event_id: string; n: string }>(
      `select event_id, count(*) as n from "${schemaPrefix}analytics".events where project_id = $1 group by event_id`,
      [projectId],
    );
    const rowCount = projected.reduce((sum, r) => sum + Number(r.n), 0);
    const present = new Set(projected.map((r) => r.event_id));
    const sum = async (sql: string) =>
      Number((await db.query<{ total: string | null }>(sql, [projectId])).rows[0]!.total ?? 0);
    const counters = {
      volumeMinute: await sum(
        `select sum(count) as total from "${schemaPrefix}analytics".volume_minute where project_id = $1`,
      ),
      sessionEvents: await sum(
        `select sum(event_count) as total from "${schemaPrefix}analytics".sessions where project_id = $1`,
      ),
      eventNames: await sum(
        `select sum(count) as total from "${schemaPrefix}analytics".event_names where project_id = $1`,
      ),
    };
    const report = {
      workers: WORKERS,
      partitions: PARTITIONS,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      loadMs: Math.round(result.stoppedAt - result.startedAt),
      offeredPerSecond: Math.round(offeredRate(result.requests, result.startedAt, result.stoppedAt)),
      acceptedPerSecond: Math.round(acceptedRate(result.requests, result.startedAt, result.stoppedAt)),
      skippedTicks: result.skippedTicks,
      peakInFlight: result.peakInFlight,
      answers: answersLine(result),
      killedAtMs: Math.round(killedAt),
      reassignedAfterKillMs: reassigned ? Math.round(reassigned.at - killedAt) : null,
      takeoverLoggedAfterKillMs: takenOverBy ? Math.round(takenOverBy.assignedAt.at(-1)! - killedAt) : null,
      survivorsLoggedLastAssignmentAfterKillMs: Math.round(
        Math.max(...survivors.map((w) => w.assignedAt.at(-1)!)) - killedAt,
      ),
      progressResumedAfterKillMs: resumed ? Math.round(resumed.at - killedAt) : null,
      backlogAtReassignment: backlogEnd === undefined ? null : backlogEnd - orphanedAt,
      backlogAppliedAfterKillMs: backlogApplied ? Math.round(backlogApplied.at - killedAt) : null,
      caughtUpAfterLoadStoppedMs: Math.round(caughtUpAt - loadStoppedAt),
      acceptedEvents: accepted.length,
      rows: rowCount,
      distinctEventIds: present.size,
      counters,
      finalAssignment: after.members.map((m) => m.partitions.join(',')),
    };
    console.log(`worker-loss figures: ${JSON.stringify(report, null, 2)}`);

    // The ingestion side was not faulted: it answered 202 (503 only if it ever shed load).
    expect(
      result.requests.every((r) => r.status === 202 || r.status === 503),
      report.answers,
    ).toBe(true);
    expect(result.skippedTicks).toBe(0);
    // The partition moved to a survivor, and was applied again from its checkpoint.
    expect(reassigned, JSON.stringify(views.filter((v) => v.at > killedAt).slice(-3))).toBeDefined();
    expect(takenOverBy).toBeDefined();
    expect(resumed).toBeDefined();
    expect(caughtUpAt).not.toBeNaN();
    // Nothing lost, nothing counted twice, nothing invented.
    expect(accepted.filter((eventId) => !present.has(eventId))).toEqual([]);
    expect(rowCount).toBe(present.size);
    expect([...present].filter((eventId) => !sent.has(eventId))).toEqual([]);
    expect(counters).toEqual({ volumeMinute: rowCount, sessionEvents: rowCount, eventNames: rowCount });
    // The three survivors, still running, own every partition.
    expect(survivors.every((w) => w.child.exitCode === null && w.child.signalCode === null)).toBe(true);
    expect(ownsAll(after, WORKERS - 1), JSON.stringify(after)).toBe(true);
    expect(after.members.some((m) => m.memberId === victimMember.memberId)).toBe(false);
    expect(survivors.flatMap((w) => w.partitions).sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
  }, 150_000);
});
