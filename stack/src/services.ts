/**
 * The EventLens services, run by the launcher as child processes once the infrastructure is ready.
 * Each is the package's own composition root (`<package>/src/main.ts`), configured through the
 * environment described in docs/CONVENTIONS.md, and is ready when its /readyz answers 200.
 */
import path from 'node:path';
import { StackError } from './errors';
import { markerArg, type Child, type Supervisor } from './supervisor';

export interface ServiceSpec {
  name: string;
  packageDir: string;
  port: number;
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
    args: ['--import', 'tsx', path.join(spec.packageDir, 'src', 'main.ts'), markerArg(home)],
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
