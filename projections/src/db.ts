/**
 * PostgreSQL access: a pool factory, a transaction helper and the classification of database
 * errors. The projections use `pg` directly: the hot path is a handful of bulk statements per
 * batch, each taking the batch as one JSON parameter.
 */
import { once } from 'node:events';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { SpanKind, withSpan, type Logger } from '@eventlens/service-kit';

export type Pool = pg.Pool;
export type Client = pg.PoolClient;
/** Anything that runs a query: a pool, a client, or a client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  /** A streaming query such as `COPY … FROM STDIN` (`copyIn`); only a client takes one. */
  query<T extends pg.Submittable>(submittable: T): T;
}

export interface PoolOptions {
  url: string;
  max: number;
  applicationName: string;
  /** `off` for the workers (see config.ts), `on` for tools whose writes are not derived from the log. */
  synchronousCommit: 'on' | 'off';
  logger: Logger;
}

export function createPool(options: PoolOptions): Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    application_name: options.applicationName,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    // Bounded waits: a blocked statement becomes a transient error and the batch is retried.
    statement_timeout: 60_000,
    lock_timeout: 15_000,
    options: `-c synchronous_commit=${options.synchronousCommit}`,
  });
  // An idle client whose server connection dies (PostgreSQL restarted, backend terminated) emits
  // 'error' on the pool; without a listener that would crash the process.
  pool.on('error', (error) =>
    options.logger.warn('idle PostgreSQL connection lost', { error: error.message }),
  );
  return pool;
}

/**
 * Runs `fn` in a transaction on one client. Commits when it returns, rolls back when it throws.
 * A client whose rollback fails, or whose connection died, is discarded rather than returned to
 * the pool.
 *
 * The client is listened to while it is checked out: pg-pool listens only to idle clients, and a
 * connection that ends under a checked-out one (PostgreSQL restarted, its backend terminated)
 * emits 'error' on the client besides failing the statement in flight. Unheard, that event is an
 * uncaught exception, which ends the process (runtime/postgres-down.int.test.ts met one when its
 * database was closed during a batch). Heard, the batch fails with its statement's error, a
 * transient one (runtime/classify.ts), and is retried on a new connection.
 */
export async function transaction<T>(pool: Pool, fn: (tx: Client) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const lost = (error: Error) => {
    broken = error;
  };
  client.on('error', lost);
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    releaseHeard(client, lost, broken);
  }
}

/**
 * Gives back a client that was listened to while checked out (`transaction`, the rebuild's lock).
 * A healthy one loses `listener` (the pool's idle listener takes over); a `broken` one is destroyed
 * and keeps it, so that anything its closing connection still reports is heard rather than thrown.
 */
export function releaseHeard(
  client: Client,
  listener: (error: Error) => void,
  broken: Error | undefined,
): void {
  if (broken === undefined) client.off('error', listener);
  client.release(broken);
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIALS = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * One column of COPY's text format: `\N` for null, numbers as they print, and backslash, tab,
 * newline and carriage return escaped (https://www.postgresql.org/docs/current/sql-copy.html,
 * "Text Format"). NUL cannot be sent (PostgreSQL text cannot hold it: rows reject it first).
 */
export function copyCell(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return COPY_SPECIAL.test(value) ? value.replace(COPY_SPECIALS, (c) => COPY_ESCAPES[c]!) : value;
}

/**
 * Runs `copy <target> from stdin` on `db` (a client, in the caller's transaction) with `text`:
 * lines of `copyCell`s joined by tabs, each ending in a newline. Resolves with the rows copied;
 * rejects with PostgreSQL's error (a data error is class 22, as for any other statement).
 *
 * Traced as a client span `COPY <table>` of its own: the pg instrumentation starts a span for a
 * streamed query but never ends it, so without this one a batch's largest write would be missing
 * from its trace. Attributes follow OpenTelemetry's database conventions, with the rows copied as
 * `eventlens.copy.rows` (the conventions name only rows returned).
 */
export function copyIn(db: Queryable, target: string, text: string): Promise<number> {
  const statement = `copy ${target} from stdin`;
  return withSpan(
    `COPY ${target.split(' ')[0]}`,
    async (span) => {
      const stream = db.query(copyFrom(statement));
      // pg-copy-streams emits 'finish' once PostgreSQL has acknowledged the COPY; `once` rejects on 'error'.
      const finished = once(stream, 'finish');
      stream.end(text);
      await finished;
      const rows = Number(stream.rowCount);
      span.setAttribute('eventlens.copy.rows', rows);
      return rows;
    },
    {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': 'postgresql', 'db.operation.name': 'COPY', 'db.query.text': statement },
    },
  );
}

/** A quoted identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Whether a database error is caused by the data of the statement (so by some record in the
 * batch) rather than by the database being unavailable, overloaded or mis-migrated:
 * class 22 (data exception), class 23 (integrity constraint violation) and 54000 (a value too
 * large for an index entry).
 */
export function isDataError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23') || state === '54000');
}
