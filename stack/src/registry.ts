/**
 * Apicurio Registry, used through its Confluent-compatible API. Its storage is the PostgreSQL
 * database provisioned for it: schema ids referenced by records in Kafka must resolve after a
 * restart, which in-memory storage would break.
 */
import path from 'node:path';
import { StackError } from './errors';
import { markerArg, type Child, type Supervisor } from './supervisor';

export interface RegistryOptions {
  home: string;
  cacheDir: string;
  jar: string;
  javaBin: string;
  port: number;
  managementPort: number;
  heap: string;
  /** postgres://user:password@host:port/db of the registry's own database. */
  databaseUrl: string;
}

export function registryUrl(port: number): string {
  return `http://127.0.0.1:${port}/apis/ccompat/v7`;
}

/** The TLS parameters of a libpq URL that PostgreSQL's JDBC driver reads under the same names. */
const JDBC_TLS_PARAMETERS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey'] as const;

/**
 * Apicurio Registry's datasource settings from a postgres:// URL. TLS settings in the URL
 * (`?sslmode=verify-full&sslrootcert=/path/ca.pem`) carry over, so the registry connects to a
 * PostgreSQL that requires TLS exactly as the services do.
 *
 * The pool is bounded (REGISTRY_POOL): Apicurio 3.3's own defaults keep 20 connections open and
 * allow 100 (its application.properties, `apicurio.datasource.jdbc.*`), PostgreSQL's whole default
 * `max_connections`. Its clients cache every schema by id, so it answers a few lookups per start:
 * three stacks side by side on one server had taken 60 connections with nothing to do.
 */
export function jdbcEnv(databaseUrl: string): Record<string, string> {
  const u = new URL(databaseUrl);
  const tls = new URLSearchParams();
  for (const name of JDBC_TLS_PARAMETERS) {
    const value = u.searchParams.get(name);
    if (value !== null) tls.set(name, value);
  }
  const query = tls.size > 0 ? `?${tls.toString()}` : '';
  return {
    APICURIO_STORAGE_KIND: 'sql',
    APICURIO_STORAGE_SQL_KIND: 'postgresql',
    APICURIO_DATASOURCE_URL: `jdbc:postgresql://${u.hostname}:${u.port || 5432}${u.pathname}${query}`,
    APICURIO_DATASOURCE_USERNAME: decodeURIComponent(u.username) || 'postgres',
    APICURIO_DATASOURCE_PASSWORD: decodeURIComponent(u.password) || 'unused',
    APICURIO_DATASOURCE_JDBC_INITIAL_SIZE: String(REGISTRY_POOL.min),
    APICURIO_DATASOURCE_JDBC_MIN_SIZE: String(REGISTRY_POOL.min),
    APICURIO_DATASOURCE_JDBC_MAX_SIZE: String(REGISTRY_POOL.max),
  };
}

/** The registry's PostgreSQL connections: kept open, and at most (jdbcEnv). */
export const REGISTRY_POOL = { min: 2, max: 10 } as const;

export async function startRegistry(o: RegistryOptions, supervisor: Supervisor): Promise<Child> {
  return supervisor.spawn({
    name: 'registry',
    command: o.javaBin,
    cwd: path.dirname(o.jar),
    env: jdbcEnv(o.databaseUrl),
    args: [
      `-Xmx${o.heap}`,
      '-XX:+UseSerialGC',
      // Class-data sharing archive made on first start: later starts load classes faster.
      '-XX:+AutoCreateSharedArchive',
      `-XX:SharedArchiveFile=${path.join(o.cacheDir, 'apicurio-registry.jsa')}`,
      markerArg(o.home),
      `-Dquarkus.http.port=${o.port}`,
      '-Dquarkus.http.host=127.0.0.1',
      // The management interface is enabled at build time; keep it off 0.0.0.0:9000.
      '-Dquarkus.management.host=127.0.0.1',
      `-Dquarkus.management.port=${o.managementPort}`,
      '-Dquarkus.http.access-log.enabled=false',
      '-jar',
      o.jar,
    ],
  });
}

export async function waitForRegistry(url: string, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  void child.exited.then((how) => (exited = how));
  let lastError = '';
  while (Date.now() < deadline) {
    if (exited) {
      throw new StackError(
        'REGISTRY_FAILED',
        `the schema registry stopped during start-up (${exited}); see ${child.logFile}`,
      );
    }
    try {
      const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new StackError(
    'REGISTRY_FAILED',
    `the schema registry did not answer on ${url} within ${timeoutMs / 1000}s (${lastError}); see ${child.logFile}`,
  );
}
