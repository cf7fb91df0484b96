/** The reports benchmark's pure parts: which reports it asks for, and how it times them. */
import { describe, expect, test } from 'vitest';
import { BREAKDOWNS, reportSpecs, timeRuns } from './reports';

describe('reportSpecs', () => {
  const specs = reportSpecs('3b1ac0e0-95f6-456e-aa9a-01e2588357ae');

  test('every report once, on the project, in a viewer’s zone', () => {
    expect(new Set(specs.map((s) => s.name)).size).toBe(specs.length);
    for (const s of specs) {
      expect(s.body.site_id).toBe('3b1ac0e0-95f6-456e-aa9a-01e2588357ae');
      expect(s.body.timezone).toBe('Europe/Berlin');
    }
  });

  test('the KPI row over 7d, 30d and 6mo, each with the previous period', () => {
    const kpis = specs.filter((s) => s.name.startsWith('KPI row'));
    expect(kpis.map((s) => s.body.date_range)).toEqual(['7d', '30d', '6mo']);
    for (const k of kpis) {
      expect(k.body.metrics).toEqual([
        'visitors',
        'visits',
        'pageviews',
        'views_per_visit',
        'bounce_rate',
        'visit_duration',
        'events',
      ]);
      expect(k.body.include).toEqual({ comparisons: { mode: 'previous_period' } });
    }
  });

  test('every breakdown as the console’s panel asks it, at 10 and at 100 rows', () => {
    for (const d of BREAKDOWNS) {
      const mine = specs.filter((s) => s.name.startsWith(`${d}, 30d, top `));
      expect(mine.map((s) => (s.body.pagination as { limit: number }).limit).sort((a, b) => a - b)).toEqual([
        10, 100,
      ]);
      for (const s of mine) {
        expect(s.body.metrics).toEqual(['visitors', 'percentage']);
        expect(s.body.order_by).toEqual([
          ['visitors', 'desc'],
          [d, 'asc'],
        ]);
      }
    }
  });

  test('time series at minute, hour and day; filtered breakdowns; realtime; a funnel of 3 steps', () => {
    const dims = specs.map((s) => (s.body.dimensions as string[] | undefined)?.[0]);
    expect(dims).toEqual(expect.arrayContaining(['time:minute', 'time:hour', 'time:day']));
    expect(specs.filter((s) => s.body.filters)).toHaveLength(2);
    expect(specs[0]!.body).toMatchObject({ metrics: ['visitors'], date_range: 'realtime' });
    const funnel = specs.find((s) => s.route === '/api/v2/funnel')!;
    expect(funnel.body.steps).toHaveLength(3);
  });
});

describe('timeRuns', () => {
  test('runs as many times as asked when within the budget', async () => {
    let calls = 0;
    const samples = await timeRuns(async () => void calls++, 12, 60_000);
    expect(samples).toHaveLength(12);
    expect(calls).toBe(12);
    expect(samples.every((ms) => ms >= 0)).toBe(true);
  });

  test('stops after the budget, but never before the minimum', async () => {
    const slow = () => new Promise((resolve) => setTimeout(resolve, 20));
    const samples = await timeRuns(slow, 100, 1, 5);
    expect(samples).toHaveLength(5);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(15);
    expect(await timeRuns(slow, 100, 1)).toHaveLength(3);
  });
});
