/**
 * The generic projection worker: one Kafka consumer group, batches applied to PostgreSQL with
 * their checkpoints in one transaction, failures routed as values. Every projection (analytics,
 * admin, the ops DLQ indexer) and every retry consumer is this loop with other parameters.
 *
 * Exactly once (invariant 2):
 * - The PostgreSQL checkpoint is the truth. On every assignment (GROUP_JOIN) the worker seeks
 *   each partition to its stored checkpoint; a batch that arrives before that happened is dropped
 *   and triggers the seek itself. Kafka's committed offsets are written after each commit, as a
 *   hint for tools only.
 * - Inside the batch transaction the checkpoint row is locked (`for update`), records below it
 *   are skipped, and a batch fetched from *beyond* it (a position taken from Kafka's offsets, or a
 *   rebuild swap that put an older checkpoint in place) is not applied: the worker seeks back to
 *   the checkpoint. Offsets missing because retention deleted them are accepted (low watermark).
 * - Every few seconds the worker also compares the stored checkpoints of its partitions with the
 *   ones it committed, and seeks to any that went back under it (a rebuild swap, an operator's
 *   reset): an idle partition has no batch transaction to notice that in.
 * - The rows, the new checkpoint, the ops status and the minute's throughput and freshness
 *   (ops/activity.ts) and the records per writer schema id (ops/contracts.ts) commit together; a crash anywhere re-reads the batch from the old checkpoint. Events are inserted with ON CONFLICT DO NOTHING and
 *   aggregates derive from the rows actually inserted, so even two workers racing on one
 *   partition count nothing twice.
 *   That is also why `synchronous_commit = off` is safe: a commit lost in a PostgreSQL crash
 *   loses the checkpoint with the rows, and the batch is read again from Kafka.
 *
 * A bad record never stops a partition (invariant 4): `prepare` returns an outcome per record;
 * failures are forwarded by the router inside the transaction, before the checkpoint moves
 * (see router.ts for the ordering and idempotence argument). A database *data* error in a bulk
 * statement makes the worker redo the batch with savepoints, splitting it in halves until the
 * culprits are single records; they are routed and the rest is applied.
 *
 * A transient failure (PostgreSQL or the registry unavailable, a lock timeout, Kafka refusing the
 * forward) is not a bad record: the partition is paused, the same batch is fetched again after a
 * backoff with jitter, and nothing was resolved in between. Pausing instead of sleeping keeps
 * kafkajs's fetch loop and heartbeats running, so the worker stays in its group.
 *
 * Retry consumers (`dueGate`) apply only the records whose due time has come; at the first one
 * that is not due they commit what came before, pause the partition and resume it at that time.
 */
import { performance } from 'node:perf_hooks';
import type { BackoffPolicy } from './backoff';
import { backoffDelay } from './backoff';
import { lockCheckpoint, readCheckpoints, saveProgress, tpKey, type TopicPartition } from './checkpoints';
import { HEADER, headerStrings } from './headers';
import { classifyError, retry, type Failure, type Outcome } from './outcome';
import type { Projection, RowFailure, SourceRecord } from './projection';
import type { FailedRecord, Router } from './router';
import { isDataError, transaction, type Client, type Pool } from '../db';
import {
  fetchedOffsetOf,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
} from '../kafka';
import {
  linkFromHeaders,
  SpanKind,
  tracingActive,
  withSpan,
  type Link,
  type Logger,
} from '@eventlens/service-kit';
import type { Metrics } from '../metrics';
import { recordActivity } from '../ops/activity';
import { recordSchemaVersions } from '../ops/contracts';

export interface WorkerTuning {
  maxBytesPerPartition: number;
  partitionsConsumedConcurrently: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** How often the stored checkpoints are compared with what this worker last committed. */
  checkpointSyncMs: number;
  /** Fetch batching at the broker (see EVENTLENS_PROJECTIONS_FETCH_MIN_BYTES). */
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
}

export interface WorkerOptions<Row> {
  /** For logs and metrics: `analytics`, `analytics.retry`, `analytics:rebuild`, `ops`. */
  name: string;
  kafka: Kafka;
  pool: Pool;
  projection: Projection<Row>;
  /** Schema holding the checkpoints (and the projection's tables). */
  schema: string;
  opsSchema: string;
  /** Name under which ops.projection_status and ops.failure_counts are kept; null: not kept. */
  statusProjection: string | null;
  groupId: string;
  topics: readonly string[];
  /** Retry topics: apply a record only once its due time has come. */
  dueGate: boolean;
  /** Where failed records go; null drops them with an error log (the ops indexer has no retry topics). */
  router: Router | null;
  metrics: Metrics;
  logger: Logger;
  tuning: WorkerTuning;
  backoff: BackoffPolicy;
  clock?: () => number;
  random?: () => number;
}

export interface WorkerState {
  name: string;
  running: boolean;
  assigned: TopicPartition[];
  /** Partitions paused by a backoff right now (not counting retry records waiting to be due). */
  backingOff: number;
  /** Partitions whose last attempt failed transiently (cleared by their next applied batch). */
  failing: number;
  lastError: string | undefined;
}

export interface Worker {
  start(): Promise<void>;
  stop(): Promise<void>;
  state(): WorkerState;
}

type BatchResult =
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

/** A bulk apply hit a data error: redo the batch record by record (with savepoints). */
class IsolationNeeded extends Error {}

export function createWorker<Row>(options: WorkerOptions<Row>): Worker {
  const { pool, projection, schema, metrics, router } = options;
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const logger = options.logger.child({ worker: options.name });
  const worker = options.name;

  const consumer: Consumer = options.kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.tuning.sessionTimeoutMs,
    heartbeatInterval: options.tuning.heartbeatIntervalMs,
    rebalanceTimeout: Math.max(60_000, options.tuning.sessionTimeoutMs),
    maxBytesPerPartition: options.tuning.maxBytesPerPartition,
    maxBytes: options.tuning.maxBytesPerPartition * 4,
    minBytes: options.tuning.fetchMinBytes ?? 1,
    maxWaitTimeInMs: options.tuning.fetchMaxWaitMs ?? 500,
    allowAutoTopicCreation: false,
    retry: { retries: 10, restartOnFailure: async () => true },
  });

  let running = false;
  let admin: Promise<Admin> | undefined;
  let assigned: TopicPartition[] = [];
  let lastError: string | undefined;
  /** Partitions sought to their checkpoint since the last assignment. */
  const positioned = new Set<string>();
  /** The checkpoint this worker believes is stored, per positioned partition. */
  const known = new Map<string, number>();
  let syncTimer: NodeJS.Timeout | undefined;
  let syncing = false;
  /** Consecutive transient failures per partition, for the backoff. */
  const attempts = new Map<string, number>();
  /** Resume timers of paused partitions, and why they are paused. */
  const timers = new Map<string, { timer: NodeJS.Timeout; reason: 'backoff' | 'due' }>();

  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    positioned.clear();
    known.clear();
    assigned = Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) =>
      partitions.map((partition) => ({ topic, partition })),
    );
    logger.info('partitions assigned', { assigned: assigned.map((tp) => `${tp.topic}[${tp.partition}]`) });
    position(assigned).catch((error: unknown) =>
      logger.warn('seeking to checkpoints on assignment failed; the first batch will retry', {
        error: describe(error),
      }),
    );
  });
  consumer.on(consumer.events.CRASH, (event) =>
    logger.error('consumer crashed; kafkajs restarts it', { error: describe(event.payload.error) }),
  );

  async function position(partitions: readonly TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    const checkpoints = await readCheckpoints(pool, schema, partitions);
    for (const tp of partitions) {
      // No checkpoint: from the start of the log (kafkajs moves an out-of-range 0 to the earliest).
      const offset = checkpoints.get(tpKey(tp)) ?? 0;
      consumer.seek({ topic: tp.topic, partition: tp.partition, offset: String(offset) });
      positioned.add(tpKey(tp));
      known.set(tpKey(tp), offset);
    }
  }

  /**
   * A checkpoint can move back under a worker without a batch of its own: a rebuild swapped in a
   * schema whose checkpoints are behind this worker's position, or an operator reset one. A
   * partition that receives new records notices in its next transaction; an idle one would not,
   * so every few seconds the stored checkpoints are compared with what this worker last
   * committed, and a partition whose checkpoint went back is sought to it.
   */
  async function syncCheckpoints(): Promise<void> {
    const partitions = assigned.filter((tp) => known.has(tpKey(tp)));
    if (partitions.length === 0) return;
    const before = new Map(partitions.map((tp) => [tpKey(tp), known.get(tpKey(tp))]));
    const stored = await readCheckpoints(pool, schema, partitions);
    for (const tp of partitions) {
      const key = tpKey(tp);
      const expected = before.get(key);
      // A batch of this partition committed while we were reading: the next round will tell.
      if (known.get(key) !== expected) continue;
      // Only a checkpoint that moved *back* needs a seek (records would be missing); one that moved
      // forward is handled by the skip-below-checkpoint rule, and may just be our own commit.
      const checkpoint = stored.get(key) ?? 0;
      if (expected === undefined || checkpoint >= expected) continue;
      metrics.repositions.inc({ worker });
      logger.info('the stored checkpoint went back under this worker (a rebuild swap?): seeking to it', {
        topic: tp.topic,
        partition: tp.partition,
        expected,
        checkpoint,
      });
      consumer.seek({ topic: tp.topic, partition: tp.partition, offset: String(checkpoint) });
      known.set(key, checkpoint);
    }
  }

  async function lowWatermark(tp: TopicPartition): Promise<number> {
    admin ??= (async () => {
      const client = options.kafka.admin();
      await client.connect();
      return client;
    })().catch((error: unknown) => {
      admin = undefined; // not cached: Kafka may be back next time
      throw error;
    });
    const offsets = await (await admin).fetchTopicOffsets(tp.topic);
    const entry = offsets.find((o) => o.partition === tp.partition);
    return Number(entry?.low ?? 0);
  }

  function pauseFor(tp: TopicPartition, ms: number, reason: 'backoff' | 'due'): void {
    const key = tpKey(tp);
    consumer.pause([{ topic: tp.topic, partitions: [tp.partition] }]);
    const existing = timers.get(key);
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        timers.delete(key);
        metrics.pausedPartitions.set({ worker }, timers.size);
        consumer.resume([{ topic: tp.topic, partitions: [tp.partition] }]);
      },
      Math.max(0, ms),
    );
    timers.set(key, { timer, reason });
    metrics.pausedPartitions.set({ worker }, timers.size);
  }

  function backOff(tp: TopicPartition, failure: Failure): void {
    const key = tpKey(tp);
    const attempt = attempts.get(key) ?? 0;
    attempts.set(key, attempt + 1);
    const delay = backoffDelay(attempt, options.backoff, random);
    lastError = `${failure.code}: ${failure.message}`;
    metrics.transientErrors.inc({ worker, code: failure.code });
    // Loud on the first failure and then now and again: a partition that keeps failing (an
    // outage, or a bug that throws on every attempt) must not go quiet while its lag grows.
    const log = attempt === 0 ? logger.warn : attempt % 20 === 0 ? logger.error : logger.debug;
    log('transient failure: pausing the partition and retrying the batch', {
      topic: tp.topic,
      partition: tp.partition,
      code: failure.code,
      error: failure.message,
      attempt: attempt + 1,
      delayMs: delay,
    });
    pauseFor(tp, delay, 'backoff');
  }

  /**
   * One span per fetched batch, its statements beneath it, linked to the producer span of each
   * record (a batch has many parents: OpenTelemetry messaging conventions, links rather than a
   * parent). Nothing is read from the headers when tracing is off.
   */
  function tracedBatch(payload: EachBatchPayload): Promise<void> {
    if (!tracingActive()) return onBatch(payload);
    const { batch } = payload;
    const links = new Map<string, Link>();
    for (const message of batch.messages) {
      const link = linkFromHeaders(message.headers);
      if (link) links.set(link.context.spanId, link);
    }
    return withSpan(`process ${batch.topic}`, () => onBatch(payload), {
      kind: SpanKind.CONSUMER,
      links: [...links.values()],
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': batch.topic,
        'messaging.destination.partition.id': String(batch.partition),
        'messaging.consumer.group.name': options.groupId,
        'messaging.batch.message_count': batch.messages.length,
        'eventlens.worker': worker,
      },
    });
  }

  async function onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const tp = { topic: batch.topic, partition: batch.partition };
    if (!payload.isRunning() || payload.isStale()) return;
    if (!positioned.has(tpKey(tp))) {
      // Fetched before we sought to the checkpoint: drop it, seek, and fetch again from there.
      try {
        await position([tp]);
      } catch (error) {
        backOff(tp, classifyError(error).failure);
      }
      return;
    }

    const started = performance.now();
    let records = batch.messages.map((message) => toSourceRecord(tp, message));
    let wakeAt: number | undefined;
    if (options.dueGate) {
      const now = clock();
      const notDue = records.findIndex((record) => Number(record.headers[HEADER.dueAt] ?? 0) > now);
      if (notDue >= 0) {
        wakeAt = Number(records[notDue]!.headers[HEADER.dueAt]);
        records = records.slice(0, notDue);
      }
    }
    if (records.length === 0) {
      pauseFor(tp, wakeAt! - clock(), 'due');
      return;
    }

    let result: BatchResult;
    let prepared = started;
    try {
      const outcomes = await projection.prepare(records);
      prepared = performance.now();
      const unavailable = outcomes.find((outcome) => outcome.kind === 'transient');
      if (unavailable) {
        backOff(tp, unavailable.failure);
        return;
      }
      const args = { tp, fetched: fetchedOffsetOf(batch), highWatermark: Number(batch.highWatermark) };
      try {
        result = await applyBatch(args, records, outcomes, false);
      } catch (error) {
        if (!(error instanceof IsolationNeeded)) throw error;
        logger.info('a bulk statement failed on its data: applying the batch record by record', {
          topic: tp.topic,
          partition: tp.partition,
          error: error.message,
        });
        result = await applyBatch(args, records, outcomes, true);
      }
    } catch (error) {
      backOff(tp, classifyError(error).failure);
      return;
    }

    attempts.delete(tpKey(tp));
    const lastOffset = records[records.length - 1]!.offset;
    switch (result.kind) {
      case 'reposition':
        metrics.repositions.inc({ worker });
        logger.info('fetch position is ahead of the checkpoint: seeking back', {
          topic: tp.topic,
          partition: tp.partition,
          fetched: result.fetched,
          checkpoint: result.offset,
        });
        consumer.seek({ topic: tp.topic, partition: tp.partition, offset: String(result.offset) });
        known.set(tpKey(tp), result.offset);
        return;
      case 'behind':
        metrics.records.inc({ worker, result: 'skipped' }, records.length);
        payload.resolveOffset(String(lastOffset));
        if (result.next > lastOffset + 1) {
          consumer.seek({ topic: tp.topic, partition: tp.partition, offset: String(result.next) });
        }
        known.set(tpKey(tp), result.next);
        break;
      case 'committed': {
        payload.resolveOffset(String(lastOffset));
        known.set(tpKey(tp), result.next);
        metrics.records.inc({ worker, result: 'applied' }, result.applied);
        metrics.records.inc({ worker, result: 'duplicate' }, result.duplicates);
        metrics.records.inc({ worker, result: 'skipped' }, result.skipped);
        metrics.records.inc({ worker, result: 'retried' }, result.retried);
        metrics.records.inc({ worker, result: 'dead_lettered' }, result.deadLettered);
        metrics.records.inc({ worker, result: 'dropped' }, result.dropped);
        if (result.retried) {
          metrics.failures.inc({ projection: projection.name, stage: 'retry' }, result.retried);
        }
        if (result.deadLettered) {
          metrics.failures.inc({ projection: projection.name, stage: 'dlq' }, result.deadLettered);
        }
        if (options.statusProjection !== null) {
          const projectedAt = clock();
          for (const receivedAt of result.receivedAts) {
            metrics.freshness.observe(
              { projection: options.statusProjection },
              Math.max(0, projectedAt - receivedAt) / 1000,
            );
          }
        }
        const finished = performance.now();
        metrics.batchSize.observe({ worker }, records.length);
        metrics.batchSeconds.observe({ worker }, (finished - started) / 1000);
        logger.debug('batch applied', {
          topic: tp.topic,
          partition: tp.partition,
          records: records.length,
          applied: result.applied,
          prepareMs: Math.round(prepared - started),
          applyMs: Math.round(finished - prepared),
        });
        metrics.lag.set(
          { worker, topic: tp.topic, partition: String(tp.partition) },
          Math.max(0, Number(batch.highWatermark) - result.next),
        );
        // A hint for Kafka tooling only; the checkpoint above is what the worker trusts.
        await payload
          .commitOffsetsIfNecessary({
            topics: [
              { topic: tp.topic, partitions: [{ partition: tp.partition, offset: String(result.next) }] },
            ],
          })
          .catch((error: unknown) =>
            logger.debug('committing the offset hint failed', { error: describe(error) }),
          );
        break;
      }
      default:
        return assertNever(result);
    }
    if (wakeAt !== undefined) pauseFor(tp, wakeAt - clock(), 'due');
  }

  async function applyBatch(
    batch: { tp: TopicPartition; fetched: number; highWatermark: number },
    records: readonly SourceRecord[],
    outcomes: readonly Outcome<Row>[],
    isolate: boolean,
  ): Promise<BatchResult> {
    const { tp } = batch;
    return transaction(pool, async (tx) => {
      const checkpoint = await lockCheckpoint(tx, schema, tp);
      if (batch.fetched > checkpoint) {
        const low = await lowWatermark(tp);
        if (batch.fetched > low) return { kind: 'reposition', offset: checkpoint, fetched: batch.fetched };
        logger.warn('records between the checkpoint and the log start were deleted by retention', {
          topic: tp.topic,
          partition: tp.partition,
          checkpoint,
          logStart: low,
        });
      }
      const lastOffset = records[records.length - 1]!.offset;
      const rows: Row[] = [];
      const rowRecords: SourceRecord[] = [];
      const failed: FailedRecord[] = [];
      let skipped = 0;
      records.forEach((record, index) => {
        const outcome = outcomes[index]!;
        if (record.offset < checkpoint) skipped++;
        else if (outcome.kind === 'ok') {
          rows.push(outcome.value);
          rowRecords.push(record);
        } else if (outcome.kind === 'retry' || outcome.kind === 'dlq') failed.push({ record, outcome });
      });
      if (skipped === records.length) return { kind: 'behind', next: Math.max(checkpoint, lastOffset + 1) };

      let applied = 0;
      let refused: RowFailure[] = [];
      if (rows.length > 0) {
        const result = isolate ? await applyIsolated(tx, rows) : await applyBulk(tx, rows);
        applied = result.applied;
        refused = result.failed;
        for (const { index, failure } of refused)
          failed.push({ record: rowRecords[index]!, outcome: retry(failure) });
      }

      let retried = 0;
      let deadLettered = 0;
      let dropped = 0;
      if (failed.length > 0) {
        if (router) ({ retried, deadLettered } = await router.route(failed));
        else {
          dropped = failed.length;
          for (const { record, outcome } of failed) {
            logger.error('dropping a record that failed and has nowhere to go', {
              topic: record.topic,
              partition: record.partition,
              offset: record.offset,
              code: outcome.failure.code,
              error: outcome.failure.message,
            });
          }
        }
      }
      const refusedAt = new Set(refused.map((r) => r.index));
      const receivedAts =
        options.statusProjection === null
          ? []
          : rows.flatMap((row, i) =>
              refusedAt.has(i) ? [] : [projection.receivedAtOf?.(row) ?? rowRecords[i]!.timestamp],
            );
      if (options.statusProjection !== null) {
        await recordActivity(tx, options.opsSchema, {
          projection: options.statusProjection,
          applied,
          receivedAts,
          now: clock(),
        });
        await recordSchemaVersions(tx, options.opsSchema, {
          projection: options.statusProjection,
          values: rowRecords.flatMap((record, i) => (refusedAt.has(i) ? [] : [record.value])),
        });
      }
      await saveProgress(tx, schema, tp, {
        next: lastOffset + 1,
        highWatermark: batch.highWatermark,
        statusProjection: options.statusProjection,
        opsSchema: options.opsSchema,
        retried,
      });
      return {
        kind: 'committed',
        next: lastOffset + 1,
        applied,
        duplicates: rows.length - applied - refused.length,
        skipped,
        retried,
        deadLettered,
        dropped,
        receivedAts,
      };
    });
  }

  async function applyBulk(tx: Client, rows: Row[]) {
    try {
      return await projection.apply(tx, rows);
    } catch (error) {
      if (isDataError(error)) throw new IsolationNeeded(describe(error));
      throw error;
    }
  }

  /** Applies rows, splitting on data errors until the failing rows are isolated. */
  async function applyIsolated(
    tx: Client,
    rows: Row[],
    offset = 0,
  ): Promise<{ applied: number; failed: RowFailure[] }> {
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
      const left = await applyIsolated(tx, rows.slice(0, middle), offset);
      const right = await applyIsolated(tx, rows.slice(middle), offset + middle);
      return { applied: left.applied + right.applied, failed: [...left.failed, ...right.failed] };
    }
  }

  return {
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
      running = true;
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.tuning.partitionsConsumedConcurrently,
        eachBatch: tracedBatch,
      });
      syncTimer = setInterval(() => {
        if (syncing) return;
        syncing = true;
        syncCheckpoints()
          .catch((error: unknown) => logger.debug('comparing checkpoints failed', { error: describe(error) }))
          .finally(() => {
            syncing = false;
          });
      }, options.tuning.checkpointSyncMs);
      logger.info('worker started', { group: options.groupId, topics: options.topics, schema });
    },
    async stop() {
      running = false;
      clearInterval(syncTimer);
      for (const { timer } of timers.values()) clearTimeout(timer);
      timers.clear();
      await consumer.disconnect();
      if (admin) await (await admin).disconnect().catch(() => undefined);
      logger.info('worker stopped');
    },
    state() {
      return {
        name: options.name,
        running,
        assigned,
        backingOff: [...timers.values()].filter((t) => t.reason === 'backoff').length,
        failing: attempts.size,
        lastError,
      };
    },
  };
}

function toSourceRecord(tp: TopicPartition, message: KafkaMessage): SourceRecord {
  return {
    topic: tp.topic,
    partition: tp.partition,
    offset: Number(message.offset),
    key: message.key,
    value: message.value,
    headers: headerStrings(message.headers),
    timestamp: Number(message.timestamp),
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function assertNever(value: never): never {
  throw new Error(`unhandled batch result ${JSON.stringify(value)}`);
}
