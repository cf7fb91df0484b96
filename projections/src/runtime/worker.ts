/**
 * The generic projection worker: one Kafka consumer group, batches applied to PostgreSQL with
 * their checkpoints in one transaction, failures routed as values. Every projection (analytics,
 * admin, the ops DLQ indexer) and every retry consumer is this loop with other parameters.
 *
 * This module composes the loop; each concern has a module of its own:
 * - positioning.ts: seeking to the PostgreSQL checkpoints on assignment, and every few seconds
 *   seeking to any that went back under the worker (a rebuild swap, an operator's reset);
 * - pauses.ts: pausing a partition for a backoff on a transient failure, and the retry topics'
 *   due gate;
 * - apply.ts: one batch, its failures' forwards and its checkpoint in one transaction, and
 *   splitting a batch to isolate records PostgreSQL refuses;
 * - telemetry.ts: the span of a batch and its metrics; classify.ts: thrown errors as outcomes.
 *
 * Exactly once (invariant 2): the checkpoint stored with the rows is the truth; a batch fetched
 * before its partition was positioned is dropped and triggers the seek; Kafka's committed offsets
 * are written after each commit, as a hint for tools only. Events are inserted with ON CONFLICT DO
 * NOTHING and aggregates derive from the rows actually inserted, so even two workers racing on one
 * partition count nothing twice. That is also why `synchronous_commit = off` is safe: a commit
 * lost in a PostgreSQL crash loses the checkpoint with the rows, and the batch is read again.
 *
 * A bad record never stops a partition (invariant 4): `prepare` returns an outcome per record, and
 * failures are forwarded inside the transaction, before the checkpoint moves. A transient failure
 * (PostgreSQL or the registry unavailable, a lock timeout, Kafka refusing the forward) is not a bad
 * record: the partition is paused, and the same batch is fetched again after a backoff.
 *
 * Retry consumers (`dueGate`) apply only the records whose due time has come; at the first one
 * that is not due they commit what came before, pause the partition and resume it at that time.
 */
import { describeError, restartAfterCrash, type Logger } from '@eventlens/service-kit';
import type { BackoffPolicy } from './backoff';
import { createBatchApplier, poolTransaction, postgresStore, type BatchApplier } from './apply';
import { readCheckpoints, type TopicPartition } from './checkpoints';
import { classifyError } from './classify';
import { headerStrings } from './headers';
import { firstTransient } from './outcome';
import { createPauses, dueRecords, type PauseState, type Pauses } from './pauses';
import { createPositioning, type Positioning } from './positioning';
import type { Projection, SourceRecord } from './projection';
import type { Router } from './router';
import { createBatchTelemetry, type BatchTelemetry } from './telemetry';
import type { Pool } from '../db';
import {
  createConsumer,
  createLogStart,
  fetchedOffsetOf,
  type Batch,
  type ConsumerTuning,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
} from '../kafka';
import type { Metrics } from '../metrics';

export interface WorkerTuning extends ConsumerTuning {
  partitionsConsumedConcurrently: number;
  /** How often the stored checkpoints are compared with what this worker last committed. */
  checkpointSyncMs: number;
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

export interface WorkerState extends PauseState {
  name: string;
  running: boolean;
  assigned: TopicPartition[];
}

export interface Worker {
  start(): Promise<void>;
  stop(): Promise<void>;
  state(): WorkerState;
}

export function createWorker<Row>(options: WorkerOptions<Row>): Worker {
  const { pool, schema, metrics, tuning } = options;
  const clock = options.clock ?? Date.now;
  const logger = options.logger.child({ worker: options.name });
  const worker = options.name;

  const consumer = createConsumer(options.kafka, options.groupId, tuning);
  const logStart = createLogStart(options.kafka);
  const positioning = createPositioning({
    read: (partitions) => readCheckpoints(pool, schema, partitions),
    seek: (tp, offset) => consumer.seek({ topic: tp.topic, partition: tp.partition, offset: String(offset) }),
    metrics,
    worker,
    logger,
  });
  const pauses = createPauses({
    pause: (tp) => consumer.pause([{ topic: tp.topic, partitions: [tp.partition] }]),
    resume: (tp) => consumer.resume([{ topic: tp.topic, partitions: [tp.partition] }]),
    backoff: options.backoff,
    random: options.random ?? Math.random,
    metrics,
    worker,
    logger,
  });
  const telemetry = createBatchTelemetry({
    metrics,
    worker,
    projection: options.projection.name,
    statusProjection: options.statusProjection,
    stages: options.projection.receivedAtOf !== undefined,
    groupId: options.groupId,
    logger,
    clock,
  });
  const handle = createBatchHandler({
    projection: options.projection,
    applier: createBatchApplier({
      projection: options.projection,
      router: options.router,
      store: postgresStore(options),
      transaction: poolTransaction(pool),
      lowWatermark: (tp) => logStart.lowWatermark(tp),
      logger,
      clock,
    }),
    positioning,
    pauses,
    telemetry,
    dueGate: options.dueGate,
    clock,
    logger,
  });

  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    const assigned = Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) =>
      partitions.map((partition) => ({ topic, partition })),
    );
    logger.info('partitions assigned', { assigned: assigned.map((tp) => `${tp.topic}[${tp.partition}]`) });
    positioning.assign(assigned).catch((error: unknown) =>
      logger.warn('seeking to checkpoints on assignment failed; the first batch will retry', {
        error: describeError(error),
      }),
    );
  });
  /** Aborted by stop(): no restart after a crash begins once the worker stops. */
  const stopping = new AbortController();
  const run = () =>
    consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: tuning.partitionsConsumedConcurrently,
      eachBatch: (payload) => telemetry.traced(payload, handle),
    });
  // kafkajs restarts it after a retriable error (restartOnFailure in createConsumer); this after
  // the rest, which would otherwise leave the worker assigned nothing and projecting nothing.
  restartAfterCrash(consumer, run, { logger, name: options.groupId, signal: stopping.signal });

  let running = false;
  return {
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
      running = true;
      await run();
      positioning.startSync(tuning.checkpointSyncMs);
      logger.info('worker started', { group: options.groupId, topics: options.topics, schema });
    },
    async stop() {
      running = false;
      stopping.abort();
      positioning.stopSync();
      pauses.clear();
      await consumer.disconnect();
      await logStart.close();
      logger.info('worker stopped');
    },
    state() {
      return { name: options.name, running, assigned: positioning.assigned(), ...pauses.state() };
    },
  };
}

/** What the loop needs of a kafkajs batch payload. */
export type BatchPayload = Pick<
  EachBatchPayload,
  'isRunning' | 'isStale' | 'resolveOffset' | 'commitOffsetsIfNecessary'
> & { batch: Pick<Batch, 'topic' | 'partition' | 'highWatermark' | 'messages'> };

export interface BatchHandlerDeps<Row> {
  projection: Pick<Projection<Row>, 'prepare'>;
  applier: BatchApplier<Row>;
  positioning: Pick<Positioning, 'isPositioned' | 'position' | 'committed' | 'skippedTo' | 'seekBack'>;
  pauses: Pick<Pauses, 'pauseFor' | 'backOff' | 'recovered'>;
  telemetry: Pick<BatchTelemetry, 'behind' | 'committed' | 'now'>;
  dueGate: boolean;
  clock: () => number;
  logger: Logger;
}

/**
 * One step of the loop, for one fetched batch of one partition: position the partition if it is
 * not, take the due records, prepare them, back off on a transient outcome or error, apply, then
 * follow the result (seek back, skip ahead, or resolve and hint the committed offset).
 */
export function createBatchHandler<Row>(
  deps: BatchHandlerDeps<Row>,
): (payload: BatchPayload) => Promise<void> {
  const { positioning, pauses, telemetry, clock, logger } = deps;

  return async function handleBatch(payload) {
    // When the batch came back from its fetch: the `fetched` stage of its events.
    const fetchedAt = clock();
    const { batch } = payload;
    const tp = { topic: batch.topic, partition: batch.partition };
    if (!payload.isRunning() || payload.isStale()) return;
    if (!positioning.isPositioned(tp)) {
      // Fetched before we sought to the checkpoint: drop it, seek, and fetch again from there.
      try {
        await positioning.position([tp]);
      } catch (error) {
        pauses.backOff(tp, classifyError(error).failure);
      }
      return;
    }

    const started = telemetry.now();
    const fetched = batch.messages.map((message) => toSourceRecord(tp, message));
    const { due: records, wakeAt } = deps.dueGate
      ? dueRecords(fetched, clock())
      : { due: fetched, wakeAt: undefined };
    if (records.length === 0) {
      if (wakeAt !== undefined) pauses.pauseFor(tp, wakeAt - clock(), 'due');
      return;
    }

    let result;
    let prepared = started;
    try {
      const outcomes = await deps.projection.prepare(records);
      prepared = telemetry.now();
      const unavailable = firstTransient(outcomes);
      if (unavailable) {
        pauses.backOff(tp, unavailable.failure);
        return;
      }
      const origin = { tp, fetched: fetchedOffsetOf(batch), highWatermark: Number(batch.highWatermark) };
      result = await deps.applier.apply(origin, records, outcomes);
    } catch (error) {
      pauses.backOff(tp, classifyError(error).failure);
      return;
    }

    pauses.recovered(tp);
    const lastOffset = records[records.length - 1]!.offset;
    switch (result.kind) {
      case 'reposition':
        positioning.seekBack(tp, result.offset, result.fetched);
        return;
      case 'behind':
        telemetry.behind(records.length);
        payload.resolveOffset(String(lastOffset));
        positioning.skippedTo(tp, result.next, lastOffset + 1);
        break;
      case 'committed':
        payload.resolveOffset(String(lastOffset));
        positioning.committed(tp, result.next);
        telemetry.committed(tp, result, {
          records: records.length,
          highWatermark: Number(batch.highWatermark),
          started,
          prepared,
          fetchedAt,
        });
        // A hint for Kafka tooling only; the checkpoint above is what the worker trusts.
        await payload
          .commitOffsetsIfNecessary({
            topics: [
              { topic: tp.topic, partitions: [{ partition: tp.partition, offset: String(result.next) }] },
            ],
          })
          .catch((error: unknown) =>
            logger.debug('committing the offset hint failed', { error: describeError(error) }),
          );
        break;
      default: {
        const _never: never = result;
        throw new Error(`unhandled batch result ${JSON.stringify(_never)}`);
      }
    }
    if (wakeAt !== undefined) pauses.pauseFor(tp, wakeAt - clock(), 'due');
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
