/**
 * The local stack as a user and third-party tools see it. Runs against the stack `npm test`
 * started; the failure cases start a second launcher in a scratch home and must fail fast,
 * with one line, leaving no process behind.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { EVENT_TYPES, PROJECTIONS, subjectOf, topicSpecs } from '@eventlens/contracts';
import pg from 'pg';
import { freePort, freePortRun } from '../src/ports';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, REPO_ROOT } from '../src/config';
import { eventually } from '../src/eventually';
import { findJava } from '../src/java';
import { jdbcEnv } from '../src/registry';
import { markerArg } from '../src/supervisor';
import { stackForTests } from '../src/testing';

const run = promisify(execFile);
const config = loadConfig();
const cli = path.join(REPO_ROOT, 'stack', 'src', 'cli.ts');

/** Processes whose command line carries the marker of a given stack home. */
async function processesOf(home: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const { readFile } = await import('node:fs/promises');
      const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      if (cmdline.includes(markerArg(home))) found.push(`${pid} ${cmdline.slice(0, 80)}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Runs `cli.ts start` in a scratch home with free ports and the shared download cache. */
async function startScratch(env: Record<string, string>) {
  const home = await mkdtemp(path.join(os.tmpdir(), 'eventlens-scratch-'));
  scratchHomes.push(home);
  const ports = {
    EVENTLENS_KAFKA_PORT: String(await freePort()),
    EVENTLENS_KAFKA_CONTROLLER_PORT: String(await freePort()),
    EVENTLENS_REGISTRY_PORT: String(await freePort()),
    EVENTLENS_REGISTRY_MANAGEMENT_PORT: String(await freePort()),
    EVENTLENS_INGEST_PORT: String(await freePort()),
    EVENTLENS_QUERY_PORT: String(await freePort()),
    EVENTLENS_PROJECTIONS_PORT: String(await freePort()),
    EVENTLENS_CONSOLE_PORT: String(await freePort()),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'start'], {
    cwd: REPO_ROOT,
    env: { ...process.env, EVENTLENS_HOME: home, EVENTLENS_CACHE_DIR: config.cacheDir, ...ports, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { home, code, stderr, elapsedMs: Date.now() - started };
}

const scratchHomes: string[] = [];
afterEach(async () => {
  for (const home of scratchHomes.splice(0)) await rm(home, { recursive: true, force: true });
});

describe('the running stack', () => {
  it('writes dev.json with what a user needs next', async () => {
    const dev = await stackForTests();
    expect(dev.kafkaBrokers).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(dev.registryUrl).toMatch(/\/apis\/ccompat\/v7$/);
    const client = new pg.Client({ connectionString: dev.databaseUrl });
    await client.connect();
    await client.end();
  });

  it('a third-party Kafka client (kcat) lists the project topics', async () => {
    const dev = await stackForTests();
    const kcat = await run('kcat', ['-L', '-b', dev.kafkaBrokers, '-m', '10'], { timeout: 30_000 }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT')
          throw new Error('kcat is not installed: apt-get install kcat (.ci/run does it)');
        throw error;
      },
    );
    const specs = topicSpecs({ projections: PROJECTIONS, eventPartitions: config.eventPartitions });
    for (const spec of specs) {
      expect(kcat.stdout).toContain(`topic "${spec.topic}" with ${spec.numPartitions} partitions`);
    }
  });

  it('curl on the registry lists the project subjects', async () => {
    const dev = await stackForTests();
    const { stdout } = await run('curl', ['-sf', `${dev.registryUrl}/subjects`], { timeout: 30_000 });
    const subjects = JSON.parse(stdout) as string[];
    for (const type of EVENT_TYPES) expect(subjects).toContain(subjectOf(type));
  });

  it('the read-only role can read but not write', async () => {
    const dev = await stackForTests();
    const owner = new pg.Client({ connectionString: dev.databaseUrl });
    const reader = new pg.Client({ connectionString: dev.readerDatabaseUrl });
    await owner.connect();
    await reader.connect();
    const table = `stack_test_${Date.now()}`;
    try {
      await owner.query(`create table ${table} (n int)`);
      await owner.query(`insert into ${table} values (1)`);
      expect((await reader.query(`select n from ${table}`)).rows).toEqual([{ n: 1 }]);
      await expect(reader.query(`insert into ${table} values (2)`)).rejects.toThrow(/permission denied/);
    } finally {
      await owner.query(`drop table if exists ${table}`);
      await owner.end();
      await reader.end();
    }
  });

  it('the registry keeps schema ids across a restart: a fresh registry on the same storage resolves them', async () => {
    const dev = await stackForTests();
    const ids = await Promise.all(
      EVENT_TYPES.map(async (type) => {
        const res = await fetch(`${dev.registryUrl}/subjects/${subjectOf(type)}/versions/latest`);
        return ((await res.json()) as { id: number }).id;
      }),
    );
    const java = await findJava({
      minMajor: 21,
      preferHomes: [config.registryJavaHome, config.javaHome],
      purpose: 'registry',
      envHint: '',
    });
    const cache = await readdir(config.cacheDir);
    const registryDir = cache.find((d) => d.startsWith('apicurio-registry-'))!;
    // Below the ephemeral range: the registry binds seconds later, after the JVM starts, and a port
    // picked among the ephemeral ones may by then be another test's outgoing connection.
    const port = await freePortRun(2);
    const managementPort = port + 1;
    const registryDb = new URL(dev.databaseUrl);
    registryDb.pathname = `${registryDb.pathname}_registry`;
    const second = spawn(
      java.bin,
      [
        '-Xmx384m',
        `-Dquarkus.http.port=${port}`,
        '-Dquarkus.http.host=127.0.0.1',
        '-Dquarkus.management.host=127.0.0.1',
        `-Dquarkus.management.port=${managementPort}`,
        '-jar',
        'quarkus-run.jar',
      ],
      {
        cwd: path.join(config.cacheDir, registryDir),
        env: { ...process.env, ...jdbcEnv(registryDb.toString()) },
        stdio: 'ignore',
      },
    );
    try {
      const url = `http://127.0.0.1:${port}/apis/ccompat/v7`;
      let exited: number | null = null;
      second.once('exit', (code) => (exited = code ?? -1));
      await eventually(
        'the second registry',
        async () => {
          if (exited !== null) throw new Error(`the second registry exited with code ${exited}`);
          return (await fetch(`${url}/subjects`)).ok;
        },
        { timeoutMs: 200_000, intervalMs: 500 },
      );
      for (const [i, type] of EVENT_TYPES.entries()) {
        const res = await fetch(`${url}/schemas/ids/${ids[i]}`);
        expect(res.status).toBe(200);
        expect(JSON.parse(((await res.json()) as { schema: string }).schema)).toMatchObject({ name: type });
      }
    } finally {
      second.kill('SIGKILL');
    }
    // A JVM's start is seconds on a quiet machine and can be a minute or two on a loaded one (69 s of
    // a CI run here): the test's deadline is above the 200 s wait for the second registry.
  }, 240_000);
});

describe('start-up failures: one line, non-zero exit, nothing left running', () => {
  it('a port already taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const result = await startScratch({ EVENTLENS_REGISTRY_PORT: String(taken) });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        `eventlens: port ${taken} for the schema registry is already in use: stop what holds it (ss -ltnp 'sport = :${taken}') or set EVENTLENS_REGISTRY_PORT to a free port`,
      ]);
      expect(await processesOf(result.home)).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('an unreachable DATABASE_URL', async () => {
    const dead = await freePort();
    const result = await startScratch({
      DATABASE_URL: `postgres://someone:secret@127.0.0.1:${dead}/eventlens`,
    });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^eventlens: DATABASE_URL \(postgres:\/\/someone:\*\*\*@127\.0\.0\.1:\d+\/eventlens\) is unreachable: .*ECONNREFUSED/,
    );
    expect(lines[0]).not.toContain('secret');
    expect(await processesOf(result.home)).toEqual([]);
  });

  it('a second stack in the same home', async () => {
    const result = spawn(process.execPath, ['--import', 'tsx', cli, 'start'], {
      cwd: REPO_ROOT,
      env: process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    result.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise((resolve) => result.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/already running.*npm run stack:down/);
  });
});
