import { silentLogger } from '@eventlens/service-kit';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics';
import { createBatchTelemetry } from './telemetry';

const tp = { topic: 'events', partition: 2 };

function setup(statusProjection: string | null = 'analytics', stages = true) {
  const metrics = createMetrics();
  let now = 0;
  const telemetry = createBatchTelemetry({
    metrics,
    worker: 'analytics',
    projection: 'analytics',
    statusProjection,
    stages,
    groupId: 'g',
    logger: silentLogger,
    clock: () => 10_000,
    now: () => now,
  });
  const records = async () =>
    Object.fromEntries((await metrics.records.get()).values.map((v) => [v.labels.result, v.value]));
  return { telemetry, metrics, records, advance: (ms: number) => (now += ms) };
}

const result = {
  kind: 'committed' as const,
  next: 40,
  applied: 5,
  duplicates: 1,
  skipped: 2,
  retried: 3,
  deadLettered: 1,
  dropped: 0,
  receivedAts: [9000, 7500],
};

describe('the metrics of a finished batch', () => {
  it('counts records by result, failures by stage, and sets the lag from the checkpoint', async () => {
    const { telemetry, metrics, records } = setup();
    telemetry.committed(tp, result, {
      records: 12,
      highWatermark: 55,
      started: 0,
      prepared: 0,
      fetchedAt: 9_500,
    });
    expect(await records()).toEqual({
      applied: 5,
      duplicate: 1,
      skipped: 2,
      retried: 3,
      dead_lettered: 1,
      dropped: 0,
    });
    const failures = (await metrics.failures.get()).values.map((v) => [v.labels.stage, v.value]);
    expect(failures).toEqual([
      ['retry', 3],
      ['dlq', 1],
    ]);
    expect((await metrics.lag.get()).values).toEqual([
      { labels: { worker: 'analytics', topic: 'events', partition: '2' }, value: 15 },
    ]);
    const size = (await metrics.batchSize.get()).values.find((v) => v.metricName?.endsWith('_sum'));
    expect(size?.value).toBe(12);
  });

  it('observes the freshness of every applied row (commit time minus received time, in seconds)', async () => {
    const { telemetry, metrics } = setup();
    telemetry.committed(tp, result, {
      records: 12,
      highWatermark: 55,
      started: 0,
      prepared: 0,
      fetchedAt: 9_500,
    });
    const sum = (await metrics.freshness.get()).values.find((v) => v.metricName?.endsWith('_sum'));
    expect(sum?.value).toBeCloseTo(1 + 2.5);
  });

  it('observes the fetched and committed stages of every applied row, in seconds from its receipt', async () => {
    // Given a batch fetched at 9.5 s and committed at 10 s (the clock), of rows received at 9 s and 7.5 s
    const { telemetry, metrics } = setup();

    // When it commits
    telemetry.committed(tp, result, {
      records: 12,
      highWatermark: 55,
      started: 0,
      prepared: 0,
      fetchedAt: 9_500,
    });

    // Then each stage holds one observation per row, labelled with the projection
    const values = (await metrics.eventStage.get()).values;
    const of = (stage: string, suffix: string) =>
      values.find(
        (v) =>
          v.metricName === `eventlens_event_stage_seconds_${suffix}` &&
          v.labels.stage === stage &&
          v.labels.projection === 'analytics',
      )?.value;
    expect(of('fetched', 'count')).toBe(2);
    expect(of('fetched', 'sum')).toBeCloseTo(0.5 + 2);
    expect(of('committed', 'count')).toBe(2);
    expect(of('committed', 'sum')).toBeCloseTo(1 + 2.5);
    // The row received at 9 s was fetched within 0.5 s and committed within 1 s, not within 0.75 s
    const bucket = (stage: string, le: number) =>
      values.find(
        (v) =>
          v.metricName?.endsWith('_bucket') &&
          v.labels.stage === stage &&
          (v.labels as Record<string, unknown>).le === le,
      )?.value;
    expect([bucket('fetched', 0.5), bucket('committed', 0.75), bucket('committed', 1)]).toEqual([1, 0, 1]);
  });

  it('observes no stages for a projection that does not know when its events were received', async () => {
    const { telemetry, metrics } = setup('admin', false);
    telemetry.committed(tp, result, {
      records: 12,
      highWatermark: 55,
      started: 0,
      prepared: 0,
      fetchedAt: 9_500,
    });
    const counts = (await metrics.eventStage.get()).values.filter((v) => v.metricName?.endsWith('_count'));
    expect(counts.reduce((sum, v) => sum + v.value, 0)).toBe(0);
    const freshness = (await metrics.freshness.get()).values.find((v) => v.metricName?.endsWith('_count'));
    expect(freshness?.value).toBe(2);
  });

  it('measures no freshness for a worker without a status projection', async () => {
    const { telemetry, metrics } = setup(null);
    telemetry.committed(tp, result, {
      records: 12,
      highWatermark: 55,
      started: 0,
      prepared: 0,
      fetchedAt: 9_500,
    });
    const count = (await metrics.freshness.get()).values.find((v) => v.metricName?.endsWith('_count'));
    expect(count?.value ?? 0).toBe(0);
    const stages = (await metrics.eventStage.get()).values.filter((v) => v.metricName?.endsWith('_count'));
    expect(stages.reduce((sum, v) => sum + v.value, 0)).toBe(0);
  });

  it('times the batch from its start to now', async () => {
    const { telemetry, metrics, advance } = setup();
    advance(250);
    telemetry.committed(tp, result, {
      records: 1,
      highWatermark: 40,
      started: 0,
      prepared: 100,
      fetchedAt: 9_500,
    });
    const sum = (await metrics.batchSeconds.get()).values.find((v) => v.metricName?.endsWith('_sum'));
    expect(sum?.value).toBeCloseTo(0.25);
  });

  it('a batch below the checkpoint counts its records as skipped', async () => {
    const { telemetry, records } = setup();
    telemetry.behind(7);
    expect(await records()).toEqual({ skipped: 7 });
  });
});
