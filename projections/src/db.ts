/**
 * PostgreSQL access: a pool factory, a transaction helper and the classification of database
 * errors. The projections use `pg` directly: the hot path is a handful of bulk statements per
 * batch, each taking the batch as one JSON parameter.
 */
import pg from 'pg';
import type { Logger } from '@eventlens/service-kit';

export type Pool = pg.Pool;
export type Client = pg.PoolClient;
/** Anything that runs a query: a pool, a client, or a client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
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
 * A client whose rollback fails is discarded rather than returned to the pool: its connection is
 * the likely reason.
 */
export async function transaction<T>(pool: Pool, fn: (tx: Client) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
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
    client.release(broken);
  }
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
