/**
 * What a worker's batches tell the outside: one trace span per fetched batch, and the metrics and
 * debug log of every batch the loop finished. Positions and pauses record their own metrics
 * (positioning.ts, pauses.ts).
 */
import { performance } from 'node:perf_hooks';
import {
  linkFromHeaders,
  SpanKind,
  tracingActive,
  withSpan,
  type Link,
  type Logger,
} from '@eventlens/service-kit';
import type { EachBatchPayload } from '../kafka';
import type { Metrics } from '../metrics';
import type { BatchResult } from './apply';
import type { TopicPartition } from './checkpoints';

export interface BatchTelemetryDeps {
  metrics: Metrics;
  /** The worker's name, the `worker` label. */
  worker: string;
  /** The projection's name, the `projection` label of the failure counts. */
  projection: string;
  /** The `projection` label of the freshness histogram; null: no freshness is measured. */
  statusProjection: string | null;
  /**
   * Whether the projection knows each event's received time (`Projection.receivedAtOf`): then the
   * event stage histogram (`fetched`, `committed`) is observed too, under `statusProjection`.
   */
  stages: boolean;
  groupId: string;
  logger: Logger;
  clock: () => number;
  /** Milliseconds of a monotonic clock (`performance.now` unless a test passes its own). */
  now?: () => number;
}

export interface BatchTelemetry {
  /** Runs `handle` in a CONSUMER span `process <topic>` when tracing is on. */
  traced(payload: EachBatchPayload, handle: (payload: EachBatchPayload) => Promise<void>): Promise<void>;
  /** A batch lay wholly below the checkpoint: its records count as skipped. */
  behind(records: number): void;
  /**
   * A batch committed. `started` and `prepared` are `now()` readings from before the batch and after
   * its records were prepared; `fetchedAt` is the `clock()` (epoch ms) when the handler got the
   * batch; `highWatermark` is the partition's at the fetch.
   */
  committed(
    tp: TopicPartition,
    result: Extract<BatchResult, { kind: 'committed' }>,
    batch: { records: number; highWatermark: number; started: number; prepared: number; fetchedAt: number },
  ): void;
  now(): number;
}

export function createBatchTelemetry(deps: BatchTelemetryDeps): BatchTelemetry {
  const { metrics, worker, logger } = deps;
  const now = deps.now ?? (() => performance.now());
  return {
    now,
    traced(payload, handle) {
      if (!tracingActive()) return handle(payload);
      const { batch } = payload;
      // A batch has many parents (OpenTelemetry messaging conventions): links rather than a parent.
      const links = new Map<string, Link>();
      for (const message of batch.messages) {
        const link = linkFromHeaders(message.headers);
        if (link) links.set(link.context.spanId, link);
      }
      return withSpan(`process ${batch.topic}`, () => handle(payload), {
        kind: SpanKind.CONSUMER,
        links: [...links.values()],
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': batch.topic,
          'messaging.destination.partition.id': String(batch.partition),
          'messaging.consumer.group.name': deps.groupId,
          'messaging.batch.message_count': batch.messages.length,
          'eventlens.worker': worker,
        },
      });
    },
    behind(records) {
      metrics.records.inc({ worker, result: 'skipped' }, records);
    },
    committed(tp, result, batch) {
      metrics.records.inc({ worker, result: 'applied' }, result.applied);
      metrics.records.inc({ worker, result: 'duplicate' }, result.duplicates);
      metrics.records.inc({ worker, result: 'skipped' }, result.skipped);
      metrics.records.inc({ worker, result: 'retried' }, result.retried);
      metrics.records.inc({ worker, result: 'dead_lettered' }, result.deadLettered);
      metrics.records.inc({ worker, result: 'dropped' }, result.dropped);
      if (result.retried) {
        metrics.failures.inc({ projection: deps.projection, stage: 'retry' }, result.retried);
      }
      if (result.deadLettered) {
        metrics.failures.inc({ projection: deps.projection, stage: 'dlq' }, result.deadLettered);
      }
      if (deps.statusProjection !== null) {
        const projection = deps.statusProjection;
        const projectedAt = deps.clock();
        // One pass over the batch's rows, each value computed once (freshness and the `committed`
        // stage are one quantity), into series looked up once per batch: prom-client hashes the
        // labels of every `observe(labels, value)`, a cost per row on the projection's hot path.
        const freshness = metrics.freshness.labels({ projection });
        const fetched = deps.stages ? metrics.eventStage.labels({ stage: 'fetched', projection }) : null;
        const committedStage = deps.stages
          ? metrics.eventStage.labels({ stage: 'committed', projection })
          : null;
        for (const receivedAt of result.receivedAts) {
          const committed = Math.max(0, projectedAt - receivedAt) / 1000;
          freshness.observe(committed);
          fetched?.observe(Math.max(0, batch.fetchedAt - receivedAt) / 1000);
          committedStage?.observe(committed);
        }
      }
      const finished = now();
      metrics.batchSize.observe({ worker }, batch.records);
      metrics.batchSeconds.observe({ worker }, (finished - batch.started) / 1000);
      logger.debug('batch applied', {
        topic: tp.topic,
        partition: tp.partition,
        records: batch.records,
        applied: result.applied,
        prepareMs: Math.round(batch.prepared - batch.started),
        applyMs: Math.round(finished - batch.prepared),
      });
      metrics.lag.set(
        { worker, topic: tp.topic, partition: String(tp.partition) },
        Math.max(0, batch.highWatermark - result.next),
      );
    },
  };
}
