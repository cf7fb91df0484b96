/**
 * The EventLens services, run by the launcher as child processes once the infrastructure is ready.
 * Each is the package's own composition root, configured through the environment described in
 * docs/CONVENTIONS.md, and is ready when its /readyz answers 200. Two ways to run it:
 *   - source (the default): `node --import tsx <package>/src/main.ts`, no build step;
 *   - built (`npm start -- --built`, EVENTLENS_RUN=built): `node <package>/dist/main.js`, the bundle
 *     `npm run build` writes (scripts/build-service.mjs), as production runs it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { StackError } from './errors';
import { markerArg, type Child, type RestartOptions, type Supervisor } from './supervisor';

export type RunMode = 'source' | 'built';

export interface ServiceSpec {
  name: string;
  packageDir: string;
  port: number;
  /** The composition root, relative to the package; `src/main.ts` unless said otherwise. */
  entry?: string;
  /** Its bundle, relative to the package; `dist/main.js` unless said otherwise. */
  builtEntry?: string;
}

/** The service packages and where their entry points are, for both run modes. */
export const SERVICE_ENTRIES = [
  { name: 'command-side', entry: 'src/main.ts', builtEntry: 'dist/main.js' },
  { name: 'projections', entry: 'src/main.ts', builtEntry: 'dist/main.js' },
  { name: 'query-side', entry: 'src/main.ts', builtEntry: 'dist/main.js' },
  { name: 'console', entry: 'server/main.ts', builtEntry: 'server-dist/main.js' },
] as const;

/** EVENTLENS_RUN=built|source, overridden by `--built` on the command line. */
export function runModeFrom(argv: string[], env: NodeJS.ProcessEnv = process.env): RunMode {
  if (argv.includes('--built')) return 'built';
  const value = env.EVENTLENS_RUN ?? 'source';
  if (value !== 'source' && value !== 'built')
    throw new StackError('CONFIG_INVALID', `EVENTLENS_RUN must be "source" or "built", not "${value}"`);
  return value;
}

/** The command line of a service in a run mode (without the stack's marker). */
export function serviceCommand(spec: ServiceSpec, mode: RunMode): string[] {
  return mode === 'built'
    ? ['--enable-source-maps', path.join(spec.packageDir, spec.builtEntry ?? 'dist/main.js')]
    : ['--import', 'tsx', path.join(spec.packageDir, spec.entry ?? 'src/main.ts')];
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
  options: { mode?: RunMode; restart?: RestartOptions } = {},
): Promise<Child> {
  const mode = options.mode ?? 'source';
  return supervisor.spawn(
    {
      name: spec.name,
      command: process.execPath,
      // The marker after the script is an ignored argument that lets `stack:down` recognise the process.
      args: [...serviceCommand(spec, mode), markerArg(home)],
      cwd: spec.packageDir,
      env: {
        ...env,
        NODE_ENV: process.env.NODE_ENV ?? (mode === 'built' ? 'production' : 'development'),
      },
    },
    options.restart,
  );
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

export async function ensureBuilt(
  repoRoot: string,
  log: (line: string) => void,
  mode: RunMode = 'source',
): Promise<void> {
  if (mode === 'built') {
    // Never built behind the user's back: what runs is what `npm run build` produced.
    const missing = SERVICE_ENTRIES.filter((s) => !existsSync(path.join(repoRoot, s.name, s.builtEntry)));
    if (missing.length > 0)
      throw new StackError(
        'SERVICE_FAILED',
        `the built mode runs ${missing.map((s) => `${s.name}/${s.builtEntry}`).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} missing: run "npm run build" first`,
      );
  }
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
