/**
 * `npm run bench`: measures the pipeline on this machine and prints a table; saves JSON under
 * bench/results/. Each figure is printed with the ceiling it is bounded by, measured in the same run:
 * kafkajs producing straight to the broker, COPY straight into PostgreSQL, SQL without HTTP.
 *
 * Needs the stack running (`npm run stack:up`). It works on topics, schemas and databases of its own,
 * and drops them afterwards, except for the events it sends through the running services for the
 * end-to-end latency (a project named "bench <time>").
 *
 * This file composes the benchmarks (src/benchmarks/: ingestion, projection, end-to-end latency,
 * explorer reads, reports at 10 million events, the build's sizes) in that order; their settings are read once, here,
 * from BENCH_* (src/config.ts). `BENCH_ONLY=e2e` runs the end-to-end latency alone (nothing saved),
 * `BENCH_ONLY=ingestion|projection|explorer` that one with its ceilings (nothing saved),
 * `BENCH_ONLY=sizes` the script tag's and the console's first-load sizes (nothing saved),
 * `BENCH_ONLY=reports` the reports alone (saved).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCodec } from '@eventlens/contracts';
import { loadConfig, REPO_ROOT, stackForTests, type DevFile } from '@eventlens/stack';
import { endToEndRows, measureEndToEnd } from './benchmarks/end-to-end';
import { explorerRows, measureExplorer } from './benchmarks/explorer';
import { describeIngestion, ingestionRows, measureIngestion } from './benchmarks/ingestion';
import { measureProjection, projectionRows } from './benchmarks/projection';
import { AIM_MS, measureReports, reportsRows, type ReportsResult } from './benchmarks/reports';
import { measureSizes, sizesRows } from './benchmarks/sizes';
import { copyCeiling, copyEveryIndexCeiling, kafkaCeiling } from './ceilings';
import { loadBenchConfig, type BenchConfig } from './config';
import { formatReportsTable, printTable, type Row } from './report';
import { settle, type Quiet } from './quiet';
import { deleteTopics, log, withServices } from './support';

async function main(config: BenchConfig): Promise<void> {
  const dev = await stackForTests();
  const stack = withServices(dev);
  const id = randomBytes(4).toString('hex');
  const codec = createCodec({ registryUrl: dev.registryUrl });
  await codec.register();
  const rows: Row[] = [];
  const machine = `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg()[0]!.toFixed(1)}`;
  log(`on ${machine}`);
  // The stage histograms' sources: the command side, and the projection workers' port from the
  // same EVENTLENS_* settings the stack was started with.
  const metricsUrls = [
    `${stack.ingestUrl}/metrics`,
    `http://127.0.0.1:${loadConfig(process.env).ports.projections}/metrics`,
  ];
  // Before each benchmark: a checkpoint and a quiet machine (quiet.ts), so none measures the last one's leftovers.
  const settled: Record<string, Quiet> = {};
  const settleBefore = async (benchmark: string) => {
    settled[benchmark] = await settle(dev.databaseUrl, log);
  };
  if (config.only === 'e2e') {
    await settleBefore('e2e');
    const e2e = await measureEndToEnd(stack, metricsUrls, config);
    const e2eRows = endToEndRows(e2e);
    printTable(e2eRows);
    await save({
      at: new Date().toISOString(),
      machine,
      only: 'e2e',
      rows: e2eRows,
      details: { e2e, settled },
    });
    return;
  }
  if (config.only === 'ingestion') {
    try {
      log(`ceiling: kafkajs producing ${config.events} events straight to the broker`);
      const kafka = await kafkaCeiling({
        brokers: dev.kafkaBrokers,
        codec,
        topic: `bench.${id}.events`,
        events: config.events,
      });
      log('ingestion: bare HTTP, then /v1/events one event per request, then /v1/batch');
      const ingest = await measureIngestion(dev, id, config);
      log(describeIngestion(ingest));
      printTable(ingestionRows(ingest, kafka.eventsPerSecond));
    } finally {
      await deleteTopics(dev.kafkaBrokers, `bench.${id}.`);
    }
    return;
  }
  if (config.only === 'projection') {
    try {
      const source = `bench.${id}.events`;
      log(`ceiling: kafkajs producing ${config.events} events straight to the broker`);
      await kafkaCeiling({ brokers: dev.kafkaBrokers, codec, topic: source, events: config.events });
      const { copy, copyEveryIndex } = await copyCeilings(dev, config.events);
      log(`projection: analytics over the ${config.events} events of the kafkajs ceiling`);
      const proj = await measureProjection(dev, id, source, config.events, config);
      printTable(
        projectionRows(proj, { copy: copy.rowsPerSecond, copyEveryIndex: copyEveryIndex.rowsPerSecond }),
      );
    } finally {
      await deleteTopics(dev.kafkaBrokers, `bench.${id}.`);
    }
    return;
  }
  if (config.only === 'sizes') {
    printTable(sizesRows(await measureSizes(REPO_ROOT)));
    return;
  }
  if (config.only === 'explorer') {
    log(`explorer: first page over ${config.explorerEvents} events (loading takes a minute)`);
    printTable(explorerRows(await measureExplorer(dev, config)));
    return;
  }
  if (config.only === 'reports') {
    log(`reports: every report at ${config.reportsEvents} events (seeding takes minutes)`);
    const reports = await measureReports(dev, config);
    printReports(reports);
    await save({
      at: new Date().toISOString(),
      machine,
      only: 'reports',
      rows: reportsRows(reports),
      details: { reports },
    });
    return;
  }
  try {
    log(`ceiling: kafkajs producing ${config.events} events straight to the broker`);
    const source = `bench.${id}.events`;
    const kafka = await kafkaCeiling({
      brokers: dev.kafkaBrokers,
      codec,
      topic: source,
      events: config.events,
    });
    const { copy, copyEveryIndex } = await copyCeilings(dev, config.events);

    await settleBefore('ingestion');
    log('ingestion: bare HTTP, then /v1/events one event per request, then /v1/batch');
    const ingest = await measureIngestion(dev, id, config);
    rows.push(...ingestionRows(ingest, kafka.eventsPerSecond));
    log(describeIngestion(ingest));

    await settleBefore('projection');
    log(`projection: analytics over the ${config.events} events of the kafkajs ceiling`);
    const proj = await measureProjection(dev, id, source, config.events, config);
    rows.push(
      ...projectionRows(proj, { copy: copy.rowsPerSecond, copyEveryIndex: copyEveryIndex.rowsPerSecond }),
    );

    await settleBefore('e2e');
    log(`end to end: ${config.e2eRate} events/s through the running services`);
    const e2e = await measureEndToEnd(stack, metricsUrls, config);
    rows.push(...endToEndRows(e2e));

    await settleBefore('explorer');
    log(`explorer: first page over ${config.explorerEvents} events (loading takes a minute)`);
    const ex = await measureExplorer(dev, config);
    rows.push(...explorerRows(ex));

    await settleBefore('reports');
    log(`reports: every report at ${config.reportsEvents} events (seeding takes minutes)`);
    const reports = await measureReports(dev, config);
    rows.push(...reportsRows(reports));

    const sizes = await measureSizes(REPO_ROOT);
    rows.push(...sizesRows(sizes));

    printTable(rows);
    printReports(reports);
    await save({
      at: new Date().toISOString(),
      machine,
      events: config.events,
      rows,
      details: { kafka, copy, copyEveryIndex, ingest, proj, e2e, ex, reports, sizes, settled },
    });
  } finally {
    await deleteTopics(dev.kafkaBrokers, `bench.${id}.`);
  }
}

/**
 * Both COPY ceilings over `rows` rows, one after the other: into a key and one index (the
 * projection's aim), and into the read model's `events` shape with every index (ceilings.ts).
 */
async function copyCeilings(dev: DevFile, rows: number) {
  log(`ceiling: COPY of ${rows} rows straight into PostgreSQL`);
  const copy = await copyCeiling({ databaseUrl: dev.databaseUrl, rows });
  log(`ceiling: COPY of ${rows} rows into a table like the read model's events, every index`);
  const copyEveryIndex = await copyEveryIndexCeiling({
    databaseUrl: dev.databaseUrl,
    // The role the projection process grants its schemas to, as it reads it (EVENTLENS_READER_DATABASE_URL).
    readerRole: decodeURIComponent(new URL(dev.readerDatabaseUrl).username),
    rows,
  });
  return { copy, copyEveryIndex };
}

/** The reports' own table (report, p50, p95, bare SQL p95, within the aim), after the run's table. */
function printReports(reports: ReportsResult): void {
  console.log('');
  for (const line of formatReportsTable(reports.reports, AIM_MS)) console.log(line);
}

/** Saves a run as bench/results/<time>.json. */
async function save(result: { at: string } & Record<string, unknown>): Promise<void> {
  await mkdir(path.join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  const file = path.join(REPO_ROOT, 'bench', 'results', `${result.at.replaceAll(':', '-')}.json`);
  await writeFile(file, JSON.stringify(result, null, 2));
  log(`saved ${path.relative(REPO_ROOT, file)}`);
}

// The one read of the environment: before anything starts, so a bad value costs nothing.
Promise.resolve()
  .then(() => main(loadBenchConfig(process.env)))
  .catch((error: unknown) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
