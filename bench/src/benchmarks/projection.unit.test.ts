import { describe, expect, test } from 'vitest';
import { formatTable } from '../report';
import { projectionRows, type ProjectionResult } from './projection';

const result: ProjectionResult = {
  eventsPerSecond: 12_000,
  withStartupEventsPerSecond: 9_000,
  cpuMicrosPerEvent: { projection: 40, postgres: 45 },
};

describe('projectionRows', () => {
  test('the steady-state rate against both COPY ceilings; the aim on the slim one only', () => {
    const rows = projectionRows(result, { copy: 50_000, copyEveryIndex: 20_000 });
    expect(rows.map((r) => [r.value, r.ceiling?.value, r.aim])).toEqual([
      [12_000, 50_000, { atLeastOfCeiling: 0.5 }],
      [12_000, 20_000, undefined],
      [40, undefined, undefined],
      [45, undefined, undefined],
    ]);
    expect(rows[0]!.figure).toBe('analytics projection');
    expect(rows[0]!.ceiling!.name).toBe('COPY direct');
    expect(rows[1]!.figure).toMatch(/every index/);
  });

  test('printed: the every-index row has its ratio but no aim and no verdict', () => {
    const lines = formatTable(projectionRows(result, { copy: 50_000, copyEveryIndex: 20_000 }));
    const cells = (line: string) => line.split('|').map((c) => c.trim());
    expect(cells(lines[2]!).slice(2)).toEqual([
      '12,000 events/s',
      'COPY direct 50,000',
      '24%',
      '≥ 50% of ceiling',
      'no',
      '',
    ]);
    expect(cells(lines[3]!).slice(3)).toEqual(['COPY, every index of events 20,000', '60%', '', '', '']);
  });
});
