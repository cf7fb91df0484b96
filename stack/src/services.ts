/**
 * The EventLens services, run by the launcher as child processes once the infrastructure is ready.
 * Each is the package's own composition root (`<package>/src/main.ts`), configured through the
 * environment described in docs/CONVENTIONS.md, and is ready when its /readyz answers 200.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { StackError } from './errors';
import { markerArg, type Child, type Supervisor } from './supervisor';

export interface ServiceSpec {
  name: string;
  packageDir: string;
  port: number;
  /** The composition root, relative to the package; `src/main.ts` unless said otherwise. */
  entry?: string;
}

export interface ServiceEnv {
  kafkaBrokers: string;
  registryUrl: string;
  databaseUrl: string;
  readerDatabaseUrl: string;
  sessionSecret: string;
  adminToken: string;
  ingestPort: number;
  queryPort: number;
  projectionsPort: number;
}

export function serviceEnvironment(e: ServiceEnv): Record<string, string> {
  return {
    EVENTLENS_KAFKA_BROKERS: e.kafkaBrokers,
    EVENTLENS_REGISTRY_URL: e.registryUrl,
    EVENTLENS_DATABASE_URL: e.databaseUrl,
    EVENTLENS_READER_DATABASE_URL: e.readerDatabaseUrl,
    EVENTLENS_SESSION_SECRET: e.sessionSecret,
    EVENTLENS_ADMIN_TOKEN: e.adminToken,
    EVENTLENS_INGEST_PORT: String(e.ingestPort),
    EVENTLENS_QUERY_PORT: String(e.queryPort),
    EVENTLENS_PROJECTIONS_PORT: String(e.projectionsPort),
    // The console server proxies both APIs from loopback and replaces any client-sent forwarding
    // headers, so that hop (and only it) may name the client's address.
    EVENTLENS_INGEST_TRUST_PROXY: 'loopback',
    EVENTLENS_QUERY_TRUST_PROXY: 'loopback',
  };
}

export async function startService(
  spec: ServiceSpec,
  env: Record<string, string>,
  home: string,
  supervisor: Supervisor,
): Promise<Child> {
  return supervisor.spawn({
    name: spec.name,
    command: process.execPath,
    // The marker after the script is an ignored argument that lets `stack:down` recognise the process.
    args: ['--import', 'tsx', path.join(spec.packageDir, spec.entry ?? 'src/main.ts'), markerArg(home)],
    cwd: spec.packageDir,
    env: { ...env, NODE_ENV: process.env.NODE_ENV ?? 'development' },
  });
}

export async function waitForReady(url: string, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  void child.exited.then((how) => (exited = how));
  let last = '';
  while (Date.now() < deadline) {
    if (exited)
      throw new StackError(
        'SERVICE_FAILED',
        `${child.name} stopped during start-up (${exited}); see ${child.logFile}`,
      );
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `HTTP ${res.status} ${(await res.text()).slice(0, 200)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new StackError(
    'SERVICE_FAILED',
    `${child.name} was not ready at ${url} within ${timeoutMs / 1000}s (${last}); see ${child.logFile}`,
  );
}

/**
 * Front-end bundles the services serve (the SDK's script-tag build, the console): built once on a
 * fresh clone, reused afterwards. Runs while the infrastructure starts.
 */
const run = promisify(execFile);

export async function ensureBuilt(repoRoot: string, log: (line: string) => void): Promise<void> {
  const bundles = [
    { workspace: 'sdk', output: path.join(repoRoot, 'sdk', 'dist', 'eventlens.min.js') },
    { workspace: 'console', output: path.join(repoRoot, 'console', 'dist', 'index.html') },
  ];
  for (const bundle of bundles) {
    if (existsSync(bundle.output)) continue;
    log(`building ${bundle.workspace} (first start)…`);
    try {
      await run('npm', ['run', '-s', 'build', '-w', bundle.workspace], {
        cwd: repoRoot,
        timeout: 10 * 60_000,
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const out = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
      throw new StackError(
        'SERVICE_FAILED',
        `building ${bundle.workspace} failed: ${out.trim().split('\n').slice(-3).join(' ')}`,
      );
    }
  }
}
