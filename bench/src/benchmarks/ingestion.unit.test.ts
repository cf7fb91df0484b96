import { describe, expect, test } from 'vitest';
import { ingestionRows } from './ingestion';

describe('ingestionRows', () => {
  test('one-event requests are held to bare HTTP, batches to kafkajs, each measured in the same run', () => {
    const rows = ingestionRows(
      {
        bareRequestsPerSecond: 5_000,
        singleRequestsPerSecond: 2_000,
        singleNon2xx: 0,
        singleLatencyP50: 20,
        singleLatencyP99: 90,
        batchEventsPerSecond: 20_000,
        batchNon2xx: 0,
      },
      45_000,
    );
    expect(rows.map((r) => [r.value, r.ceiling?.value, r.aim])).toEqual([
      [2_000, 5_000, '≥ 80% of bare HTTP'],
      [20_000, 45_000, '≥ 80% of kafkajs'],
    ]);
    expect(rows[0]!.ceiling!.name).toMatch(/bare HTTP/);
  });
});
