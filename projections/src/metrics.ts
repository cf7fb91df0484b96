/**
 * Prometheus metrics of the projection workers, on a registry of their own from the service kit
 * (no global default registry: tests and several workers in one process each get their own).
 */
import { CACHE_LOOKUPS, type CacheLookup } from '@eventlens/contracts';
import {
  Counter,
  createMetricsRegistry,
  eventStageHistogram,
  Gauge,
  Histogram,
  registryCacheMetrics,
  type Registry,
} from '@eventlens/service-kit';

export interface Metrics {
  registry: Registry;
  /** Records read and what became of them: applied, duplicate, skipped (below checkpoint), retried, dead_lettered. */
  records: Counter<'worker' | 'result'>;
  batchSize: Histogram<'worker'>;
  batchSeconds: Histogram<'worker'>;
  /** High watermark minus checkpoint, per partition. */
  lag: Gauge<'worker' | 'topic' | 'partition'>;
  /** Failed records forwarded by this process, per projection and stage (retry topic or DLQ). */
  failures: Counter<'projection' | 'stage'>;
  /** Transient errors (PostgreSQL, registry, Kafka unavailable) that paused a partition. */
  transientErrors: Counter<'worker' | 'code'>;
  /** Partitions currently paused by a backoff. */
  pausedPartitions: Gauge<'worker'>;
  /** Seeks back to the PostgreSQL checkpoint because the fetch position was ahead of it. */
  repositions: Counter<'worker'>;
  /**
   * Seconds from the ingestion API receiving an event (EventTracked's `received_at`; the Kafka
   * timestamp for events without one) to its row being committed, per projection.
   */
  freshness: Histogram<'projection'>;
  /**
   * `eventlens_event_stage_seconds{stage,projection}` (service kit): seconds from the ingestion API
   * receiving an event to its record coming back in a fetch (`fetched`) and to its row's transaction
   * committing (`committed`, the same quantity as `freshness`, on the kit's finer buckets), for the
   * projections that know an event's received time (`Projection.receivedAtOf`).
   */
  eventStage: Histogram<'stage' | 'projection'>;
  /** Records in a projection's DLQ not replayed yet (ops.dlq_records), set by the status refresher. */
  dlqDepth: Gauge<'projection'>;
  /** Records in a retry topic its retry worker has not applied yet (high watermark − checkpoint). */
  retryDepth: Gauge<'projection' | 'topic'>;
  /** The codec's `onCacheLookup` hook. */
  registryCacheLookup(lookup: CacheLookup, result: 'hit' | 'miss'): void;
}

/**
 * Upper bounds of `eventlens_projection_freshness_seconds`: from a batch applied at once (tens of
 * ms) to an hour behind; the freshness target (monitoring/rules) sits between 5 s and 30 s.
 */
export const FRESHNESS_BUCKETS_SECONDS = [
  0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800, 3600,
];

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = createMetricsRegistry({ defaultMetrics: options.defaultMetrics ?? false });
  const registers = [registry];
  return {
    registry,
    records: new Counter({
      name: 'eventlens_projection_records_total',
      help: 'Records read by a projection worker, by result.',
      labelNames: ['worker', 'result'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'eventlens_projection_batch_size',
      help: 'Records per applied batch.',
      labelNames: ['worker'],
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'eventlens_projection_batch_apply_seconds',
      help: 'Time to decode, apply and commit one batch.',
      labelNames: ['worker'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    lag: new Gauge({
      name: 'eventlens_projection_consumer_lag',
      help: 'Records between the stored checkpoint and the partition high watermark.',
      labelNames: ['worker', 'topic', 'partition'],
      registers,
    }),
    failures: new Counter({
      name: 'eventlens_projection_failures_total',
      help: 'Failed records forwarded to a retry topic or the DLQ.',
      labelNames: ['projection', 'stage'],
      registers,
    }),
    transientErrors: new Counter({
      name: 'eventlens_projection_transient_errors_total',
      help: 'Transient errors that paused a partition for a backoff.',
      labelNames: ['worker', 'code'],
      registers,
    }),
    pausedPartitions: new Gauge({
      name: 'eventlens_projection_paused_partitions',
      help: 'Partitions paused by a backoff or waiting for retry records to become due.',
      labelNames: ['worker'],
      registers,
    }),
    repositions: new Counter({
      name: 'eventlens_projection_repositions_total',
      help: 'Seeks back to the PostgreSQL checkpoint (rebalance, rebuild swap).',
      labelNames: ['worker'],
      registers,
    }),
    freshness: new Histogram({
      name: 'eventlens_projection_freshness_seconds',
      help: 'Time from the ingestion API receiving an event to its row being committed in the read model.',
      labelNames: ['projection'],
      buckets: FRESHNESS_BUCKETS_SECONDS,
      registers,
    }),
    eventStage: eventStageHistogram(registry),
    dlqDepth: new Gauge({
      name: 'eventlens_projection_dlq_depth',
      help: "Records in the projection's DLQ topic that were not replayed yet (indexed in ops.dlq_records).",
      labelNames: ['projection'],
      registers,
    }),
    retryDepth: new Gauge({
      name: 'eventlens_projection_retry_depth',
      help: 'Records in a retry topic not yet applied by the retry worker (high watermark minus checkpoint).',
      labelNames: ['projection', 'topic'],
      registers,
    }),
    registryCacheLookup: registryCacheMetrics(registry, CACHE_LOOKUPS),
  };
}
