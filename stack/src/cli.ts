/**
 * The stack's command line (root scripts call it):
 *   start   the whole stack in the foreground; Ctrl-C stops every child. A crashed service is
 *           restarted with backoff; a crash loop, or Kafka or the registry exiting, stops the stack
 *           with exit code 1. `--built` (or EVENTLENS_RUN=built) runs the services' `npm run build`
 *           bundles instead of their TypeScript sources
 *   up      the same in the background, returning once it is ready (what `npm test` uses)
 *   down    stops a stack started either way
 *   reset   stops it and wipes its data (the download cache is kept)
 *   status  prints whether it runs and where (secrets masked; `--show-secrets` prints them)
 *   fetch   downloads Kafka and Apicurio Registry into the cache, and nothing else (for CI images)
 *   projections <args>  runs the projections CLI (dlq:replay, rebuild, …) against the running stack
 */
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureKafka, ensureRegistry } from './artifacts';
import { loadConfig, type StackConfig } from './config';
import { checkMaven, findStackJava } from './java';
import { describeDevFile, readDevFile } from './devfile';
import { StackError } from './errors';
import { monitoringHome } from './monitoring';
import { dropProvisioned, resolvePostgres } from './postgres';
import {
  createdDatabases,
  markFailed,
  readState,
  readStateFile,
  startStack,
  stateFile,
  type StackState,
} from './stack';
import { restartPolicyFromEnv } from './restart';
import { runModeFrom, type RunMode } from './services';
import { findOrphans, isAlive, killOrphans, lastLines } from './supervisor';

const log = (line: string) => console.log(`eventlens: ${line}`);

function fail(error: unknown): never {
  if (error instanceof StackError) {
    console.error(`eventlens: ${error.message}`);
  } else {
    console.error(`eventlens: unexpected failure: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
}

async function start(config: StackConfig, mode: StackState['mode'], run: RunMode): Promise<void> {
  let shuttingDown = false;
  let stack: Awaited<ReturnType<typeof startStack>> | undefined;
  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log('stopping…');
    await stack?.stop();
    await rm(stateFile(config), { force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  try {
    stack = await startStack(config, {
      mode,
      log,
      run,
      restart: restartPolicyFromEnv(),
      onChildExit: (child, how, reason) => {
        void lastLines(child.logFile).then((tail) => {
          const what =
            reason.kind === 'crash-loop'
              ? `${child.name} crashed ${reason.crashes} times within ${Math.round(reason.windowMs / 1000)} s (last: ${how}): giving up on it and stopping the stack`
              : `${child.name} stopped unexpectedly (${how})`;
          console.error(`eventlens: ${what}; its last lines (${child.logFile}):\n${tail}`);
          void shutdown(1);
        });
      },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The state file belongs to the stack that is already running: leave it alone.
    if (!(error instanceof StackError && error.code === 'ALREADY_RUNNING')) {
      await markFailed(config, mode, message).catch(() => undefined);
    }
    if (shuttingDown) return;
    fail(error);
  }
  log(`ready in ${(stack.readyInMs / 1000).toFixed(1)} s; details in ${config.devFile}`);
  // Secrets in clear only on a terminal: a start under systemd or nohup writes this to a journal or
  // a log file, which `status` would not show them in (README: they are in dev.json).
  for (const line of describeDevFile(stack.dev, { showSecrets: process.stdout.isTTY === true }))
    console.log(line);
  if (run === 'built') log('services run from their built JavaScript (npm run build)');
  log(mode === 'foreground' ? 'press Ctrl-C to stop' : 'stop with "npm run stack:down"');
}

async function up(config: StackConfig, run: RunMode): Promise<void> {
  const current = await readState(config);
  if (current?.state === 'ready') {
    log(`already running (pid ${current.pid}); details in ${config.devFile}`);
    return;
  }
  // The one process whose state counts: the stack already starting, or the one started here.
  let owner: number | undefined = current?.pid;
  if (current?.state === 'starting') {
    log(`a stack is starting (pid ${current.pid}); waiting for it`);
  } else {
    // A state file left by an earlier failed start must not be read as this start's outcome.
    await rm(stateFile(config), { force: true });
    await mkdir(config.logDir, { recursive: true });
    const logFile = path.join(config.logDir, 'stack.log');
    const out = openSync(logFile, 'a');
    const child = spawn(
      process.execPath,
      [
        ...process.execArgv,
        fileURLToPath(import.meta.url),
        'start',
        '--background',
        ...(run === 'built' ? ['--built'] : []),
      ],
      {
        detached: true,
        stdio: ['ignore', out, out],
        env: process.env,
      },
    );
    child.unref();
    owner = child.pid;
    log(`starting in the background (pid ${child.pid}, log ${logFile})`);
  }
  const deadline = Date.now() + config.readyTimeoutMs + 15 * 60_000; // first run also downloads
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const raw = await readStateFile(config);
    const state = raw?.pid === owner ? raw : undefined;
    if (state?.state === 'ready' && isAlive(state.pid)) {
      log(`ready in ${((state.readyInMs ?? 0) / 1000).toFixed(1)} s; details in ${config.devFile}`);
      return;
    }
    if (state?.state === 'failed') fail(new StackError('SERVICE_FAILED', state.error ?? 'start-up failed'));
    if (owner !== undefined && !isAlive(owner)) {
      fail(
        new StackError(
          'SERVICE_FAILED',
          `the background stack exited; see ${path.join(config.logDir, 'stack.log')}`,
        ),
      );
    }
  }
  fail(new StackError('SERVICE_FAILED', 'the background stack did not become ready in time'));
}

async function down(config: StackConfig): Promise<boolean> {
  const state = await readState(config);
  if (state) {
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + 60_000;
    while (isAlive(state.pid) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 200));
    if (isAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
  }
  const orphans = await killOrphans(config.runDir, config.home);
  await rm(stateFile(config), { force: true });
  log(
    state
      ? `stopped (pid ${state.pid})`
      : orphans.length > 0
        ? `stopped leftovers: ${orphans.join(', ')}`
        : 'not running',
  );
  return Boolean(state);
}

async function reset(config: StackConfig): Promise<void> {
  await down(config);
  const databases = await createdDatabases(config);
  if (databases.length > 0) {
    const target = await resolvePostgres({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      privatePort: config.ports.postgres,
    });
    try {
      if (target.source !== 'private server') await dropProvisioned(target, databases);
    } finally {
      await target.stop?.();
    }
  }
  await rm(config.dataDir, { recursive: true, force: true });
  // Prometheus's series too: kept, they named projects the reset wiped, and its alerts fired for them.
  await rm(monitoringHome(config.home), { recursive: true, force: true });
  await rm(config.devFile, { force: true });
  log(
    `wiped ${config.dataDir}, ${monitoringHome(config.home)}${databases.length > 0 ? ` and databases ${databases.join(', ')}` : ''} (download cache kept)`,
  );
}

async function status(config: StackConfig, showSecrets: boolean): Promise<void> {
  const state = await readState(config);
  if (!state) {
    // The launcher may have been killed with its services still running (and still answering).
    const orphans = await findOrphans(config.runDir, config.home);
    log(
      orphans.length > 0
        ? `not running, but its launcher is gone and these processes run unsupervised: ${orphans.map((o) => `${o.name} (pid ${o.pid})`).join(', ')}; \`npm run stack:down\` stops them`
        : 'not running',
    );
    process.exitCode = 3;
    return;
  }
  log(`${state.state} (pid ${state.pid}, ${state.mode})`);
  const dev = await readDevFile(config.devFile);
  if (dev) for (const line of describeDevFile(dev, { showSecrets })) console.log(line);
}

async function fetchArtifacts(config: StackConfig): Promise<void> {
  await mkdir(config.cacheDir, { recursive: true });
  const pomFile = path.join(config.repoRoot, 'stack', 'maven', 'pom.xml');
  const [libDir, jar, [kafkaJava, registryJava]] = await Promise.all([
    ensureKafka(config.cacheDir, config.kafkaVersion, pomFile, checkMaven),
    ensureRegistry(config.cacheDir, config.registryVersion, checkMaven),
    findStackJava(config),
  ]);
  log(`Kafka ${config.kafkaVersion}: ${libDir} (Java ${kafkaJava.major}: ${kafkaJava.bin})`);
  log(
    `Apicurio Registry ${config.registryVersion}: ${jar} (Java ${registryJava.major}: ${registryJava.bin})`,
  );
}

/** The projections CLI, configured from dev.json like the services the stack runs. */
async function projectionsCli(config: StackConfig, args: string[]): Promise<void> {
  const dev = await readDevFile(config.devFile);
  if (!dev)
    throw new StackError('NOT_RUNNING', `no stack in ${config.home}: start it with "npm start" first`);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(config.repoRoot, 'projections', 'src', 'cli.ts'), ...args],
    {
      cwd: path.join(config.repoRoot, 'projections'),
      stdio: 'inherit',
      env: {
        ...process.env,
        EVENTLENS_KAFKA_BROKERS: dev.kafkaBrokers,
        EVENTLENS_REGISTRY_URL: dev.registryUrl,
        EVENTLENS_DATABASE_URL: dev.databaseUrl,
        EVENTLENS_READER_DATABASE_URL: dev.readerDatabaseUrl,
      },
    },
  );
  process.exitCode = await new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case 'start':
      return start(config, rest.includes('--background') ? 'background' : 'foreground', runModeFrom(rest));
    case 'up':
      return up(config, runModeFrom(rest));
    case 'down':
      await down(config);
      return;
    case 'reset':
      return reset(config);
    case 'status':
      return status(config, rest.includes('--show-secrets'));
    case 'fetch':
      return fetchArtifacts(config);
    case 'projections':
      return projectionsCli(config, rest);
    case '--help':
    case '-h':
    case 'help':
      console.log(
        'usage: npm run <start|stack:up|stack:down|stack:reset> (node stack/src/cli.ts start [--background] | up | down | reset | status [--show-secrets] | fetch | projections <command>)',
      );
      return;
    default:
      throw new StackError(
        'CONFIG_INVALID',
        `unknown command "${command ?? ''}": use start, up, down, reset, status, fetch or projections`,
      );
  }
}

main(process.argv.slice(2)).catch(fail);
