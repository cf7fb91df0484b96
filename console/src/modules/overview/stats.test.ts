/** The overview's Stats API queries and what their answers become: KPIs, deltas, chart buckets. */
import { describe, expect, test } from 'vitest';
import type { StatsResult } from '@/api/types';
import type { Filter } from '@/shared/filters';
import { PROJECT_ID, volume } from '@/testing/fixtures';
import { chartFromStats, chartFromVolume, chartQuery, previousRange } from './stats';
import {
  KPI_METRICS,
  delta,
  formatKpi,
  kpiLabel,
  kpiMetrics,
  kpiQuery,
  kpiValues,
  kpiFigure,
  type KpiMetric,
  type Kpis,
} from './kpis';

const HOUR = 3_600_000;
const range = { from: Date.UTC(2025, 2, 1, 11, 30), to: Date.UTC(2025, 2, 1, 12, 0) };

function result(rows: StatsResult['results'], timeLabels?: string[]): StatsResult {
  return {
    results: rows,
    meta: timeLabels ? { time_labels: timeLabels } : {},
    query: {
      site_id: PROJECT_ID,
      metrics: [],
      date_range: [],
      dimensions: [],
      filters: [],
      order_by: [],
      include: { time_labels: false, total_rows: false, imports: false },
      pagination: { limit: 10000, offset: 0 },
      timezone: 'UTC',
    },
  };
}

describe('KPI queries', () => {
  test('the range as two instants, every KPI metric in order, in the chosen zone', () => {
    expect(kpiQuery(PROJECT_ID, range, 'Asia/Kolkata')).toEqual({
      site_id: PROJECT_ID,
      metrics: [
        'visitors',
        'visits',
        'pageviews',
        'views_per_visit',
        'bounce_rate',
        'visit_duration',
        'events',
      ],
      date_range: ['2025-03-01T11:30:00.000Z', '2025-03-01T12:00:00.000Z'],
      timezone: 'Asia/Kolkata',
    });
  });

  test('the previous period has the same length and ends just before the range starts', () => {
    const prev = previousRange(range);
    expect(prev).toEqual({ from: Date.UTC(2025, 2, 1, 11, 0) - 1, to: Date.UTC(2025, 2, 1, 11, 30) - 1 });
    // As many milliseconds, both ends included.
    expect(prev.to - prev.from).toBe(range.to - range.from);
    // Two whole days (a custom range to 23:59, its minute included) compare with the two before.
    const days = { from: Date.UTC(2025, 2, 3), to: Date.UTC(2025, 2, 5) - 1 };
    expect(previousRange(days)).toEqual({ from: Date.UTC(2025, 2, 1), to: Date.UTC(2025, 2, 3) - 1 });
  });

  test('the one row becomes values by metric; no row is zeros', () => {
    expect(kpiValues(result([{ metrics: [1, 2, 3, 1.5, 50, 42, 9], dimensions: [] }]))).toEqual({
      visitors: 1,
      visits: 2,
      pageviews: 3,
      views_per_visit: 1.5,
      bounce_rate: 50,
      visit_duration: 42,
      events: 9,
      // Not in the row's query: none.
      conversion_rate: 0,
    });
    expect(Object.values(kpiValues(result([]))).every((v) => v === 0)).toBe(true);
  });

  test('values are shown by their kind', () => {
    expect(formatKpi('visitors', 12345)).toBe('12,345');
    expect(formatKpi('views_per_visit', 1.5)).toBe('1.50');
    expect(formatKpi('bounce_rate', 41)).toBe('41%');
    expect(formatKpi('visit_duration', 95)).toBe('1 min 35 s');
  });
});

/** KPIs with `metric` at `current` now and `previous` before; both periods have visits unless said. */
function kpis(
  metric: KpiMetric,
  current: number,
  previous: number,
  visits: { current: number; previous: number } = { current: 10, previous: 10 },
): Kpis {
  const zeros = () => Object.fromEntries(KPI_METRICS.map((m) => [m, 0])) as Record<KpiMetric, number>;
  const k: Kpis = { metrics: KPI_METRICS, current: zeros(), previous: zeros() };
  k.current.visits = visits.current;
  k.previous.visits = visits.previous;
  k.current[metric] = current;
  k.previous[metric] = previous;
  return k;
}

describe('deltas against the previous period', () => {
  test('a relative change in whole percent, with its arrow', () => {
    expect(delta('visitors', kpis('visitors', 12, 10))).toMatchObject({
      direction: 'up',
      text: '↑ 20%',
      good: true,
    });
    expect(delta('pageviews', kpis('pageviews', 1, 3))).toMatchObject({
      direction: 'down',
      text: '↓ 67%',
      good: false,
    });
    expect(delta('visit_duration', kpis('visit_duration', 30, 30))).toMatchObject({
      direction: 'flat',
      text: 'no change',
      good: null,
    });
  });

  test('from zero there is no percentage', () => {
    expect(delta('events', kpis('events', 4, 0))).toMatchObject({ direction: 'up', text: 'new' });
  });

  test('a conversion rate changes in points, to one decimal, and more of it is good', () => {
    expect(delta('conversion_rate', kpis('conversion_rate', 42.86, 25))).toMatchObject({
      direction: 'up',
      text: '↑ 17.9 pts',
      good: true,
    });
    expect(formatKpi('conversion_rate', 42.86)).toBe('42.86%');
  });

  test('a goal filter turns the row into its conversions; any other filter keeps the visits’', () => {
    const goal: Filter = { dimension: 'event:goal', op: 'is', value: 'Signup' };
    const source: Filter = { dimension: 'visit:source', op: 'is', value: 'Google' };
    expect(kpiMetrics([source, goal])).toEqual(['visitors', 'events', 'conversion_rate']);
    expect(kpiMetrics([source])).toEqual(KPI_METRICS);
    expect(kpiMetrics([{ ...goal, op: 'contains', value: 'Sign' }])).toEqual(kpiMetrics([goal]));
    expect(kpiMetrics([{ ...goal, op: 'is_not' }])).toEqual(KPI_METRICS);
    expect(kpiMetrics([])).toEqual(KPI_METRICS);
    const row = kpiMetrics([goal]);
    expect(row.map((m) => kpiLabel(m, row))).toEqual([
      'Unique conversions',
      'Total conversions',
      'Conversion rate',
    ]);
    expect(kpiLabel('visitors', KPI_METRICS)).toBe('Visitors');
    // The answer's values by the row's metrics, in the query's order.
    const values = kpiValues(result([{ metrics: [3, 4, 42.86], dimensions: [] }]), row);
    expect([values.visitors, values.events, values.conversion_rate, values.visits]).toEqual([3, 4, 42.86, 0]);
  });

  test('the bounce rate changes in points, and less of it is good', () => {
    expect(delta('bounce_rate', kpis('bounce_rate', 40, 43))).toMatchObject({
      direction: 'down',
      text: '↓ 3 pts',
      good: true,
    });
    expect(delta('bounce_rate', kpis('bounce_rate', 51, 50))).toMatchObject({
      direction: 'up',
      text: '↑ 1 pt',
      good: false,
    });
    // A previous period with visits and a bounce rate of 0%: a real 0, so a real difference.
    expect(delta('bounce_rate', kpis('bounce_rate', 20, 0))).toMatchObject({ text: '↑ 20 pts' });
  });

  test('after a period without visits every rate and average is "new", as the counts are, and not coloured', () => {
    const noVisitsBefore = { current: 5, previous: 0 };
    for (const [metric, now] of [
      ['bounce_rate', 43],
      ['views_per_visit', 2.5],
      ['visit_duration', 95],
    ] as const) {
      expect(delta(metric, kpis(metric, now, 0, noVisitsBefore)), metric).toEqual({
        direction: 'up',
        text: 'new',
        label: 'new',
        good: null,
      });
      expect(kpiFigure(metric, kpis(metric, now, 0, noVisitsBefore), 'previous')).toBeNull();
    }
    // A bounce rate of 0% with visits now is still new against nothing.
    expect(delta('bounce_rate', kpis('bounce_rate', 0, 0, noVisitsBefore)).text).toBe('new');
    // The counts keep theirs.
    expect(delta('visits', kpis('visits', 5, 0, noVisitsBefore))).toMatchObject({ text: 'new', good: true });
    expect(kpiFigure('visits', kpis('visits', 5, 0, noVisitsBefore), 'previous')).toBe(0);
    // No visits in either period: no rate in either, and nothing changed.
    const noVisits = kpis('bounce_rate', 0, 0, { current: 0, previous: 0 });
    expect(delta('bounce_rate', noVisits)).toMatchObject({ text: 'no change', good: null });
    expect([
      kpiFigure('bounce_rate', noVisits, 'current'),
      kpiFigure('bounce_rate', noVisits, 'previous'),
    ]).toEqual([null, null]);
  });

  test('a period without visits after one with visits has no rate or average to compare: "no visits", not coloured', () => {
    const noVisitsNow = { current: 0, previous: 5 };
    for (const metric of ['bounce_rate', 'views_per_visit', 'visit_duration'] as const)
      expect(delta(metric, kpis(metric, 0, 40, noVisitsNow)), metric).toEqual({
        direction: 'flat',
        text: 'no visits',
        label: 'no visits in this period to compare',
        good: null,
      });
    // The counts fall to zero as they did.
    expect(delta('visits', kpis('visits', 0, 5, noVisitsNow))).toMatchObject({ text: '↓ 100%', good: false });
  });

  test('the screen-reader text says the same', () => {
    expect(delta('visitors', kpis('visitors', 12, 10)).label).toBe('up 20% on the previous period');
  });
});

describe('the chart', () => {
  test('asks events per bucket with every bucket labelled, by event name with the breakdown', () => {
    const q = chartQuery(PROJECT_ID, { from: 0, to: 24 * HOUR }, 'America/New_York', 'hour', true);
    expect(q).toMatchObject({
      metrics: ['events'],
      dimensions: ['time:hour', 'event:name'],
      include: { time_labels: true },
      timezone: 'America/New_York',
    });
    expect(chartQuery(PROJECT_ID, range, 'UTC', 'day', false).dimensions).toEqual(['time:day']);
  });

  test('the engine’s buckets are the labels, empty ones zero, in a half-hour zone as sent', () => {
    // 11:30–14:30 UTC is 17:00–20:00 in India (+05:30): the local day's other hours are left out.
    const hours = ['16', '17', '18', '19', '20', '21'];
    const labels = hours.map((h) => `2025-03-01 ${h}:00:00`);
    const chart = chartFromStats(
      result(
        [
          { metrics: [2], dimensions: ['2025-03-01 17:00:00'] },
          { metrics: [5], dimensions: ['2025-03-01 19:00:00'] },
        ],
        labels,
      ),
      'hour',
      { from: Date.UTC(2025, 2, 1, 11, 30), to: Date.UTC(2025, 2, 1, 14, 30) },
      'Asia/Kolkata',
      false,
    );
    expect(chart.labels).toEqual(['03-01 17:00', '03-01 18:00', '03-01 19:00', '03-01 20:00']);
    expect(chart.series).toEqual([{ name: 'Events', data: [2, 0, 5, 0] }]);
  });

  test('a bucket the range starts in is kept; one starting after its end is not', () => {
    const labels = ['2025-03-01 16:00:00', '2025-03-01 17:00:00', '2025-03-01 18:00:00'];
    // 11:20–12:10 UTC: 16:50–17:40 India time.
    const r = { from: Date.UTC(2025, 2, 1, 11, 20), to: Date.UTC(2025, 2, 1, 12, 10) };
    expect(chartFromStats(result([], labels), 'hour', r, 'Asia/Kolkata', false).labels).toEqual([
      '03-01 16:00',
      '03-01 17:00',
    ]);
  });

  test('a 23-hour DST day has 23 hour buckets: the labels are the engine’s, none invented', () => {
    // America/New_York, 2025-03-09: 02:00 does not exist; the day is 05:00Z to 04:00Z the next.
    const labels = Array.from(
      { length: 24 },
      (_, h) => `2025-03-09 ${String(h).padStart(2, '0')}:00:00`,
    ).filter((l) => !l.includes(' 02:00'));
    const day = { from: Date.UTC(2025, 2, 9, 5), to: Date.UTC(2025, 2, 10, 4) - 1 };
    const chart = chartFromStats(result([], labels), 'hour', day, 'America/New_York', false);
    expect(chart.labels).toHaveLength(23);
    expect(chart.labels.slice(1, 3)).toEqual(['03-09 01:00', '03-09 03:00']);
  });

  test('the breakdown: the top names by total, the rest as Other', () => {
    const labels = ['2025-03-01', '2025-03-02'];
    const rows = [
      ['2025-03-01', 'a', 5],
      ['2025-03-02', 'a', 1],
      ['2025-03-01', 'b', 3],
      ['2025-03-02', 'c', 2],
      ['2025-03-02', 'd', 1],
    ].map(([day, name, n]) => ({ metrics: [n as number], dimensions: [day as string, name as string] }));
    const twoDays = { from: Date.UTC(2025, 2, 1), to: Date.UTC(2025, 2, 3) - 1 };
    const chart = chartFromStats(result(rows, labels), 'day', twoDays, 'UTC', true, 2);
    expect(chart.series).toEqual([
      { name: 'a', data: [5, 1] },
      { name: 'b', data: [3, 0] },
      { name: 'Other', data: [0, 3] },
    ]);
    expect(chart.labels).toEqual(['2025-03-01', '2025-03-02']);
  });

  test('minute buckets from /v1/stats/volume are labelled in the zone (minutes are every zone’s)', () => {
    const chart = chartFromVolume(
      volume({
        interval: 'minute',
        buckets: [
          { start: '2025-03-01T11:30:00.000Z', count: 1 },
          { start: '2025-03-01T11:31:00.000Z', count: 0 },
        ],
      }),
      'Asia/Kolkata',
    );
    expect(chart.labels).toEqual(['17:00', '17:01']);
    expect(chart.series).toEqual([{ name: 'Events', data: [1, 0] }]);
  });
});
