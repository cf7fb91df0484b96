/**
 * The reader's connection pool. It connects with the read-only role, and every session also
 * starts read-only, in UTC (so day and hour buckets are UTC) and with a statement timeout: the
 * role is the guarantee, the session settings make a misconfigured role fail loudly too.
 * JIT compilation is off: the reports are index scans and aggregations whose plans PostgreSQL
 * estimates as costly at millions of rows, and compiling them took 0.4–0.7 s of each large
 * statement in the 10-million-event reports benchmark (bench/, `BENCH_ONLY=reports`) while saving
 * less than that.
 *
 * The tables it reads are named by the read models' catalog (`@eventlens/read-model`,
 * `readerTables(schemaPrefix)`), under the projections' EVENTLENS_SCHEMA_PREFIX (config.ts).
 */
import knex, { type Knex } from 'knex';
import type { Logger } from './http/errors';

export interface ReaderDbOptions {
  url: string;
  poolMax?: number;
  statementTimeoutMs?: number;
  /** Where knex's own warnings go (connection errors, pool trouble); by default nowhere. */
  logger?: Logger;
}

/**
 * The settings every reader session starts with (libpq's `options`), for `statementTimeoutMs`
 * (whole milliseconds). `work_mem` is 64 MB (PostgreSQL's default is 4 MB): the reports group a
 * range's events by visitor in a hash, which at 4 MB spills to disk in batches — the KPI row over 30
 * days at 10 million events took 3.3 s at 4 MB and 1.5 s at 64 MB (bench/, one run each, same rows).
 * It bounds each sort or hash node of a statement, so a pool of 10 with a few such nodes each stays
 * within a couple of GB at worst. Exported so that whoever replays the query side's SQL (the reports
 * benchmark) runs it in the same settings.
 */
export function readerSessionOptions(statementTimeoutMs: number): string {
  const timeout = Math.trunc(statementTimeoutMs);
  return `-c default_transaction_read_only=on -c TimeZone=UTC -c statement_timeout=${timeout} -c jit=off -c work_mem=64MB`;
}

export function createReaderDb(options: ReaderDbOptions): Knex {
  return knex({
    client: 'pg',
    connection: {
      connectionString: options.url,
      application_name: 'eventlens-query',
      options: readerSessionOptions(options.statementTimeoutMs ?? 10_000),
    },
    pool: { min: 0, max: options.poolMax ?? 10 },
    acquireConnectionTimeout: 5_000,
    log: {
      warn: (message: unknown) => options.logger?.info('knex warning', { message: String(message) }),
      error: (message: unknown) => options.logger?.error('knex error', { message: String(message) }),
      deprecate: () => undefined,
      debug: () => undefined,
    },
  });
}

export interface PoolStats {
  used: number;
  free: number;
  pendingAcquires: number;
  pendingCreates: number;
}

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
}

/** knex keeps its tarn pool on `client.pool`, created lazily; before that every count is zero. */
export function poolStats(db: Knex): PoolStats {
  const pool = (db.client as { pool?: TarnPool }).pool;
  if (!pool) return { used: 0, free: 0, pendingAcquires: 0, pendingCreates: 0 };
  return {
    used: pool.numUsed(),
    free: pool.numFree(),
    pendingAcquires: pool.numPendingAcquires(),
    pendingCreates: pool.numPendingCreates(),
  };
}
