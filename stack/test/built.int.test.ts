/**
 * Production footing: the services' built bundles start with plain node, and a launcher running
 * them (`start --built`) restarts a service killed outright, with nothing lost. The scratch stack
 * runs in its own home, on its own ports and its own databases on the shared PostgreSQL.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, REPO_ROOT } from '../src/config';
import { readDevFile, type DevFile } from '../src/devfile';
import { eventually } from '../src/eventually';
import { freePort } from '../src/ports';
import { SERVICE_ENTRIES } from '../src/services';
import { markerArg } from '../src/supervisor';
import { stackForTests } from '../src/testing';

const run = promisify(execFile);
const config = loadConfig();
const cli = path.join(REPO_ROOT, 'stack', 'src', 'cli.ts');

/** The bundles, as `npm run build` emits them (without its type check, which lint and build own). */
beforeAll(async () => {
  await Promise.all(
    SERVICE_ENTRIES.map(({ name, entry, builtEntry }) =>
      run(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build-service.mjs'), entry, builtEntry], {
        cwd: path.join(REPO_ROOT, name),
        timeout: 60_000,
      }),
    ),
  );
}, 90_000);

const ready = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(2_000) }).then((r) => (r.ok ? true : undefined));

describe('the built entry points', () => {
  it('command-side and query-side start with plain node against the running stack', async () => {
    const dev = await stackForTests();
    const secrets = JSON.parse(await readFile(path.join(config.dataDir, 'secrets.json'), 'utf8')) as {
      sessionSecret: string;
    };
    const cases = [
      { name: 'command-side', portVar: 'EVENTLENS_INGEST_PORT' },
      { name: 'query-side', portVar: 'EVENTLENS_QUERY_PORT' },
    ];
    for (const { name, portVar } of cases) {
      const port = await freePort();
      const child = spawn(process.execPath, [path.join(REPO_ROOT, name, 'dist', 'main.js')], {
        cwd: os.tmpdir(), // nothing may depend on the working directory
        env: {
          PATH: process.env.PATH,
          EVENTLENS_KAFKA_BROKERS: dev.kafkaBrokers,
          EVENTLENS_REGISTRY_URL: dev.registryUrl,
          EVENTLENS_DATABASE_URL: dev.databaseUrl,
          EVENTLENS_READER_DATABASE_URL: dev.readerDatabaseUrl,
          EVENTLENS_SESSION_SECRET: secrets.sessionSecret,
          EVENTLENS_ADMIN_TOKEN: dev.adminToken,
          [portVar]: String(port),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const started = Date.now();
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      try {
        // 'ready', or why not: a process that exited ends the wait at once.
        const outcome = await eventually(
          `${name} /readyz`,
          async () => {
            if (child.exitCode !== null) return `${name} exited: ${stderr}`;
            return (await ready(`http://127.0.0.1:${port}/readyz`)) && 'ready';
          },
          { timeoutMs: 60_000 },
        );
        expect(outcome).toBe('ready');
        console.log(`${name} (built) ready ${Date.now() - started} ms after spawn`);
        const cmdline = (await readFile(`/proc/${child.pid}/cmdline`, 'utf8')).split('\0');
        expect(cmdline).not.toContain('tsx');
      } finally {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        if (child.exitCode === null && child.signalCode === null) await exited;
        clearTimeout(timer);
      }
      expect(child.exitCode, stderr).toBe(0);
    }
  }, 180_000);
});

describe('a scratch stack running the built JavaScript', () => {
  const id = randomBytes(3).toString('hex');
  let home: string;
  let env: NodeJS.ProcessEnv;
  let launcher: ChildProcess;
  let stdout = '';
  let dev: DevFile;

  /**
   * Rethrows `error` with the end of `service`'s log and of the launcher's output: what a failure
   * needs. The log's last lines go on the first line too, which is what the CI summary keeps.
   */
  const failWithLogs = async (error: Error, service: string): Promise<never> => {
    const log = await readFile(path.join(home, 'logs', `${service}.log`), 'utf8').catch(
      (e: Error) => e.message,
    );
    const last = (text: string, n: number) => text.split('\n').filter(Boolean).slice(-n);
    throw new Error(
      `${error.message}; ${service}.log ends: ${last(log, 3).join(' | ')}` +
        `\n--- launcher ---\n${last(stdout, 40).join('\n')}\n--- ${service}.log ---\n${last(log, 40).join('\n')}`,
    );
  };

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'eventlens-built-'));
    const admin = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    admin.pathname = `/eventlens_built_${id}`;
    env = {
      ...process.env,
      EVENTLENS_HOME: home,
      EVENTLENS_CACHE_DIR: config.cacheDir,
      DATABASE_URL: admin.toString(),
      EVENTLENS_KAFKA_PORT: String(await freePort()),
      EVENTLENS_KAFKA_CONTROLLER_PORT: String(await freePort()),
      EVENTLENS_REGISTRY_PORT: String(await freePort()),
      EVENTLENS_REGISTRY_MANAGEMENT_PORT: String(await freePort()),
      EVENTLENS_POSTGRES_PORT: String(await freePort()),
      EVENTLENS_INGEST_PORT: String(await freePort()),
      EVENTLENS_QUERY_PORT: String(await freePort()),
      EVENTLENS_PROJECTIONS_PORT: String(await freePort()),
      EVENTLENS_CONSOLE_PORT: String(await freePort()),
      EVENTLENS_KAFKA_HEAP: '512m',
      EVENTLENS_REGISTRY_HEAP: '384m',
      EVENTLENS_EVENT_PARTITIONS: '1',
      EVENTLENS_RESTART_DELAY_MS: '200',
      EVENTLENS_RESTART_MAX_CRASHES: '3',
      EVENTLENS_RUN: 'built',
      // Each component's readiness may take most of this test's own wait (240 s) on a loaded machine
      // (the default, 120 s, is for one person's laptop); the launcher still gives up first, so its
      // message names the component that was slow.
      EVENTLENS_READY_TIMEOUT_S: '230',
    };
    launcher = spawn(process.execPath, ['--import', 'tsx', cli, 'start'], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launcher.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    launcher.stderr!.on('data', (c: Buffer) => (stdout += c.toString()));
    // 'ready', or why not: a launcher that exited ends the wait at once. The wait is for the last line
    // the launcher prints once ready: the lines after 'ready in' can reach this pipe in a later chunk.
    // The launcher's last lines go on the first line of the error: its "eventlens: …" line says why it
    // stopped, and the first line is what the CI summary keeps.
    const startedAt = Date.now();
    const outcome = await eventually(
      'the scratch stack',
      () =>
        launcher.exitCode !== null
          ? `the launcher exited with code ${launcher.exitCode}`
          : /press Ctrl-C to stop/.test(stdout) && 'ready',
      { timeoutMs: 240_000 },
    ).catch((error: Error) => error.message);
    if (outcome !== 'ready') {
      // The last line first: the CI summary cuts a long first line short.
      const last = stdout.split('\n').filter(Boolean).slice(-3).reverse().join(' | ');
      const after = `${Math.round((Date.now() - startedAt) / 1000)} s`;
      throw new Error(`${outcome} after ${after}; its last lines, newest first: ${last}\n${stdout}`);
    }
    dev = (await readDevFile(path.join(home, 'dev.json')))!;
  }, 300_000);

  afterAll(async () => {
    if (launcher && launcher.exitCode === null) {
      launcher.kill('SIGTERM');
      await new Promise((resolve) => launcher.once('exit', resolve));
    }
    if (home) {
      await run(process.execPath, ['--import', 'tsx', cli, 'reset'], {
        cwd: REPO_ROOT,
        env,
        timeout: 120_000,
      });
      expect(await processesOf(home)).toEqual([]);
      await rm(home, { recursive: true, force: true });
    }
  }, 180_000);

  it('restarts a service killed with SIGKILL: a new pid, ready again, and the event accepted before is there', async () => {
    expect(stdout).toContain('services run from their built JavaScript');
    const post = (eventId: string) =>
      fetch(`${dev.ingestUrl}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          api_key: dev.apiKey,
          event_name: 'page_view',
          event_id: eventId,
          session_id: `s-${id}`,
        }),
      });
    const before = randomUUID();
    expect((await post(before)).status).toBe(202);

    const pidFile = path.join(home, 'run', 'command-side.pid');
    const oldPid = Number(await readFile(pidFile, 'utf8'));
    const cmdline = await readFile(`/proc/${oldPid}/cmdline`, 'utf8');
    expect(cmdline).toContain(path.join('command-side', 'dist', 'main.js'));
    const killedAt = Date.now();
    process.kill(oldPid, 'SIGKILL');

    const newPid = await eventually(
      'a new command-side process',
      async () => {
        const pid = Number(await readFile(pidFile, 'utf8'));
        return pid && pid !== oldPid ? pid : undefined;
      },
      { timeoutMs: 30_000 },
    );
    await eventually('command-side /readyz after the restart', () => ready(`${dev.ingestUrl}/readyz`), {
      timeoutMs: 60_000,
    }).catch((error: Error) => failWithLogs(error, 'command-side'));
    const backAfterMs = Date.now() - killedAt;
    expect(newPid).not.toBe(oldPid);
    expect(stdout).toMatch(/command-side stopped \(signal SIGKILL\); restart 1 in 0\.2 s/);
    expect(stdout).toContain(`command-side restarted (pid ${newPid})`);
    expect(launcher.exitCode).toBeNull();

    const after = randomUUID();
    expect((await post(after)).status).toBe(202);
    for (const eventId of [before, after]) {
      await eventually(
        `event ${eventId} in the query API`,
        async () => {
          const r = await fetch(`${dev.queryUrl}/v1/events/${eventId}`, {
            headers: { authorization: `Bearer ${dev.readKey}` },
          });
          return r.status === 200;
        },
        { timeoutMs: 30_000 },
      );
    }
    console.log(`command-side ready again ${backAfterMs} ms after SIGKILL`);
  }, 150_000);

  it('a crash loop (here 3 crashes within the window) is reported in one line and stops the stack with exit code 1', async () => {
    const pidFile = path.join(home, 'run', 'query-side.pid');
    let pid = Number(
      await readFile(pidFile, 'utf8').catch((error: Error) => failWithLogs(error, 'query-side')),
    );
    let code: number | null | undefined;
    launcher.once('exit', (exitCode) => (code = exitCode));
    for (let crash = 1; crash <= 3; crash++) {
      process.kill(pid, 'SIGKILL');
      if (crash === 3) break;
      const previous = pid;
      pid = await eventually(
        `query-side restart ${crash}`,
        async () => {
          const next = Number(await readFile(pidFile, 'utf8'));
          return next && next !== previous ? next : undefined;
        },
        { timeoutMs: 30_000 },
      );
    }
    await eventually('the launcher to stop', () => code !== undefined, { timeoutMs: 90_000 });
    expect(code).toBe(1);
    const reports = stdout.split('\n').filter((line) => line.includes('giving up'));
    expect(reports).toEqual([
      `eventlens: query-side crashed 3 times within 300 s (last: signal SIGKILL): giving up on it and stopping the stack; its last lines (${path.join(home, 'logs', 'query-side.log')}):`,
    ]);
    expect(await processesOf(home)).toEqual([]);
  }, 150_000);
});

/** Processes whose command line carries the marker of a given stack home. */
async function processesOf(home: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      if (cmdline.includes(markerArg(home))) found.push(`${pid} ${cmdline.slice(0, 80)}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}
