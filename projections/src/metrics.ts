/**
 * Prometheus metrics of the projection workers, on a registry passed in (no global default
 * registry: tests and several workers in one process each get their own).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
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
  };
}
