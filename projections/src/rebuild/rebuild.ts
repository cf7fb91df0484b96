/**
 * `rebuild <projection>`: replays the projection's source topic from offset 0 into a fresh schema
 * `<schema>_rebuild` while the live schema keeps serving queries, then swaps it in atomically.
 *
 * Protocol
 * 1. A session advisory lock per schema: one rebuild at a time.
 * 2. `<schema>_rebuild` is dropped if a previous attempt left it, and migrated (with grants).
 *    Its checkpoints for the *retry* topics start at their current high watermarks: failures
 *    from before this point are re-derived by the replay itself; failures routed from now on
 *    (by the replay or by the live worker) are applied again to the new schema after the swap.
 * 3. A worker with its own consumer group applies the source topic from its checkpoints (none:
 *    offset 0) into `<schema>_rebuild`. Failures go through the normal retry topics.
 * 4. When every partition of the rebuilt schema has reached the log end seen at the start and is
 *    within `maxLag` of the live checkpoint, the worker stops (after its in-flight batch).
 * 5. The swap, in one transaction: `lock table <schema>.checkpoints in exclusive mode` (a live
 *    batch that wants to commit waits here; readers are not blocked), rename `<schema>` to
 *    `<schema>_old` and `<schema>_rebuild` to `<schema>`, grant read access again. Checkpoints
 *    are a table of the schema, so they travel with it.
 * 6. `<schema>_old` is dropped once readers let go of it (unless asked to keep it).
 *
 * Live workers need no message from the rebuild:
 * - table names resolve when a statement runs, so a live batch transaction after the swap locks
 *   the *new* schema's checkpoint row: if the live worker's fetch position is ahead of it, the
 *   batch is not applied and the worker seeks back (runtime/worker.ts); records below it are
 *   skipped. A live transaction already running during the swap commits into `<schema>_old`
 *   (discarded); one that waits on the checkpoints lock re-resolves the name after the swap.
 * - a partition with nothing new to fetch would never run that transaction, so every worker also
 *   compares the stored checkpoints with the ones it committed every few seconds
 *   (EVENTLENS_CHECKPOINT_SYNC_MS) and seeks to any that went back.
 */
import type { Codec } from '@eventlens/contracts';
import type { Config } from '../config';
import { ident, releaseHeard, transaction, type Pool } from '../db';
import type { Kafka, Producer } from '../kafka';
import type { Logger } from '@eventlens/service-kit';
import type { Metrics } from '../metrics';
import { readCheckpoints, tpKey } from '../runtime/checkpoints';
import { createRouter } from '../runtime/router';
import { createWorker } from '../runtime/worker';
import { grantRead } from '@eventlens/read-model';
import { migrate } from '../schema/migrate';
import { createProjection } from '../projections';
import type { ProjectionName, Topology } from '../topology';

export class RebuildError extends Error {
  override readonly name = 'RebuildError';
  constructor(
    readonly code: 'REBUILD_RUNNING' | 'REBUILD_TIMEOUT',
    message: string,
  ) {
    super(message);
  }
}

export interface RebuildDeps {
  config: Config;
  topology: Topology;
  projection: ProjectionName;
  pool: Pool;
  kafka: Kafka;
  producer: Producer;
  codec: Codec;
  metrics: Metrics;
  logger: Logger;
  /** Records the rebuilt schema may trail the live one by at the swap (the live worker catches up). */
  maxLag?: number;
  pollMs?: number;
  timeoutMs?: number;
  keepOld?: boolean;
  /** Called after the replay stopped and before the swap (tests use it to move the live worker on). */
  beforeSwap?: () => Promise<void>;
}

export interface RebuildResult {
  schema: string;
  checkpoints: Record<string, number>;
  durationMs: number;
}

export async function rebuild(deps: RebuildDeps): Promise<RebuildResult> {
  const started = Date.now();
  const p = deps.topology.projections[deps.projection];
  const live = p.schema;
  const next = `${live}_rebuild`;
  const old = `${live}_old`;
  const logger = deps.logger.child({ rebuild: deps.projection, schema: live });
  const statusName = `${deps.projection}:rebuild`;

  const lockClient = await deps.pool.connect();
  // Checked out for the whole rebuild: its connection may end under it (db.ts, `transaction`),
  // and an unheard 'error' event would end the process. A rebuild that loses it goes on without
  // the advisory lock (its statements run on the pool's other connections); the loss is logged.
  let lockLost: Error | undefined;
  const lost = (error: Error) => {
    lockLost = error;
    logger.warn('the rebuild lock connection was lost', { error: error.message });
  };
  lockClient.on('error', lost);
  const admin = deps.kafka.admin();
  try {
    const locked = await lockClient.query<{ ok: boolean }>(
      'select pg_try_advisory_lock(hashtext($1)) as ok',
      [`eventlens.rebuild:${live}`],
    );
    if (!locked.rows[0]?.ok)
      throw new RebuildError('REBUILD_RUNNING', `a rebuild of ${live} is already running`);
    await admin.connect();

    await deps.pool.query(`drop schema if exists ${ident(next)} cascade`);
    await migrate(deps.pool, { kind: deps.projection, schema: next, readerRole: deps.config.readerRole });
    // This replay counts its records from offset 0 under its own name: an earlier rebuild's marks go.
    await deps.pool.query(
      `delete from ${ident(deps.topology.ops.schema)}.counted_through where projection = $1`,
      [statusName],
    );
    for (const topic of p.retry) {
      for (const o of await admin.fetchTopicOffsets(topic)) {
        await deps.pool.query(
          `insert into ${ident(next)}.checkpoints (topic, partition, next_offset) values ($1, $2, $3)`,
          [topic, o.partition, Number(o.high)],
        );
      }
    }
    const logEnd = new Map(
      (await admin.fetchTopicOffsets(p.source)).map((o) => [o.partition, Number(o.high)]),
    );
    logger.info('rebuild started', { into: next, logEnd: Object.fromEntries(logEnd) });

    const groupId = `${p.group}.rebuild.${Date.now()}`;
    const worker = createWorker({
      name: statusName,
      kafka: deps.kafka,
      pool: deps.pool,
      projection: createProjection(deps.projection, { codec: deps.codec, schema: next }),
      schema: next,
      opsSchema: deps.topology.ops.schema,
      statusProjection: statusName,
      groupId,
      topics: [p.source],
      dueGate: false,
      router: createRouter({
        producer: deps.producer,
        projection: deps.projection,
        retryTopics: p.retry,
        dlqTopic: p.dlq,
        delaysMs: deps.config.retryDelaysMs,
      }),
      metrics: deps.metrics,
      logger: deps.logger,
      tuning: deps.config.consumer,
      backoff: deps.config.backoff,
    });
    await worker.start();
    try {
      await waitUntilCaughtUp(logEnd);
    } finally {
      await worker.stop();
    }
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await deps.beforeSwap?.();

    await transaction(deps.pool, async (tx) => {
      await tx.query(`set local lock_timeout = '30s'`);
      await tx.query(`set local synchronous_commit = on`);
      await tx.query(`drop schema if exists ${ident(old)} cascade`);
      await tx.query(`lock table ${ident(live)}.checkpoints in exclusive mode`);
      await tx.query(`alter schema ${ident(live)} rename to ${ident(old)}`);
      await tx.query(`alter schema ${ident(next)} rename to ${ident(live)}`);
      await grantRead(tx, live, deps.config.readerRole);
      const ops = ident(deps.topology.ops.schema);
      // The live rows restart from the new checkpoints (the refresher never moves them back).
      await tx.query(`delete from ${ops}.projection_status where projection = any($1::text[])`, [
        [statusName, deps.projection],
      ]);
      await tx.query(`delete from ${ops}.failure_counts where projection = $1`, [statusName]);
    });
    const checkpoints = await readAll(live);
    logger.info('rebuilt schema swapped in', { checkpoints });

    if (!deps.keepOld) await dropOld();
    return { schema: live, checkpoints, durationMs: Date.now() - started };
  } finally {
    await admin.disconnect().catch(() => undefined);
    await lockClient
      .query('select pg_advisory_unlock(hashtext($1))', [`eventlens.rebuild:${live}`])
      .catch((error: unknown) => {
        // Its connection is gone: destroyed, not given back to the pool.
        lockLost ??= error instanceof Error ? error : new Error(String(error));
      });
    releaseHeard(lockClient, lost, lockLost);
  }

  async function readAll(schema: string): Promise<Record<string, number>> {
    const { rows } = await deps.pool.query<{ topic: string; partition: number; next_offset: string }>(
      `select topic, partition, next_offset from ${ident(schema)}.checkpoints order by topic, partition`,
    );
    return Object.fromEntries(rows.map((r) => [`${r.topic}[${r.partition}]`, Number(r.next_offset)]));
  }

  async function waitUntilCaughtUp(logEnd: ReadonlyMap<number, number>): Promise<void> {
    const maxLag = deps.maxLag ?? 5000;
    const deadline = Date.now() + (deps.timeoutMs ?? 24 * 3600_000);
    const partitions = [...logEnd.keys()].map((partition) => ({ topic: p.source, partition }));
    for (;;) {
      const [rebuilt, current] = await Promise.all([
        readCheckpoints(deps.pool, next, partitions),
        readCheckpoints(deps.pool, live, partitions),
      ]);
      const behind = partitions.filter(({ topic, partition }) => {
        const key = tpKey({ topic, partition });
        const have = rebuilt.get(key) ?? 0;
        return have < logEnd.get(partition)! || have < (current.get(key) ?? 0) - maxLag;
      });
      if (behind.length === 0) return;
      if (Date.now() > deadline) {
        throw new RebuildError('REBUILD_TIMEOUT', `rebuild of ${live} did not catch up in time`);
      }
      await new Promise((resolve) => setTimeout(resolve, deps.pollMs ?? 500));
    }
  }

  async function dropOld(): Promise<void> {
    for (let attempt = 1; attempt <= 10; attempt++) {
      try {
        await transaction(deps.pool, async (tx) => {
          await tx.query(`set local lock_timeout = '5s'`);
          await tx.query(`drop schema if exists ${ident(old)} cascade`);
        });
        return;
      } catch (error) {
        logger.warn('dropping the old schema failed; readers still hold it', {
          attempt,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    logger.warn(`left ${old} in place: drop it later with "drop schema ${old} cascade"`);
  }
}
