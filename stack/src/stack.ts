/**
 * Brings the local stack up in dependency order and tears it down in reverse:
 * PostgreSQL → (Kafka ‖ schema registry) → topics and schemas → dev.json.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensureKafka, ensureRegistry } from './artifacts';
import type { StackConfig } from './config';
import { writeDevFile, type DevFile } from './devfile';
import { StackError } from './errors';
import { checkMaven, findStackJava } from './java';
import { kafkaMetaFile, startKafkaCluster, waitForKafka } from './kafka';
import { assertPortsFree } from './ports';
import { provisionPostgres, redact, resolvePostgres, type PostgresTarget } from './postgres';
import { ensureTopics, registerSchemas, stackTopics } from './provision';
import { registryUrl, startRegistry, waitForRegistry } from './registry';
import { isAlive, killOrphans, markerArg, Supervisor, type Child } from './supervisor';
import { findPrometheus, localTargets, monitoringHome, startPrometheus } from './monitoring';
import { bootstrap } from './bootstrap';
import { loadSecrets } from './secrets';
import { alignWithLog, readClusterId } from './lineage';
import {
  ensureBuilt,
  serviceEnvironment,
  startService,
  waitForReady,
  type RunMode,
  type ServiceSpec,
} from './services';
import { RestartPolicy, type RestartPolicyOptions } from './restart';
import type { ExitReason, RestartOptions } from './supervisor';

const pkg = (config: StackConfig, name: string) => path.join(config.repoRoot, name);

export interface StackState {
  pid: number;
  mode: 'foreground' | 'background';
  state: 'starting' | 'ready' | 'failed';
  error?: string;
  startedAt: string;
  readyInMs?: number;
}

export const stateFile = (config: StackConfig) => path.join(config.runDir, 'stack.json');

/** The state file as written, whether or not its process still runs. */
export async function readStateFile(config: StackConfig): Promise<StackState | undefined> {
  try {
    return JSON.parse(await readFile(stateFile(config), 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

/** The state of a stack whose launcher is alive. */
export async function readState(config: StackConfig): Promise<StackState | undefined> {
  const state = await readStateFile(config);
  return state && isAlive(state.pid) ? state : undefined;
}

async function writeState(config: StackConfig, state: StackState): Promise<void> {
  await mkdir(config.runDir, { recursive: true });
  await writeFile(stateFile(config), JSON.stringify(state, null, 2));
}

export interface RunningStack {
  dev: DevFile;
  postgres: PostgresTarget;
  supervisor: Supervisor;
  readyInMs: number;
  stop(): Promise<void>;
}

export type Log = (line: string) => void;

/**
 * A child that ends the stack: Kafka or the registry exiting, or a service in a crash loop (a crashed
 * service is otherwise restarted with backoff). The stack goes down with a message, not half-running.
 */
export type OnChildExit = (child: Child, how: string, reason: ExitReason) => void;

export async function startStack(
  config: StackConfig,
  options: {
    mode: StackState['mode'];
    log: Log;
    onChildExit: OnChildExit;
    /** Services from their TypeScript sources (the default) or from `npm run build`'s bundles. */
    run?: RunMode;
    /** Restart crashed services with this policy; without one, any exit ends the stack. */
    restart?: RestartPolicyOptions;
  },
): Promise<RunningStack> {
  const started = Date.now();
  const { log } = options;
  const running = await readState(config);
  if (running && running.pid !== process.pid) {
    throw new StackError(
      'ALREADY_RUNNING',
      `an EventLens stack is already running from ${config.home} (pid ${running.pid}): use it, or stop it with "npm run stack:down"`,
    );
  }
  await mkdir(config.home, { recursive: true });
  await writeState(config, {
    pid: process.pid,
    mode: options.mode,
    state: 'starting',
    startedAt: new Date().toISOString(),
  });
  const orphans = await killOrphans(config.runDir, config.home);
  if (orphans.length > 0) log(`stopped processes left by an earlier run: ${orphans.join(', ')}`);

  await assertPortsFree(config, [
    'kafka',
    'kafkaController',
    'registry',
    'registryManagement',
    'ingest',
    'query',
    'projections',
    ...(config.monitoring ? (['prometheus'] as const) : []),
  ]);
  const [kafkaJava, registryJava] = await findStackJava(config);

  const pomFile = path.join(config.repoRoot, 'stack', 'maven', 'pom.xml');
  const artifacts = (async () => {
    await mkdir(config.cacheDir, { recursive: true });
    let mavenChecked: Promise<void> | undefined;
    const needMaven = () => (mavenChecked ??= checkMaven());
    const [kafkaLibDir, registryJar] = await Promise.all([
      ensureKafka(config.cacheDir, config.kafkaVersion, pomFile, needMaven),
      ensureRegistry(config.cacheDir, config.registryVersion, needMaven),
    ]);
    return { kafkaLibDir, registryJar };
  })();
  const database = (async () => {
    const target = await resolvePostgres({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      privatePort: config.ports.postgres,
    });
    const provisioned = await provisionPostgres(target, { dataDir: config.dataDir });
    await recordCreatedDatabases(config, provisioned.created);
    for (const name of provisioned.passedOver)
      log(
        `PostgreSQL: the database ${name} belongs to another checkout's stack; this checkout's is the next free name`,
      );
    return provisioned.target;
  })();
  // After the database answers, so a bad DATABASE_URL fails at once, not after a build.
  const builds = database.then(() => ensureBuilt(config.repoRoot, log, options.run));
  // All must settle before going on, so a failure in one never leaves the other's work orphaned.
  const [artifactsResult, databaseResult, buildsResult] = await Promise.allSettled([
    artifacts,
    database,
    builds,
  ]);
  if (
    artifactsResult.status === 'rejected' ||
    databaseResult.status === 'rejected' ||
    buildsResult.status === 'rejected'
  ) {
    if (databaseResult.status === 'fulfilled') await databaseResult.value.stop?.();
    const failed = [artifactsResult, databaseResult, buildsResult].find((r) => r.status === 'rejected');
    throw (failed as PromiseRejectedResult).reason;
  }
  const { kafkaLibDir, registryJar } = artifactsResult.value;
  const postgres = databaseResult.value;
  log(`PostgreSQL: ${postgres.source} ${redact(postgres.databaseUrl)}`);

  const supervisor = new Supervisor(config.logDir, config.runDir, options.onChildExit);
  const serviceRun = (name: string): { mode?: RunMode; restart?: RestartOptions } => ({
    mode: options.run,
    ...(options.restart && {
      restart: {
        policy: new RestartPolicy(options.restart),
        onRestarting: (child, how, d) =>
          log(`${name} stopped (${how}); restart ${d.crashesInWindow} in ${(d.delayMs / 1000).toFixed(1)} s`),
        onRestarted: (child) => log(`${name} restarted (pid ${child.process.pid})`),
      },
    }),
  });
  const stop = async () => {
    await supervisor.stopAll();
    await postgres.stop?.();
  };
  try {
    const registry = registryUrl(config.ports.registry);
    const kafka = await startKafkaCluster(
      {
        count: config.kafkaNodes,
        home: config.home,
        dataDir: config.dataDir,
        libDir: kafkaLibDir,
        javaBin: kafkaJava.bin,
        port: config.ports.kafka,
        controllerPort: config.ports.kafkaController,
        heap: config.kafkaHeap,
      },
      supervisor,
    );
    const registryChild = await startRegistry(
      {
        home: config.home,
        cacheDir: config.cacheDir,
        jar: registryJar,
        javaBin: registryJava.bin,
        port: config.ports.registry,
        managementPort: config.ports.registryManagement,
        heap: config.registryHeap,
        databaseUrl: postgres.registryDatabaseUrl,
      },
      supervisor,
    );
    const nodesLabel = config.kafkaNodes === 1 ? 'one node' : `${config.kafkaNodes} nodes`;
    await Promise.all([
      waitForKafka(kafka.brokers, kafka.children, config.readyTimeoutMs, {
        expectBrokers: config.kafkaNodes,
      }).then(() =>
        log(`Kafka ${config.kafkaVersion}: ${kafka.brokers} (${nodesLabel}, Java ${kafkaJava.major})`),
      ),
      waitForRegistry(registry, registryChild, config.readyTimeoutMs).then(() =>
        log(`Apicurio Registry ${config.registryVersion}: ${registry} (Java ${registryJava.major})`),
      ),
    ]);
    const brokers = kafka.brokers;
    const clusterId = await readClusterId(kafkaMetaFile(config.dataDir, config.kafkaNodes));
    const cleared = await alignWithLog({
      databaseUrl: postgres.databaseUrl,
      clusterId,
      ownedByStack: postgres.source !== 'DATABASE_URL',
    });
    if (cleared.length > 0) log(`cleared read models built from another Kafka log: ${cleared.join(', ')}`);
    const created = await ensureTopics(
      brokers,
      stackTopics(config.eventPartitions, config.eventsRetentionMs, config.kafkaNodes),
    );
    if (created.length > 0) log(`created topics: ${created.join(', ')}`);
    const ids = await registerSchemas(registry, undefined, config.readyTimeoutMs);
    log(`schemas: ${Object.keys(ids).length} subjects registered`);
    const secrets = await loadSecrets(config.dataDir);
    const env = serviceEnvironment({
      kafkaBrokers: brokers,
      registryUrl: registry,
      databaseUrl: postgres.databaseUrl,
      readerDatabaseUrl: postgres.readerUrl,
      sessionSecret: secrets.sessionSecret,
      adminToken: secrets.adminToken,
      ingestPort: config.ports.ingest,
      queryPort: config.ports.query,
      projectionsPort: config.ports.projections,
    });
    const ingestUrl = `http://127.0.0.1:${config.ports.ingest}`;
    const queryUrl = `http://127.0.0.1:${config.ports.query}`;
    const services: Array<{ spec: ServiceSpec; readyUrl: string }> = [
      {
        spec: { name: 'projections', packageDir: pkg(config, 'projections'), port: config.ports.projections },
        readyUrl: `http://127.0.0.1:${config.ports.projections}/readyz`,
      },
      {
        spec: { name: 'command-side', packageDir: pkg(config, 'command-side'), port: config.ports.ingest },
        readyUrl: `${ingestUrl}/readyz`,
      },
      {
        spec: { name: 'query-side', packageDir: pkg(config, 'query-side'), port: config.ports.query },
        readyUrl: `${queryUrl}/readyz`,
      },
    ];
    await Promise.all(
      services.map(async ({ spec, readyUrl }) => {
        const child = await startService(spec, env, config.home, supervisor, serviceRun(spec.name));
        await waitForReady(readyUrl, child, config.readyTimeoutMs);
        log(`${spec.name}: ready on port ${spec.port}`);
      }),
    );
    const demo = await bootstrap({
      dataDir: config.dataDir,
      ingestUrl,
      adminToken: secrets.adminToken,
      adminEmail: config.adminEmail,
      adminPassword: config.adminPassword,
    });
    // The console serves the SPA, both APIs under one origin, and the SDK demo with the demo write key.
    const consoleUrl = `http://127.0.0.1:${config.ports.console}`;
    const consoleChild = await startService(
      {
        name: 'console',
        packageDir: pkg(config, 'console'),
        port: config.ports.console,
        entry: 'server/main.ts',
        builtEntry: 'server-dist/main.js',
      },
      {
        EVENTLENS_CONSOLE_PORT: String(config.ports.console),
        EVENTLENS_QUERY_URL: queryUrl,
        EVENTLENS_INGEST_URL: ingestUrl,
        EVENTLENS_DEMO_API_KEY: demo.apiKey,
      },
      config.home,
      supervisor,
      serviceRun('console'),
    );
    await waitForReady(`${consoleUrl}/readyz`, consoleChild, config.readyTimeoutMs);
    log(`console: ready on port ${config.ports.console}; the SDK demo page is ${consoleUrl}/demo/`);
    if (config.monitoring) await startMonitoring(config, supervisor, log);
    const dev: DevFile = {
      ingestUrl,
      consoleUrl,
      queryUrl,
      kafkaBrokers: brokers,
      registryUrl: registry,
      databaseUrl: postgres.databaseUrl,
      readerDatabaseUrl: postgres.readerUrl,
      ...demo,
      adminToken: secrets.adminToken,
    };
    await writeDevFile(config.devFile, dev);
    const readyInMs = Date.now() - started;
    await writeState(config, {
      pid: process.pid,
      mode: options.mode,
      state: 'ready',
      startedAt: new Date(started).toISOString(),
      readyInMs,
    });
    return { dev, postgres, supervisor, readyInMs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * EVENTLENS_MONITORING=1: Prometheus with monitoring/prometheus.yml, scraping this stack's services.
 * Optional: without a Prometheus binary the stack starts anyway, with one line saying so.
 */
async function startMonitoring(config: StackConfig, supervisor: Supervisor, log: Log): Promise<void> {
  const bin = await findPrometheus();
  if (!bin) {
    log(
      'monitoring: Prometheus is not installed (apt-get install prometheus, or set EVENTLENS_PROMETHEUS_BIN); starting without it',
    );
    return;
  }
  const { url } = await startPrometheus(
    {
      dir: monitoringHome(config.home),
      port: config.ports.prometheus,
      targets: localTargets(config.ports),
      bin,
      marker: markerArg(config.home),
    },
    supervisor,
    config.readyTimeoutMs,
  );
  log(`monitoring: Prometheus ${url} (monitoring/prometheus.yml; dashboards in monitoring/grafana/)`);
}

export async function markFailed(
  config: StackConfig,
  mode: StackState['mode'],
  error: string,
): Promise<void> {
  await writeState(config, {
    pid: process.pid,
    mode,
    state: 'failed',
    error,
    startedAt: new Date().toISOString(),
  });
}

const createdFile = (config: StackConfig) => path.join(config.dataDir, 'created-databases.json');

async function recordCreatedDatabases(config: StackConfig, created: string[]): Promise<void> {
  const all = new Set([...(await createdDatabases(config)), ...created]);
  await mkdir(config.dataDir, { recursive: true });
  await writeFile(createdFile(config), JSON.stringify([...all]));
}

/** Databases this stack created on a server it does not own; `stack:reset` drops exactly these. */
export async function createdDatabases(config: StackConfig): Promise<string[]> {
  try {
    return JSON.parse(await readFile(createdFile(config), 'utf8')) as string[];
  } catch {
    return [];
  }
}
