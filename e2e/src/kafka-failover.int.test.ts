/**
 * A Kafka node killed under load, on a three-node cluster (EVENTLENS_KAFKA_NODES=3's layout: rf 3,
 * min.insync.replicas 2). A private cluster, a command side and projections started in this test
 * (read models in schemas of their own in the stack's PostgreSQL, the stack's registry); the shared
 * stack's Kafka is not touched.
 *
 * Load: 550 events/s offered through POST /v1/batch (11 events every 20 ms) for 30 s, open loop
 * (load.ts): a request waiting out the append deadline during the outage does not hold back the next
 * ones, so the offered rate stays put and no tick is skipped. At 10 s the node that leads partition 0
 * of the events topic gets SIGKILL; at 20 s it is started again. Then every event answered 202 must
 * be in the read models exactly once (one row each, and the per-minute counts add up to the rows).
 * The figures are printed: 503s, the longest time without a 202, end-to-end latency around the
 * failover, and the accepted rate over the whole run and outside the failover window (from the kill
 * until the last request refused), which is the steady rate the cluster sustains.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCommandSide, loadConfig, type CommandSide } from '@eventlens/command-side';
import { TOPICS } from '@eventlens/contracts';
import { loadConfig as loadProjectionsConfig, runProjections } from '@eventlens/projections';
import {
  ensureTopics,
  findJava,
  loadConfig as loadStackConfig,
  freePortRun,
  stackForTests,
  stackTopics,
  startKafkaCluster,
  Supervisor,
  waitForKafka,
  type KafkaCluster,
} from '@eventlens/stack';
import { eventually } from '@eventlens/stack/eventually';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedRate, answersLine, offeredRate, startLoad } from './load';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LOAD_MS = 30_000;
const KILL_AT_MS = 10_000;
const RESTART_AT_MS = 20_000;
const INTERVAL_MS = 20;
/** 11 events every 20 ms: 550 events/s offered, so the steady accepted rate is at least 500. */
const EVENTS_PER_REQUEST = 11;
/**
 * Above requests/s × the longest answer: while the circuit is still closed, a request waits out the
 * append deadline (EVENTLENS_APPEND_TIMEOUT_MS, 5 s), so 50 requests/s keep about 250 in flight, and
 * on a busy 2-core machine (three Kafka nodes, the command side and the projections on it) answers
 * also wait for CPU: 600 in flight were seen. The command side here accepts up to 4096 connections.
 */
const MAX_IN_FLIGHT = 2000;
const REQUEST_TIMEOUT_MS = 30_000;

const pct = (sorted: number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

describe('a Kafka node killed under load on a three-node cluster', () => {
  const stackConfig = loadStackConfig();
  const id = randomBytes(4).toString('hex');
  const schemaPrefix = `t_${id}_`;
  let home: string;
  let supervisor: Supervisor;
  let cluster: KafkaCluster;
  let commandSide: CommandSide | undefined;
  let projections: { ready: Promise<void>; stop(): Promise<void> } | undefined;
  let db: pg.Client;
  let url: string;
  const adminToken = `test-admin-${randomUUID()}`;

  beforeAll(async () => {
    const dev = await stackForTests();
    home = await mkdtemp(path.join(os.tmpdir(), 'eventlens-failover-'));
    supervisor = new Supervisor(path.join(home, 'logs'), path.join(home, 'run'), () => undefined);
    const javaBin = (
      await findJava({
        minMajor: 17,
        preferHomes: [stackConfig.javaHome],
        purpose: 'Kafka',
        envHint: 'JAVA_HOME',
      })
    ).bin;
    const port = await freePortRun(6);
    cluster = await startKafkaCluster(
      {
        count: 3,
        home,
        dataDir: path.join(home, 'data'),
        libDir: path.join(stackConfig.cacheDir, `kafka-${stackConfig.kafkaVersion}`, 'lib'),
        javaBin,
        port,
        controllerPort: port + 1,
        heap: '512m',
      },
      supervisor,
    );
    await waitForKafka(cluster.brokers, cluster.children, 90_000, { expectBrokers: 3 });
    await ensureTopics(cluster.brokers, stackTopics(4, undefined, 3));

    projections = await runProjections(
      loadProjectionsConfig({
        EVENTLENS_KAFKA_BROKERS: cluster.brokers,
        EVENTLENS_REGISTRY_URL: dev.registryUrl,
        EVENTLENS_DATABASE_URL: dev.databaseUrl,
        EVENTLENS_READER_DATABASE_URL: dev.readerDatabaseUrl,
        EVENTLENS_PROJECTIONS_PORT: '0',
        EVENTLENS_GROUP_PREFIX: `test-${id}`,
        EVENTLENS_SCHEMA_PREFIX: schemaPrefix,
        EVENTLENS_KAFKA_SESSION_TIMEOUT_MS: '6000',
        EVENTLENS_KAFKA_HEARTBEAT_INTERVAL_MS: '500',
        EVENTLENS_BACKOFF_MIN_MS: '100',
        EVENTLENS_BACKOFF_MAX_MS: '1000',
        EVENTLENS_PG_POOL_SIZE: '4',
        EVENTLENS_LOG_LEVEL: 'error',
      }),
    );
    await projections.ready;
    commandSide = createCommandSide(
      loadConfig({
        EVENTLENS_KAFKA_BROKERS: cluster.brokers,
        EVENTLENS_REGISTRY_URL: dev.registryUrl,
        EVENTLENS_SESSION_SECRET: 'failover-test-session-secret',
        EVENTLENS_ADMIN_TOKEN: adminToken,
        EVENTLENS_RATE_LIMIT_EVENTS_PER_S: '100000',
        EVENTLENS_HTTP_MAX_CONNECTIONS: '4096',
      }),
      { defaultMetrics: false },
    );
    await commandSide.start();
    await commandSide.whenReady(60_000);
    url = (await commandSide.listen(0, '127.0.0.1')).url;
    db = new pg.Client({ connectionString: dev.databaseUrl });
    await db.connect();
  }, 240_000);

  afterAll(async () => {
    await commandSide?.stop().catch(() => undefined);
    await projections?.stop().catch(() => undefined);
    if (db) {
      const schemas = await db.query<{ nspname: string }>(
        `select nspname from pg_namespace where nspname like $1`,
        [`t\\_${id}\\_%`],
      );
      for (const { nspname } of schemas.rows) await db.query(`drop schema "${nspname}" cascade`);
      await db.end();
    }
    await supervisor?.stopAll(5_000);
    if (home) await rm(home, { recursive: true, force: true });
  }, 60_000);

  it('answers 202 or 503 throughout, and every 202 is in the read models exactly once', async () => {
    const admin = async (route: string, body: unknown) => {
      const res = await fetch(`${url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as Record<string, string>;
    };
    const project = await admin('/v1/admin/projects', { name: 'failover' });
    const projectId = project.project_id!;
    const { key } = await admin(`/v1/admin/projects/${projectId}/keys`, { kind: 'write' });

    // Warm-up, outside the figures: one batch through the whole pipeline, so the load starts with the
    // projections' groups joined and the new cluster's internal topics made (that costs the three
    // nodes seconds of CPU, which would otherwise be counted against the steady rate).
    const warmUp = Array.from({ length: 10 }, () => randomUUID());
    const warm = await fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({
        api_key: key,
        events: warmUp.map((eventId) => ({ event_name: 'warm_up', event_id: eventId, session_id: 'warm' })),
      }),
    });
    expect(warm.status).toBe(202);
    await eventually(
      'the warm-up batch in the read models',
      async () => {
        const { rows } = await db.query<{ n: string }>(
          `select count(*) as n from "${schemaPrefix}analytics".events where project_id = $1`,
          [projectId],
        );
        return Number(rows[0]!.n) === warmUp.length;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );

    // Which node leads partition 0 of the events topic, and when each event became visible.
    const kafkaOptions = {
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      requestTimeout: 2000,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
    };
    const kafka = new Kafka({
      ...kafkaOptions,
      clientId: 'failover-test',
      brokers: cluster.brokers.split(','),
    });
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    const leaderOf0 = async () =>
      (await kafkaAdmin.fetchTopicMetadata({ topics: [TOPICS.events] })).topics[0]!.partitions.find(
        (p) => p.partitionId === 0,
      )!.leader;
    const victim = await leaderOf0();
    await kafkaAdmin.disconnect();
    // A client kept connected to the killed node piles up listeners on its reconnects (kafkajs):
    // each look asks a survivor afresh.
    const survivorsLeaderOf0 = async () => {
      const seeds = cluster.brokers.split(',').filter((_, index) => index !== victim - 1);
      const watch = new Kafka({ ...kafkaOptions, clientId: 'failover-test-watch', brokers: seeds }).admin();
      await watch.connect();
      try {
        const { topics } = await watch.fetchTopicMetadata({ topics: [TOPICS.events] });
        return topics[0]!.partitions.find((p) => p.partitionId === 0)!.leader;
      } finally {
        await watch.disconnect();
      }
    };

    const t0 = performance.now();
    const now = () => performance.now() - t0;
    // Only the accepted events not seen yet are looked up (by primary key), so the watch costs
    // little CPU in this process, which also runs the command side and the projections. The watches
    // below sample on a period of their own: when something happened is the figure they measure.
    const visibleAt = new Map<string, number>();
    const unseen = new Set<string>();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        if (unseen.size > 0) {
          const { rows } = await db.query<{ event_id: string }>(
            `select event_id from "${schemaPrefix}analytics".events where project_id = $1 and event_id = any($2::uuid[])`,
            [projectId, [...unseen]],
          );
          const t = now();
          for (const { event_id } of rows) {
            visibleAt.set(event_id, t);
            unseen.delete(event_id);
          }
        }
        await sleep(200);
      }
    })();

    let killedAt = NaN;
    let restartedAt = NaN;
    // When the cluster elected another leader for partition 0 (the controller fences a node that
    // stopped heartbeating after broker.session.timeout.ms, 9 s by default).
    let leaderMovedAt = NaN;
    const leaderWatch = (async () => {
      while (polling && Number.isNaN(leaderMovedAt)) {
        const leader = await survivorsLeaderOf0().catch(() => victim);
        if (!Number.isNaN(killedAt) && leader !== victim && leader >= 0) leaderMovedAt = now();
        await sleep(250);
      }
    })();
    // The timeline is the scenario: the kill at 10 s, the restart at 20 s, the load for 30 s.
    const faults = (async () => {
      await sleep(KILL_AT_MS);
      const child = cluster.children[victim - 1]!;
      process.kill(-child.process.pid!, 'SIGKILL');
      killedAt = now();
      await child.exited;
      await sleep(RESTART_AT_MS - KILL_AT_MS);
      const restarted = await cluster.restart(victim);
      cluster.children[victim - 1] = restarted;
      restartedAt = now();
    })();

    // Open loop: the offered rate follows the clock, whatever the answers take (see load.ts).
    const load = startLoad({
      url,
      apiKey: key!,
      eventName: 'failover_load',
      eventsPerRequest: EVENTS_PER_REQUEST,
      intervalMs: INTERVAL_MS,
      maxInFlight: MAX_IN_FLIGHT,
      timeoutMs: REQUEST_TIMEOUT_MS,
      now,
      onAnswer: (r) => {
        if (r.status === 202) for (const eventId of r.eventIds) unseen.add(eventId);
      },
    });
    await sleep(LOAD_MS);
    const result = await load.stop();
    await faults;
    const { requests } = result;

    const sentAt = new Map<string, number>(); // event id → when its request was sent (ms since start)
    const accepted = new Set<string>();
    const perSecond: Array<{ ok: number; unavailable: number }> = [];
    for (const r of requests) {
      const bucket = (perSecond[Math.floor(r.answeredAt / 1000)] ??= { ok: 0, unavailable: 0 });
      if (r.status === 202) bucket.ok++;
      else if (r.status === 503) bucket.unavailable++;
      if (r.status !== 202) continue;
      for (const eventId of r.eventIds) {
        accepted.add(eventId);
        sentAt.set(eventId, r.sentAt);
      }
    }
    const ok202At = requests.filter((r) => r.status === 202).map((r) => r.answeredAt);

    // Every 202 in the read models, within a bounded wait. A timeout still prints the figures below;
    // `missing` then names what was not seen.
    await eventually('every 202 in the read models', () => unseen.size === 0, {
      timeoutMs: 60_000,
      intervalMs: 250,
    }).catch(() => undefined);
    polling = false;
    await poller;
    await leaderWatch;

    const rows = await db.query<{ rows: string; distinct_ids: string }>(
      `select count(*) as rows, count(distinct event_id) as distinct_ids from "${schemaPrefix}analytics".events where project_id = $1 and event_name = 'failover_load'`,
      [projectId],
    );
    const counted = await db.query<{ total: string | null }>(
      `select sum(count) as total from "${schemaPrefix}analytics".volume_minute where project_id = $1 and event_name = 'failover_load'`,
      [projectId],
    );
    const missing = [...accepted].filter((eventId) => !visibleAt.has(eventId));

    // The figures.
    const sorted202 = [...ok202At].sort((a, b) => a - b);
    let longestGap = 0;
    let gapFrom = 0;
    for (let i = 1; i < sorted202.length; i++) {
      const gap = sorted202[i]! - sorted202[i - 1]!;
      if (gap > longestGap) {
        longestGap = gap;
        gapFrom = sorted202[i - 1]!;
      }
    }
    // The failover window: from the kill until the last request that did not get a 202 was sent (or
    // the longest time without a 202 ended, if later). Every request sent outside it got a 202.
    const lastRefusedAt = Math.max(
      killedAt,
      ...requests.filter((r) => r.status !== 202 && r.sentAt >= killedAt).map((r) => r.sentAt),
    );
    const windowEnd = Math.min(result.stoppedAt, Math.max(lastRefusedAt, gapFrom + longestGap));
    const outsideMs = killedAt - result.startedAt + (result.stoppedAt - windowEnd);
    const acceptedOutside =
      (acceptedRate(requests, result.startedAt, killedAt) * (killedAt - result.startedAt) +
        acceptedRate(requests, windowEnd, result.stoppedAt) * (result.stoppedAt - windowEnd)) /
      outsideMs;
    const latency = (from: number, to: number) =>
      [...accepted]
        .filter((e) => sentAt.get(e)! >= from && sentAt.get(e)! < to && visibleAt.has(e))
        .map((e) => visibleAt.get(e)! - sentAt.get(e)!)
        .sort((a, b) => a - b);
    const summary = (xs: number[]) =>
      `n=${xs.length} p50=${Math.round(pct(xs, 50))} ms p99=${Math.round(pct(xs, 99))} ms max=${Math.round(xs.at(-1) ?? NaN)} ms`;
    const report = {
      victim,
      killedAtMs: Math.round(killedAt),
      restartedAtMs: Math.round(restartedAt),
      leaderOf0MovedAtMs: Number.isNaN(leaderMovedAt) ? null : Math.round(leaderMovedAt),
      loadMs: Math.round(result.stoppedAt - result.startedAt),
      requests: requests.length,
      offeredPerSecond: Math.round(offeredRate(requests, result.startedAt, result.stoppedAt)),
      skippedTicks: result.skippedTicks,
      peakInFlight: result.peakInFlight,
      answers: answersLine(result),
      acceptedEvents: accepted.size,
      acceptedPerSecondWholeRun: Math.round(acceptedRate(requests, result.startedAt, result.stoppedAt)),
      failoverWindowMs: [Math.round(killedAt), Math.round(windowEnd)],
      acceptedPerSecondOutsideFailover: Math.round(acceptedOutside),
      acceptedPerSecondBeforeKill: Math.round(acceptedRate(requests, result.startedAt, killedAt)),
      acceptedPerSecondAfterFailover: Math.round(acceptedRate(requests, windowEnd, result.stoppedAt)),
      longestWithout202Ms: Math.round(longestGap),
      longestWithout202FromMs: Math.round(gapFrom),
      e2eBeforeKill: summary(latency(0, killedAt)),
      e2eKillToRestart: summary(latency(killedAt, restartedAt)),
      e2eAfterRestart: summary(latency(restartedAt, Infinity)),
      perSecond202And503: perSecond
        .map((b, second) => `${second}s:${b?.ok ?? 0}/${b?.unavailable ?? 0}`)
        .join(' '),
      rows: Number(rows.rows[0]!.rows),
      distinctIds: Number(rows.rows[0]!.distinct_ids),
      countedInVolumeMinute: Number(counted.rows[0]!.total ?? 0),
      missing: missing.length,
    };
    console.log(`failover figures: ${JSON.stringify(report, null, 2)}`);

    expect(
      result.requests.every((r) => r.status === 202 || r.status === 503),
      report.answers,
    ).toBe(true);
    // The load generator kept offering its rate throughout, the outage included.
    expect(result.skippedTicks).toBe(0);
    expect(report.offeredPerSecond).toBeGreaterThanOrEqual(500);
    expect(missing).toEqual([]);
    expect(report.rows).toBe(report.distinctIds);
    expect(report.countedInVolumeMinute).toBe(report.rows);
    // Events answered 503 may still have been appended (the client retries them); never fewer rows than 202s.
    expect(report.rows).toBeGreaterThanOrEqual(accepted.size);
  }, 180_000);
});
