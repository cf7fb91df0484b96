/**
 * Applies one batch of one partition in one PostgreSQL transaction (invariant 2): the rows, the
 * forwards of the failed records, the ops status and activity, and the new checkpoint commit
 * together, or none of them does.
 *
 * Inside the transaction the checkpoint row is locked (`for update`), so two workers that both
 * believe they own the partition serialise on it:
 * - records below the checkpoint are skipped (a batch wholly below it changes nothing: `behind`);
 * - a batch fetched from *beyond* the checkpoint (a position taken from Kafka's offsets, a rebuild
 *   swap that put an older checkpoint in place) is not applied: `reposition` tells the loop to seek
 *   back. Offsets missing because retention deleted them are accepted (the low watermark).
 *
 * Failed records are forwarded by the router inside the transaction, before the checkpoint moves
 * (router.ts has the ordering and idempotence argument); with no router they are dropped with an
 * error log (the ops indexer has no retry topics).
 *
 * A PostgreSQL *data* error (db.ts `isDataError`) in the bulk statement rolls the transaction back
 * and the batch is applied again with savepoints, halving it until the culprits are single
 * records; those are forwarded as failures and the rest is applied.
 */
import type { Logger } from '@eventlens/service-kit';
import { describeError } from '@eventlens/service-kit';
import { isDataError, transaction, type Pool, type Queryable } from '../db';
import { recordActivity } from '../ops/activity';
import { recordSchemaVersions } from '../ops/contracts';
import { lockCheckpoint, saveProgress, type TopicPartition } from './checkpoints';
import { classifyError } from './classify';
import { retry, type Outcome } from './outcome';
import type { ApplyResult, Projection, RowFailure, SourceRecord } from './projection';
import type { FailedRecord, Router } from './router';

export type BatchResult =
  | {
      kind: 'committed';
      next: number;
      applied: number;
      duplicates: number;
      skipped: number;
      retried: number;
      deadLettered: number;
      dropped: number;
      /** When each row's event was received (epoch ms), for the freshness histogram. */
      receivedAts: number[];
    }
  | { kind: 'reposition'; offset: number; fetched: number }
  | { kind: 'behind'; next: number };

/** Where a batch came from: its partition, the offset it was fetched from, the high watermark then. */
export interface BatchOrigin {
  tp: TopicPartition;
  fetched: number;
  highWatermark: number;
}

/** What the transaction writes besides the projection's rows; bound to the worker's schemas. */
export interface BatchStore {
  /**
   * Locks the partition's checkpoint row and returns it, with the offset below which the partition's
   * records are counted in ops already (0 without ops; runtime/checkpoints.ts, ops/activity.ts).
   */
  lockCheckpoint(tx: Queryable, tp: TopicPartition): Promise<{ checkpoint: number; counted: number }>;
  /** Moves the checkpoint (and the ops status) of the partition. */
  saveProgress(
    tx: Queryable,
    tp: TopicPartition,
    progress: { next: number; highWatermark: number; retried: number },
  ): Promise<void>;
  /**
   * The batch's ops rows: the minute's throughput and freshness (ops/activity.ts) and the records
   * per writer schema id (ops/contracts.ts). Null: the worker keeps none and measures no freshness.
   */
  ops: {
    /** Also moves the partition's `counted_through` mark up to `counted.next`. */
    recordActivity(
      tx: Queryable,
      activity: {
        applied: number;
        receivedAts: number[];
        now: number;
        counted: { topic: string; partition: number; next: number };
      },
    ): Promise<void>;
    recordSchemaVersions(tx: Queryable, values: (Buffer | null)[]): Promise<void>;
  } | null;
}

/** `db.transaction` over a pool, as a batch applier's `transaction`. */
export function poolTransaction(pool: Pool): BatchApplierDeps<unknown>['transaction'] {
  return (fn) => transaction(pool, fn);
}

/** The store over the worker's schema and the ops schema (`statusProjection` null: no ops rows). */
export function postgresStore(options: {
  schema: string;
  opsSchema: string;
  statusProjection: string | null;
}): BatchStore {
  const { schema, opsSchema, statusProjection } = options;
  return {
    lockCheckpoint: (tx, tp) =>
      lockCheckpoint(
        tx,
        schema,
        tp,
        statusProjection === null ? undefined : { opsSchema, projection: statusProjection },
      ),
    saveProgress: (tx, tp, progress) =>
      saveProgress(tx, schema, tp, { ...progress, statusProjection, opsSchema }),
    ops:
      statusProjection === null
        ? null
        : {
            recordActivity: (tx, activity) =>
              recordActivity(tx, opsSchema, { projection: statusProjection, ...activity }),
            recordSchemaVersions: (tx, values) =>
              recordSchemaVersions(tx, opsSchema, { projection: statusProjection, values }),
          },
  };
}

export interface BatchApplierDeps<Row> {
  projection: Projection<Row>;
  router: Router | null;
  store: BatchStore;
  /** Runs `fn` in one transaction: commits when it resolves, rolls back when it rejects. */
  transaction: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T>;
  /** The partition's low watermark (kafka.ts `createLogStart`). */
  lowWatermark(tp: TopicPartition): Promise<number>;
  logger: Logger;
  clock: () => number;
}

export interface BatchApplier<Row> {
  /**
   * Applies `records` (in offset order, one outcome each, none transient) of one partition.
   * Rejects with the error that rolled the transaction back (for `classifyError`).
   */
  apply(
    origin: BatchOrigin,
    records: readonly SourceRecord[],
    outcomes: readonly Outcome<Row>[],
  ): Promise<BatchResult>;
}

/** A bulk apply hit a data error: redo the batch with savepoints. */
class IsolationNeeded extends Error {}

export function createBatchApplier<Row>(deps: BatchApplierDeps<Row>): BatchApplier<Row> {
  const { projection, router, store, logger, clock } = deps;

  async function applyOnce(
    origin: BatchOrigin,
    records: readonly SourceRecord[],
    outcomes: readonly Outcome<Row>[],
    isolate: boolean,
  ): Promise<BatchResult> {
    const { tp } = origin;
    return deps.transaction(async (tx) => {
      const { checkpoint, counted } = await store.lockCheckpoint(tx, tp);
      if (origin.fetched > checkpoint) {
        const low = await deps.lowWatermark(tp);
        if (origin.fetched > low) return { kind: 'reposition', offset: checkpoint, fetched: origin.fetched };
        logger.warn('records between the checkpoint and the log start were deleted by retention', {
          topic: tp.topic,
          partition: tp.partition,
          checkpoint,
          logStart: low,
        });
      }
      const lastOffset = records[records.length - 1]!.offset;
      const { rows, rowRecords, failed, skipped } = sortOutcomes(records, outcomes, checkpoint);
      if (skipped === records.length) return { kind: 'behind', next: Math.max(checkpoint, lastOffset + 1) };

      // Rows of records counted in ops already (applied again after a rebuild's swap moved the
      // checkpoint back under them) are applied first and counted nowhere: rows[0, recounted).
      let recounted = 0;
      while (recounted < rows.length && rowRecords[recounted]!.offset < counted) recounted++;
      let applied = 0;
      let refused: RowFailure[] = [];
      const applyRows = async (from: number, to: number) => {
        if (from === to) return 0;
        const part = from === 0 && to === rows.length ? rows : rows.slice(from, to);
        const result = isolate
          ? await applyIsolated(tx, part, projection, from)
          : await applyBulk(tx, part, projection, from);
        refused = refused.concat(result.failed);
        return result.applied;
      };
      if (rows.length > 0) {
        await applyRows(0, recounted);
        applied = await applyRows(recounted, rows.length);
        for (const { index, failure } of refused)
          failed.push({ record: rowRecords[index]!, outcome: retry(failure) });
      }

      const { retried, deadLettered, dropped } = await forward(failed);
      const refusedAt = new Set(refused.map((r) => r.index));
      // Plain loops: these run once per row of every batch (a flatMap allocated an array per row).
      const receivedAts: number[] = [];
      const values: (Buffer | null)[] = [];
      if (store.ops !== null) {
        for (let i = recounted; i < rows.length; i++) {
          if (refusedAt.has(i)) continue;
          receivedAts.push(projection.receivedAtOf?.(rows[i]!) ?? rowRecords[i]!.timestamp);
          values.push(rowRecords[i]!.value);
        }
        const next = lastOffset + 1;
        await store.ops.recordActivity(tx, { applied, receivedAts, now: clock(), counted: { ...tp, next } });
        await store.ops.recordSchemaVersions(tx, values);
      }
      await store.saveProgress(tx, tp, {
        next: lastOffset + 1,
        highWatermark: origin.highWatermark,
        retried,
      });
      return {
        kind: 'committed',
        next: lastOffset + 1,
        applied,
        // Rows applied again after a swap are neither: they were applied and counted before.
        duplicates: rows.length - recounted - applied - refused.filter((r) => r.index >= recounted).length,
        skipped,
        retried,
        deadLettered,
        dropped,
        receivedAts,
      };
    });
  }

  async function forward(failed: readonly FailedRecord[]) {
    if (failed.length === 0) return { retried: 0, deadLettered: 0, dropped: 0 };
    if (router) return { ...(await router.route(failed)), dropped: 0 };
    for (const { record, outcome } of failed) {
      logger.error('dropping a record that failed and has nowhere to go', {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        code: outcome.failure.code,
        error: outcome.failure.message,
      });
    }
    return { retried: 0, deadLettered: 0, dropped: failed.length };
  }

  return {
    async apply(origin, records, outcomes) {
      try {
        return await applyOnce(origin, records, outcomes, false);
      } catch (error) {
        if (!(error instanceof IsolationNeeded)) throw error;
        logger.info('a bulk statement failed on its data: applying the batch record by record', {
          topic: origin.tp.topic,
          partition: origin.tp.partition,
          error: error.message,
        });
        return applyOnce(origin, records, outcomes, true);
      }
    },
  };
}

/**
 * Sorts a batch by what becomes of each record: skipped (below the checkpoint), a row to apply,
 * or a failure to forward. Transient outcomes never reach here (the loop backs off on them first).
 */
export function sortOutcomes<Row>(
  records: readonly SourceRecord[],
  outcomes: readonly Outcome<Row>[],
  checkpoint: number,
): { rows: Row[]; rowRecords: SourceRecord[]; failed: FailedRecord[]; skipped: number } {
  const rows: Row[] = [];
  const rowRecords: SourceRecord[] = [];
  const failed: FailedRecord[] = [];
  let skipped = 0;
  records.forEach((record, index) => {
    if (record.offset < checkpoint) {
      skipped++;
      return;
    }
    const outcome = outcomes[index]!;
    switch (outcome.kind) {
      case 'ok':
        rows.push(outcome.value);
        rowRecords.push(record);
        return;
      case 'retry':
      case 'dlq':
        failed.push({ record, outcome });
        return;
      case 'transient':
        return;
      default: {
        const _never: never = outcome;
        throw new Error(`unhandled outcome ${JSON.stringify(_never)}`);
      }
    }
  });
  return { rows, rowRecords, failed, skipped };
}

async function applyBulk<Row>(
  tx: Queryable,
  rows: Row[],
  projection: Projection<Row>,
  offset = 0,
): Promise<ApplyResult> {
  try {
    const result = await projection.apply(tx, rows);
    return { applied: result.applied, failed: result.failed.map((f) => ({ ...f, index: f.index + offset })) };
  } catch (error) {
    if (isDataError(error)) throw new IsolationNeeded(describeError(error));
    throw error;
  }
}

/**
 * Applies rows under a savepoint; on a data error rolls back to it and applies each half on its
 * own, until the failing rows are single ones: those become failures (`classifyError` of the data
 * error: `DB_<SQLSTATE>`, retried) attributed to the row's project. `offset` maps indexes back to
 * the caller's rows. Any other error propagates (it rolls the whole transaction back).
 */
export async function applyIsolated<Row>(
  tx: Queryable,
  rows: Row[],
  projection: Pick<Projection<Row>, 'apply' | 'projectOf'>,
  offset = 0,
): Promise<ApplyResult> {
  await tx.query('savepoint isolate');
  try {
    const result = await projection.apply(tx, rows);
    await tx.query('release savepoint isolate');
    return {
      applied: result.applied,
      failed: result.failed.map((f) => ({ index: f.index + offset, failure: f.failure })),
    };
  } catch (error) {
    if (!isDataError(error)) throw error;
    await tx.query('rollback to savepoint isolate');
    await tx.query('release savepoint isolate');
    if (rows.length === 1) {
      const failure = {
        ...classifyError(error).failure,
        projectId: projection.projectOf?.(rows[0]!) ?? null,
      };
      return { applied: 0, failed: [{ index: offset, failure }] };
    }
    const middle = Math.ceil(rows.length / 2);
    const left = await applyIsolated(tx, rows.slice(0, middle), projection, offset);
    const right = await applyIsolated(tx, rows.slice(middle), projection, offset + middle);
    return { applied: left.applied + right.applied, failed: [...left.failed, ...right.failed] };
  }
}
