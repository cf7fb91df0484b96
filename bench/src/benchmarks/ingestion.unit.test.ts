import { describe, expect, test } from 'vitest';
import { describeIngestion, ingestionRows, scaling, type IngestionStep } from './ingestion';

const step = (processes: number, single: number, bare: number, batch: number): IngestionStep => ({
  processes,
  bareRequestsPerSecond: bare,
  singleRequestsPerSecond: single,
  singleNon2xx: 0,
  singleLatencyP50: 20,
  singleLatencyP99: 90,
  batchEventsPerSecond: batch,
  batchNon2xx: 0,
});

describe('ingestionRows', () => {
  test('one-event requests are held to bare HTTP of as many processes, batches to kafkajs, each measured in the same run', () => {
    const rows = ingestionRows(
      { steps: [step(1, 2_000, 5_000, 20_000), step(2, 3_000, 8_000, 30_000)] },
      45_000,
    );
    expect(rows.map((r) => [r.value, r.ceiling?.value, r.aim])).toEqual([
      [2_000, 5_000, { atLeastOfCeiling: 0.8 }],
      [20_000, 45_000, { atLeastOfCeiling: 0.8 }],
      [3_000, 8_000, { atLeastOfCeiling: 0.8 }],
      [30_000, 45_000, { atLeastOfCeiling: 0.8 }],
    ]);
    expect(rows[0]!.ceiling!.name).toMatch(/bare HTTP.*1 process$/);
    expect(rows[2]!.figure).toMatch(/2 processes$/);
    expect(rows[2]!.ceiling!.name).toMatch(/bare HTTP.*2 processes$/);
  });
});

describe('scaling', () => {
  test('the last step as a multiple of the first, for each figure', () => {
    const result = { steps: [step(1, 2_000, 5_000, 20_000), step(2, 3_000, 8_000, 30_000)] };
    expect(scaling(result)).toEqual({ processes: 2, single: '×1.50', bare: '×1.60', batch: '×1.50' });
    expect(describeIngestion(result)).toContain(
      'scaling 1 → 2 processes: /v1/events ×1.50 (bare HTTP ×1.60), /v1/batch ×1.50',
    );
  });

  test('none with one step; a first figure of 0 gives no multiple', () => {
    expect(scaling({ steps: [step(1, 2_000, 5_000, 20_000)] })).toBeUndefined();
    expect(scaling({ steps: [step(1, 0, 5_000, 20_000), step(2, 10, 5_000, 20_000)] })?.single).toBe('–');
  });
});
