/**
 * Projection: events/s through the analytics projection process, over `events` records already in
 * a topic (the ones the Kafka ceiling appended), in schemas, groups and failure topics of its own.
 * The steady-state rate is taken between 10 % and 90 % of the records, so start-up and the last
 * poll do not count. Bounded by COPY straight into PostgreSQL (the COPY ceiling), and read beside
 * COPY into a table with every index of the read model's `events` (the indexes' share of the gap).
 */
import pg from 'pg';
import type { DevFile } from '@eventlens/stack';
import { cpuMs, cpuMsOf } from '../cpu';
import { freePort, runService } from '../processes';
import type { Row } from '../report';
import { createTopics, sleep } from '../support';

export interface ProjectionResult {
  /** Between 10 % and 90 % of the records. */
  eventsPerSecond: number;
  /** All the records over the whole run, the process's start-up included. */
  withStartupEventsPerSecond: number;
  /**
   * CPU per event between 10 % and 90 % of the records, in µs: the projection process's, and
   * every PostgreSQL process's (the server's other work included, little during the run).
   */
  cpuMicrosPerEvent: { projection: number; postgres: number };
}

/** Polls the projection's checkpoints until every record is applied, for at most 10 minutes. */
const DEADLINE_MS = 600_000;

/**
 * Reads topic `source`, which holds `events` records. Throws when the read model does not hold
 * exactly `events` rows at the end. Drops its schemas (`bench_<id>_*`) afterwards.
 */
export async function measureProjection(
  dev: DevFile,
  id: string,
  source: string,
  events: number,
  options: { cpuProfileDir: string | null },
): Promise<ProjectionResult> {
  const prefix = `bench.${id}`;
  const failureTopics = ['analytics', 'admin'].flatMap((p) => [
    ...[1, 2, 3].map((n) => ({ topic: `${prefix}.${p}.retry.${n}`, numPartitions: 1 })),
    { topic: `${prefix}.${p}.dlq`, numPartitions: 1 },
  ]);
  await createTopics(dev.kafkaBrokers, failureTopics);
  const schemaPrefix = `bench_${id}_`;
  const port = await freePort();
  const started = performance.now();
  const service = runService(
    'projections',
    {
      EVENTLENS_KAFKA_BROKERS: dev.kafkaBrokers,
      EVENTLENS_REGISTRY_URL: dev.registryUrl,
      EVENTLENS_DATABASE_URL: dev.databaseUrl,
      EVENTLENS_READER_DATABASE_URL: dev.readerDatabaseUrl,
      EVENTLENS_PROJECTIONS_PORT: String(port),
      EVENTLENS_EVENTS_TOPIC: source,
      EVENTLENS_FAILURE_TOPIC_PREFIX: prefix,
      EVENTLENS_GROUP_PREFIX: prefix,
      EVENTLENS_SCHEMA_PREFIX: schemaPrefix,
    },
    options,
  );
  const db = new pg.Client({ connectionString: dev.databaseUrl });
  await db.connect();
  try {
    const samples: Array<{ t: number; n: number }> = [];
    // CPU read at the first samples past 10 % and 90 %, the ends of the steady-state window.
    const cpuAt: Array<{ n: number; projection: number; postgres: number }> = [];
    const readCpu = async (n: number) => {
      const [projection, postgres] = await Promise.all([cpuMs(service.process.pid!), cpuMsOf('postgres')]);
      cpuAt.push({ n, projection, postgres });
    };
    let applied = 0;
    const deadline = Date.now() + DEADLINE_MS;
    while (applied < events && Date.now() < deadline) {
      await sleep(50);
      // A projection that died (out of memory, say) ends the run at once, not at the deadline.
      const { exitCode, signalCode } = service.process;
      if (exitCode !== null || signalCode !== null)
        throw new Error(
          `the projection exited (${signalCode ?? `code ${exitCode}`}) at ${applied} of ${events} events`,
        );
      const res = await db
        .query(
          `select coalesce(sum(next_offset), 0)::bigint as n from ${schemaPrefix}analytics.checkpoints where topic = $1`,
          [source],
        )
        .catch(() => ({ rows: [{ n: 0 }] }));
      applied = Number(res.rows[0].n);
      samples.push({ t: performance.now(), n: applied });
      if (cpuAt.length < 2 && applied >= [0.1, 0.9][cpuAt.length]! * events) await readCpu(applied);
    }
    const finished = performance.now();
    const at = (fraction: number) => samples.find((s) => s.n >= fraction * events)!;
    const [p10, p90] = [at(0.1), at(0.9)];
    const rows = Number(
      (await db.query(`select count(*) from ${schemaPrefix}analytics.events`)).rows[0].count,
    );
    if (rows !== events) throw new Error(`projection wrote ${rows} rows for ${events} events`);
    const [from, to] = cpuAt as [(typeof cpuAt)[number], (typeof cpuAt)[number]];
    const perEvent = (ms: number) => (1000 * ms) / Math.max(1, to.n - from.n);
    return {
      cpuMicrosPerEvent: {
        projection: perEvent(to.projection - from.projection),
        postgres: perEvent(to.postgres - from.postgres),
      },
      eventsPerSecond: p90.t > p10.t ? (p90.n - p10.n) / ((p90.t - p10.t) / 1000) : NaN,
      withStartupEventsPerSecond: events / ((finished - started) / 1000),
    };
  } finally {
    await service.stop();
    for (const schema of ['analytics', 'admin', 'ops'])
      await db.query(`drop schema if exists ${schemaPrefix}${schema} cascade`);
    await db.end();
  }
}

/** The COPY ceilings (ceilings.ts) the projection is read against, rows/s, measured in the same run. */
export interface CopyCeilings {
  /** `copyCeiling`: a key and one index; the aim is a share of this one. */
  copy: number;
  /** `copyEveryIndexCeiling`: the read model's `events` with every one of its indexes. */
  copyEveryIndex: number;
}

/**
 * The steady-state figure against the COPY ceiling (its aim), then the same figure against COPY into
 * `events`' own shape, with no aim. Near 100% of the latter, PostgreSQL's upkeep of the read model's
 * indexes is what stops the projection; well below it, the rest of its work does (its process, the
 * visits and aggregates each batch also upserts).
 */
export function projectionRows(result: ProjectionResult, ceilings: CopyCeilings): Row[] {
  return [
    {
      figure: 'analytics projection',
      value: result.eventsPerSecond,
      unit: 'events/s',
      ceiling: { name: 'COPY direct', value: ceilings.copy },
      aim: { atLeastOfCeiling: 0.5 },
    },
    {
      figure: "analytics projection, against COPY into the events table's own shape (every index)",
      value: result.eventsPerSecond,
      unit: 'events/s',
      ceiling: { name: 'COPY, every index of events', value: ceilings.copyEveryIndex },
    },
    // No ceiling: what the two halves of the work cost, to say which one a faster projection needs cut.
    {
      figure: 'projection: CPU of its process per event',
      value: result.cpuMicrosPerEvent.projection,
      unit: 'µs',
    },
    {
      figure: 'projection: CPU of PostgreSQL per event',
      value: result.cpuMicrosPerEvent.postgres,
      unit: 'µs',
    },
  ];
}
