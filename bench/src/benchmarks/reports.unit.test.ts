/** The reports benchmark's pure parts: which reports it asks for, and how it times them. */
import { describe, expect, test } from 'vitest';
import {
  BREAKDOWNS,
  LIST_PAGE,
  listSpecs,
  OVERVIEW_PANELS,
  overviewSpecs,
  reportSpecs,
} from './report-specs';
import { answerRows, isReportStatement, timeRuns } from './reports';

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
        expect(s.body.metrics).toEqual(['visitors']);
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

describe('listSpecs', () => {
  test('the explorer’s first page, by name and by a visit filter, and the visits list: GETs of a console page', () => {
    const specs = listSpecs();
    expect(specs.map((s) => s.route)).toEqual([
      '/v1/events',
      '/v1/events',
      '/v1/events',
      '/v1/events',
      '/v1/sessions',
    ]);
    for (const s of specs) {
      expect(s.body).toBeUndefined();
      expect(s.query?.limit).toBe(String(LIST_PAGE));
      expect(s.query?.cursor).toBeUndefined();
    }
    expect(specs.map((s) => s.query?.event_name).filter(Boolean)).toEqual(['page_view', 'signup']);
    expect(JSON.parse(specs[3]!.query!.filters!)).toEqual([['is', 'visit:source', ['Google']]]);
  });
});

describe('overviewSpecs', () => {
  const now = Date.parse('2026-03-29T12:00:00Z');
  const specs = overviewSpecs('3b1ac0e0-95f6-456e-aa9a-01e2588357ae', now);
  const stats = specs.filter((s) => s.route === '/api/v2/query');

  test('the last 24 hours as instants, and the 24 hours before them ending 1 ms earlier', () => {
    const ranges = stats.map((s) => s.body!.date_range);
    expect(ranges[0]).toEqual(['2026-03-28T12:00:00.000Z', '2026-03-29T12:00:00.000Z']);
    expect(ranges[1]).toEqual(['2026-03-27T12:00:00.000Z', '2026-03-28T11:59:59.999Z']);
    expect(ranges.slice(2).every((r) => JSON.stringify(r) === JSON.stringify(ranges[0]))).toBe(true);
    expect(specs.find((s) => s.route === '/v1/stats/not-counted')!.query).toEqual({
      from: '2026-03-28T12:00:00.000Z',
      to: '2026-03-29T12:00:00.000Z',
    });
  });

  test('every request the Overview sends on open, once: hourly volume for 24 hours, each panel’s first tab', () => {
    expect(new Set(specs.map((s) => s.name)).size).toBe(specs.length);
    expect(specs.map((s) => s.route)).toEqual(
      expect.arrayContaining(['/v1/pipeline', '/v1/stats/not-counted']),
    );
    // The top lists, the Stats API's like the rest: events by name, page views by page.
    const tops = stats.filter((s) => s.name.startsWith('overview: top '));
    expect(tops.map((s) => [s.body!.metrics, s.body!.dimensions, s.body!.pagination])).toEqual([
      [['events'], ['event:name'], { limit: 10, offset: 0 }],
      [['pageviews'], ['event:page'], { limit: 10, offset: 0 }],
    ]);
    expect(stats.find((s) => s.name.includes('time:hour'))!.body!.dimensions).toEqual(['time:hour']);
    const panels = stats.filter((s) => s.body!.include !== undefined && s.body!.pagination !== undefined);
    expect(panels.map((s) => (s.body!.dimensions as string[])[0])).toEqual(OVERVIEW_PANELS);
    for (const p of panels) expect(p.body!.pagination).toEqual({ limit: 10, offset: 0 });
    // Their percentages divide by the KPI row's visitors: no query of the range's visitors alone.
    const visitors = stats.filter(
      (s) => JSON.stringify(s.body!.metrics) === '["visitors"]' && !s.body!.dimensions,
    );
    expect(visitors).toHaveLength(0);
    const kpis = stats.filter(
      (s) => (s.body!.metrics as string[]).includes('visitors') && !s.body!.dimensions,
    );
    expect(kpis.map((s) => s.body!.date_range)).toContainEqual(panels[0]!.body!.date_range);
  });
});

describe('answerRows and isReportStatement', () => {
  test('rows are results, steps or items; a counters object is one', () => {
    expect(answerRows({ results: [1, 2] })).toBe(2);
    expect(answerRows({ steps: [1, 2, 3] })).toBe(3);
    expect(answerRows({ items: [], next_cursor: null })).toBe(0);
    expect(answerRows({ events: 5 })).toBe(1);
  });

  test('the caller’s authentication and the project’s settings are not the report’s SQL', () => {
    expect(isReportStatement('select "project_id" from "admin"."api_keys" where "key_hash" = $1')).toBe(
      false,
    );
    expect(isReportStatement('select * from admin.project_settings where project_id = $1')).toBe(false);
    expect(isReportStatement('select * from "analytics"."events" as "e" where "e"."project_id" = $1')).toBe(
      true,
    );
    expect(isReportStatement('with bounds as (select 1) select * from analytics.sessions s')).toBe(true);
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
