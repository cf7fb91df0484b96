/**
 * The Goals screen: every goal of the settings from the Stats API (a goal nobody reached filled
 * with 0), the change against the previous period, the selected goal's breakdown by a dimension,
 * the drill-downs into the explorer, CSV, the dashboard's range and filters, and the empty state.
 */
import { describe, expect, test } from 'vitest';
import type { HttpRequest } from '@/api/http';
import type { StatsQuery, StatsResult } from '@/api/types';
import { apiError, createFakeHttp, type FakeHttp } from '@/testing/fakeHttp';
import { notCounted, pipeline, PROJECT_ID } from '@/testing/fixtures';
import { captureDownloads, renderConsole, unmountAfterEach, type Rendered } from '@/testing/render';
import { breakdownQuery, change, goalFigure, goalRows, goalsQuery } from './goals';
import { waitFor } from '@/testing/waitFor';

let r: Rendered | undefined;
unmountAfterEach();

const NOW = Date.UTC(2025, 2, 1, 12, 0, 0);
const DAY_MS = 86_400_000;
const FROM = new Date(NOW - DAY_MS).toISOString();
const NOW_ISO = new Date(NOW).toISOString();

const GOALS = [
  { name: 'Signed up', event_name: 'signup_completed' },
  { name: 'Saw pricing', page_path: '/pricing' },
  { name: 'Read the blog', page_path: '/blog/*' },
  { name: '=Purchased', event_name: 'purchase' },
];

const settings = (goals: unknown[]) => ({
  project_id: PROJECT_ID,
  time_zone: 'UTC',
  domains: [],
  goals,
  excluded_address_ranges: [],
  updated_at: '2025-01-01T00:00:00.000Z',
});

/** Every visitor of this period and of the previous one. */
type Visitors = { current: number; previous: number };

/**
 * The Stats API: by goal this period (three goals reached) and the previous one (one), none in a
 * period without visitors; each period's visitors (`visitors`); breakdowns.
 */
function statsAnswer(req: HttpRequest, visitors: Visitors = { current: 9, previous: 8 }): StatsResult {
  const body = req.body as StatsQuery;
  const query = { timezone: body.timezone } as StatsResult['query'];
  const period = Array.isArray(body.date_range) && body.date_range[1] === NOW_ISO ? 'current' : 'previous';
  if (!body.dimensions?.length)
    return { results: [{ dimensions: [], metrics: [visitors[period]] }], meta: {}, query };
  if (body.dimensions?.[0] === 'event:goal') {
    const results =
      visitors[period] === 0
        ? []
        : period === 'current'
          ? [
              { dimensions: ['Saw pricing'], metrics: [6, 7, 66.7] },
              { dimensions: ['Signed up'], metrics: [2, 2, 22.2] },
              { dimensions: ['Read the blog'], metrics: [1, 2, 11.1] },
            ]
          : [{ dimensions: ['Saw pricing'], metrics: [4, 4, 50] }];
    return { results, meta: {}, query };
  }
  const byCountry = [
    ['US', 2, 100],
    ['FR', 1, 50],
    ['IN', 1, 50],
  ] as const;
  const limit = body.pagination?.limit ?? 10_000;
  return {
    results: byCountry.slice(0, limit).map(([v, n, rate]) => ({ dimensions: [v], metrics: [n, rate] })),
    meta: { total_rows: byCountry.length },
    query,
  };
}

function stack(goals: unknown[] = GOALS): FakeHttp {
  return createFakeHttp()
    .on('GET', '/api/query/v1/projects/:id/settings', settings(goals))
    .on('POST', '/api/query/api/v2/query', (req: HttpRequest) => statsAnswer(req))
    .on('GET', '/api/query/v1/pipeline', pipeline())
    .on('GET', '/api/query/v1/stats/not-counted', notCounted());
}

const statsCalls = (fake: FakeHttp) =>
  fake.callsTo('POST', '/api/query/api/v2/query').map((c) => c.body as StatsQuery);
const goalCalls = (fake: FakeHttp) => statsCalls(fake).filter((q) => q.dimensions?.[0] === 'event:goal');
const breakdownCalls = (fake: FakeHttp) =>
  statsCalls(fake).filter((q) => q.dimensions?.length && q.dimensions[0] !== 'event:goal');
const visitorsCalls = (fake: FakeHttp) => statsCalls(fake).filter((q) => !q.dimensions?.length);

/** The goals table as seen: per row its cells' text, a figure and its change (`6 ↑ 50%`). */
const table = () =>
  r!.wrapper.findAll('[data-testid="goals-table"] tbody tr').map((tr) =>
    tr.findAll('th, td').map((c) => {
      const value = c.find('.goal-value');
      if (!value.exists()) return c.text().replace(/\s+/g, ' ');
      return `${value.text()} ${c.find('.goal-change [aria-hidden="true"]').text()}`;
    }),
  );

/** An explorer link's path and query (`filter` as a list). */
function linkOf(href: string | undefined) {
  const url = new URL(href!, 'http://x');
  expect(url.pathname).toBe(`/p/${PROJECT_ID}/events`);
  return { ...Object.fromEntries(url.searchParams), filter: url.searchParams.getAll('filter') };
}

describe('goals, the pure part', () => {
  test('every goal of the settings has a row, in their order; one the answer lacks has zeros', () => {
    const rows = goalRows(
      GOALS,
      { results: [{ dimensions: ['Signed up'], metrics: [2, 3, 22.2] }], meta: {} } as unknown as StatsResult,
      { results: [], meta: {} } as unknown as StatsResult,
    );
    expect(rows.map((g) => [g.name, g.kind, g.target, g.current, g.previous])).toEqual([
      [
        'Signed up',
        'event',
        'signup_completed',
        { visitors: 2, events: 3, conversion_rate: 22.2 },
        { visitors: 0, events: 0, conversion_rate: 0 },
      ],
      ['Saw pricing', 'page', '/pricing', { visitors: 0, events: 0, conversion_rate: 0 }, expect.anything()],
      ['Read the blog', 'page', '/blog/*', { visitors: 0, events: 0, conversion_rate: 0 }, expect.anything()],
      ['=Purchased', 'event', 'purchase', { visitors: 0, events: 0, conversion_rate: 0 }, expect.anything()],
    ]);
  });

  test('changes: counts in whole percent ("new" from zero), the rate in points', () => {
    expect(change('visitors', 6, 4).text).toBe('↑ 50%');
    expect(change('events', 1, 4).text).toBe('↓ 75%');
    expect(change('visitors', 2, 0).text).toBe('new');
    expect(change('events', 0, 0).text).toBe('no change');
    expect(change('conversion_rate', 66.7, 50).text).toBe('↑ 16.7 pts');
    expect(change('conversion_rate', 21.2, 22.2)).toEqual({
      direction: 'down',
      text: '↓ 1 pt',
      label: 'down 1 pt on the previous period',
      good: false,
    });
  });

  /** The goals of an answer (Signed up reached now, nobody before), with each period's visitors. */
  const rowsWith = (visitors: Visitors) =>
    goalRows(
      GOALS,
      { results: [{ dimensions: ['Signed up'], metrics: [3, 3, 33.3] }], meta: {} } as unknown as StatsResult,
      { results: [], meta: {} } as unknown as StatsResult,
      visitors,
    );

  test('after a period without visitors a conversion rate is "new", not points from its placeholder 0', () => {
    expect(change('conversion_rate', 33.3, null)).toEqual({
      direction: 'up',
      text: 'new',
      label: 'new',
      good: null,
    });
    // Nobody converted now, and nobody was there to before: nothing changed, as the counts say.
    expect(change('conversion_rate', 0, null).text).toBe('no change');
    // The counts are unchanged by it; with visitors before, a rate of 0 then is a real 0.
    expect(change('visitors', 3, 0).text).toBe('new');
    expect(change('conversion_rate', 33.3, 0).text).toBe('↑ 33.3 pts');
    const [signedUp] = rowsWith({ current: 9, previous: 0 });
    expect(goalFigure(signedUp!, 'conversion_rate', 'previous')).toBeNull();
    expect(goalFigure(signedUp!, 'visitors', 'previous')).toBe(0);
    expect(goalFigure(rowsWith({ current: 9, previous: 8 })[0]!, 'conversion_rate', 'previous')).toBe(0);
  });

  test('a period without visitors after one with visitors has no rate: "no visits", uncoloured, not a fall', () => {
    // The mirror case, read as the KPI row reads its rates (overview/stats.ts, `periodChange`).
    expect(change('conversion_rate', null, 50)).toEqual({
      direction: 'flat',
      text: 'no visits',
      label: 'no visits in this period to compare',
      good: null,
    });
    expect(change('conversion_rate', null, 0).text).toBe('no visits');
    // The counts fall to zero as they did, and that is bad news.
    expect(change('visitors', 0, 4)).toMatchObject({ text: '↓ 100%', good: false });
    const [signedUp] = rowsWith({ current: 0, previous: 8 });
    expect(goalFigure(signedUp!, 'conversion_rate', 'current')).toBeNull();
    expect(goalFigure(signedUp!, 'conversion_rate', 'previous')).toBe(0);
    // No visitors in either period: no rate in either, and nothing changed.
    const [none] = rowsWith({ current: 0, previous: 0 });
    expect(
      change(
        'conversion_rate',
        goalFigure(none!, 'conversion_rate', 'current'),
        goalFigure(none!, 'conversion_rate', 'previous'),
      ).text,
    ).toBe('no change');
  });

  test('the table leaves the dashboard’s goal filters out; the breakdown names its goal', () => {
    const range = { from: NOW - DAY_MS, to: NOW };
    const filters = [
      { dimension: 'visit:source', op: 'is' as const, value: 'Google' },
      { dimension: 'event:goal', op: 'is' as const, value: 'Signed up' },
    ];
    expect(goalsQuery(PROJECT_ID, range, 'Asia/Kolkata', filters)).toEqual({
      site_id: PROJECT_ID,
      metrics: ['visitors', 'events', 'conversion_rate'],
      date_range: [FROM, NOW_ISO],
      dimensions: ['event:goal'],
      filters: [['is', 'visit:source', ['Google']]],
      timezone: 'Asia/Kolkata',
    });
    expect(
      breakdownQuery(PROJECT_ID, range, 'UTC', filters, 'Saw pricing', 'visit:country', 10),
    ).toMatchObject({
      metrics: ['visitors', 'group_conversion_rate'],
      dimensions: ['visit:country'],
      filters: [
        ['is', 'visit:source', ['Google']],
        ['is', 'event:goal', ['Saw pricing']],
      ],
      order_by: [
        ['visitors', 'desc'],
        ['visit:country', 'asc'],
      ],
      pagination: { limit: 10, offset: 0 },
    });
  });
});

describe('the Goals screen', () => {
  test('a table of every goal: conversions, rate and their change; the one nobody reached shows 0', async () => {
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/goals?range=24h`, { fake, clock: () => NOW });
    // This period and the previous one of equal length, ending 1 ms before it.
    expect(goalCalls(fake).map((q) => q.date_range)).toEqual([
      [FROM, NOW_ISO],
      [new Date(NOW - 2 * DAY_MS - 1).toISOString(), new Date(NOW - DAY_MS - 1).toISOString()],
    ]);
    expect(goalCalls(fake)[0]).toMatchObject({
      site_id: PROJECT_ID,
      metrics: ['visitors', 'events', 'conversion_rate'],
      dimensions: ['event:goal'],
      timezone: expect.any(String),
    });
    expect(table()).toEqual([
      ['Signed up', 'Event signup_completed', '2 new', '2 new', '22.2% ↑ 22.2 pts', 'Events'],
      ['Saw pricing', 'Page pattern /pricing', '6 ↑ 50%', '7 ↑ 75%', '66.7% ↑ 16.7 pts', 'Events'],
      ['Read the blog', 'Page pattern /blog/*', '1 new', '2 new', '11.1% ↑ 11.1 pts', 'Events'],
      ['=Purchased', 'Event purchase', '0 no change', '0 no change', '0% no change', 'Events'],
    ]);
    // Screen readers hear the change and the previous figure.
    expect(r.wrapper.find('[data-goal="Saw pricing"] .goal-change .visually-hidden').text()).toBe(
      'up 50% on the previous period (4)',
    );
    expect(r.wrapper.find('nav.nav a[aria-current="page"]').text()).toBe('Goals');
  });

  test('after a period without visitors the rates are "new", as the counts beside them', async () => {
    const fake = stack().on('POST', '/api/query/api/v2/query', (req: HttpRequest) =>
      statsAnswer(req, { current: 9, previous: 0 }),
    );
    r = await renderConsole(`/p/${PROJECT_ID}/goals?range=24h`, { fake, clock: () => NOW });
    // Each period's visitors, with the table's filters, over its range.
    const visitors = (range: [number, number]) => ({
      site_id: PROJECT_ID,
      metrics: ['visitors'],
      date_range: range.map((ms) => new Date(ms).toISOString()),
      timezone: expect.any(String),
    });
    expect(visitorsCalls(fake)).toEqual([
      visitors([NOW - DAY_MS, NOW]),
      visitors([NOW - 2 * DAY_MS - 1, NOW - DAY_MS - 1]),
    ]);
    expect(table().map((row) => row[4])).toEqual(['22.2% new', '66.7% new', '11.1% new', '0% no change']);
    const signedUp = r.wrapper.find('[data-goal="Signed up"] [data-label="Conversion rate"] .goal-change');
    expect(signedUp.attributes('title')).toBe('Previous period: no visitors');
    // Nothing to be better than: uncoloured, as the KPI row's rates after a period without visits.
    expect(signedUp.classes()).toEqual(['goal-change']);
    expect(
      r.wrapper.find('[data-goal="Signed up"] [data-label="Unique conversions"] .goal-change').classes(),
    ).toContain('good');
  });

  test('a period without visitors after one with visitors: the rates show "—" and read "no visits", uncoloured, and the CSV leaves them empty', async () => {
    const fake = stack().on('POST', '/api/query/api/v2/query', (req: HttpRequest) =>
      statsAnswer(req, { current: 0, previous: 8 }),
    );
    r = await renderConsole(`/p/${PROJECT_ID}/goals?range=24h`, { fake, clock: () => NOW });
    // Not "↓ 50 pts" from the placeholder 0 of no visitors; the counts fall as they did.
    expect(table().find((row) => row[0] === 'Saw pricing')).toEqual([
      'Saw pricing',
      'Page pattern /pricing',
      '0 ↓ 100%',
      '0 ↓ 100%',
      '— no visits',
      'Events',
    ]);
    // Not the placeholder 0%: no rate, as the KPI row's cards show it.
    expect(table().map((row) => row[4])).toEqual(Array(4).fill('— no visits'));
    expect(
      r.wrapper
        .find('[data-goal="Saw pricing"] [data-label="Conversion rate"] .goal-value')
        .attributes('title'),
    ).toBe('No visits in this period');
    const rate = r.wrapper.find('[data-goal="Saw pricing"] [data-label="Conversion rate"] .goal-change');
    expect(rate.classes()).toEqual(['goal-change']);
    expect(rate.attributes('title')).toBe('Previous period: 50%');
    expect(rate.find('.visually-hidden').text()).toBe('no visits in this period to compare (50%)');

    const files = captureDownloads();
    await r.wrapper.findAll('[data-testid="csv"]')[0]!.trigger('click');
    await waitFor(() => expect(files).toHaveLength(1));
    // A period without visitors has no rate: an empty cell, the previous period's real rates beside.
    expect((await files[0]!.blob.text()).split('\r\n').slice(1, 3)).toEqual([
      'Signed up,Event,signup_completed,0,0,,0,0,0',
      'Saw pricing,Page pattern,/pricing,0,0,,4,4,50',
    ]);
  });

  test('each goal drills into the explorer filtered to it, with the range and the dashboard’s filters', async () => {
    r = await renderConsole(`/p/${PROJECT_ID}/goals?range=24h&filter=visit:source=Google`, {
      fake: stack(),
      clock: () => NOW,
    });
    const links = r.wrapper.findAll('[data-testid="goal-explore"]').map((a) => linkOf(a.attributes('href')));
    // A preset: from its start, open at the end, as the Overview's drill-downs.
    expect(links).toEqual([
      { counted: 'true', from: FROM, filter: ['visit:source=Google', 'event:goal=Signed up'] },
      { counted: 'true', from: FROM, filter: ['visit:source=Google', 'event:goal=Saw pricing'] },
      { counted: 'true', from: FROM, filter: ['visit:source=Google', 'event:goal=Read the blog'] },
      { counted: 'true', from: FROM, filter: ['visit:source=Google', 'event:goal==Purchased'] },
    ]);
    // Followed, the explorer asks GET /v1/events with the goal among the Stats API filters.
    r.fake.on('GET', '/api/query/v1/events', { items: [], next_cursor: null });
    await r.wrapper.findAll('[data-testid="goal-explore"]')[1]!.trigger('click');
    await r.settle();
    const asked = r.fake.callsTo('GET', '/api/query/v1/events').at(-1)!;
    expect(JSON.parse(String(asked.query?.filters))).toEqual([
      ['is', 'visit:source', ['Google']],
      ['is', 'event:goal', ['Saw pricing']],
    ]);
  });

  test('a custom range drills in with both ends; the table keeps a goal filter out and says so', async () => {
    const from = '2025-02-01T00:00:00.000Z';
    const to = '2025-02-08T00:00:00.000Z';
    const fake = stack();
    r = await renderConsole(
      `/p/${PROJECT_ID}/goals?range=custom&from=${from}&to=${to}&filter=${encodeURIComponent('event:goal=Signed up')}`,
      { fake, clock: () => NOW },
    );
    expect(goalCalls(fake)[0]!.filters).toBeUndefined();
    expect(r.wrapper.text()).toContain('Goal filters do not narrow this table');
    // The goal filter of the row replaces the dashboard's.
    // The explorer stops after the range's last minute (its "To" minute is included).
    expect(linkOf(r.wrapper.findAll('[data-testid="goal-explore"]')[2]!.attributes('href'))).toEqual({
      counted: 'true',
      from,
      to: '2025-02-08T00:01:00.000Z',
      filter: ['event:goal=Read the blog'],
    });
  });

  test('the selected goal by a dimension: converters and group conversion rate; another goal and dimension ask again', async () => {
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/goals?range=24h`, { fake, clock: () => NOW });
    // The first goal by source, by default.
    expect(breakdownCalls(fake)).toHaveLength(1);
    expect(breakdownCalls(fake)[0]).toMatchObject({
      dimensions: ['visit:source'],
      metrics: ['visitors', 'group_conversion_rate'],
      filters: [['is', 'event:goal', ['Signed up']]],
    });

    await r.wrapper.findAll('[data-testid="goal-select"]')[1]!.trigger('click');
    await r.settle();
    await r.wrapper.find('[data-testid="goal-breakdown-by"]').setValue('visit:country');
    await r.settle();
    expect(r.console.router.currentRoute.value.query).toMatchObject({
      goal: 'Saw pricing',
      by: 'visit:country',
    });
    expect(breakdownCalls(fake).at(-1)).toMatchObject({
      dimensions: ['visit:country'],
      filters: [['is', 'event:goal', ['Saw pricing']]],
    });
    expect(r.wrapper.find('#goal-breakdown-title').text()).toBe('Saw pricing by country');
    const rows = r.wrapper
      .findAll('[data-testid="goal-breakdown"] tbody tr')
      .map((tr) => tr.findAll('td').map((c) => c.text()));
    // A country by its name, as the Overview's panels show it (the value itself still filters).
    expect(rows).toEqual([
      ['United States', '2', '100%', 'Events'],
      ['France', '1', '50%', 'Events'],
      ['India', '1', '50%', 'Events'],
    ]);
    // A value's events: the goal and the value.
    expect(
      linkOf(r.wrapper.findAll('[data-testid="goal-breakdown-explore"]')[1]!.attributes('href')),
    ).toEqual({
      counted: 'true',
      from: FROM,
      filter: ['event:goal=Saw pricing', 'visit:country=FR'],
    });
    // No more than the answer's total: no "More".
    expect(r.wrapper.text()).not.toContain('left)');
  });

  test('"CSV" exports the table (formula-like names escaped, the previous period beside) and the breakdown', async () => {
    r = await renderConsole(`/p/${PROJECT_ID}/goals?range=24h&by=visit:country`, {
      fake: stack(),
      clock: () => NOW,
    });
    const files = captureDownloads();
    const buttons = r.wrapper.findAll('[data-testid="csv"]');
    await buttons[0]!.trigger('click');
    // papaparse is loaded on the first export.
    await waitFor(() => expect(files).toHaveLength(1));
    await buttons[1]!.trigger('click');
    await waitFor(() => expect(files).toHaveLength(2));
    expect(files.map((f) => f.name)).toEqual([
      'eventlens-goals-2025-02-28-12-00-2025-03-01-12-00.csv',
      'eventlens-goal-signed-up-by-country-2025-02-28-12-00-2025-03-01-12-00.csv',
    ]);
    expect((await files[0]!.blob.text()).split('\r\n')).toEqual([
      'Goal,Kind,Event or page pattern,Unique conversions,Total conversions,Conversion rate,Previous unique conversions,Previous total conversions,Previous conversion rate',
      'Signed up,Event,signup_completed,2,2,22.2,0,0,0',
      'Saw pricing,Page pattern,/pricing,6,7,66.7,4,4,50',
      'Read the blog,Page pattern,/blog/*,1,2,11.1,0,0,0',
      "'=Purchased,Event,purchase,0,0,0,0,0,0",
    ]);
    expect((await files[1]!.blob.text()).split('\r\n')).toEqual([
      'Country,Conversions,Conversion rate',
      'United States,2,100',
      'France,1,50',
      'India,1,50',
    ]);
  });

  test('opened from the navigation, it counts over the Overview’s range and filters', async () => {
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/overview?range=7d&filter=visit:country=DE`, {
      fake,
      clock: () => NOW,
    });
    await r.wrapper
      .findAll('nav.nav a')
      .find((a) => a.text() === 'Goals')!
      .trigger('click');
    await r.settle();
    expect(r.console.router.currentRoute.value.query).toMatchObject({
      range: '7d',
      filter: ['visit:country=DE'],
    });
    const asked = goalCalls(fake);
    expect(asked).toHaveLength(2);
    expect(asked[0]).toMatchObject({
      date_range: [new Date(NOW - 7 * DAY_MS).toISOString(), NOW_ISO],
      filters: [['is', 'visit:country', ['DE']]],
    });
  });

  test('back to the Overview from the navigation, the range and filters are still the ones it showed', async () => {
    const fake = stack();
    const rendered = await renderConsole(`/p/${PROJECT_ID}/overview?range=7d&filter=visit:country=DE`, {
      fake,
      clock: () => NOW,
    });
    r = rendered;
    const nav = (label: string) =>
      rendered.wrapper
        .findAll('nav.nav a')
        .find((a) => a.text() === label)!
        .trigger('click');
    await nav('Goals');
    await r.settle();
    await nav('Overview');
    await r.settle();
    expect(r.console.router.currentRoute.value.name).toBe('overview');
    expect(r.console.router.currentRoute.value.query).toMatchObject({
      range: '7d',
      filter: ['visit:country=DE'],
    });
  });

  test('without goals: no query, a link to the settings', async () => {
    const fake = stack([]);
    r = await renderConsole(`/p/${PROJECT_ID}/goals`, { fake, clock: () => NOW });
    expect(statsCalls(fake)).toHaveLength(0);
    const empty = r.wrapper.find('[data-testid="no-goals"]');
    expect(empty.text()).toContain('This project has no goals yet.');
    expect(empty.find('a').attributes('href')).toBe(`/p/${PROJECT_ID}/settings`);
  });

  test('a failed query is said, with "Try again"', async () => {
    const fake = stack().on('POST', '/api/query/api/v2/query', () => {
      throw apiError(503, 'READ_MODEL_UNAVAILABLE', 'the read models cannot be queried right now');
    });
    r = await renderConsole(`/p/${PROJECT_ID}/goals?range=24h`, { fake, clock: () => NOW });
    expect(r.wrapper.find('[data-testid="goals-table"]').exists()).toBe(false);
    expect(r.wrapper.text()).toContain('Loading the goals failed');
    expect(r.wrapper.text()).toContain('READ_MODEL_UNAVAILABLE, HTTP 503');
    fake.on('POST', '/api/query/api/v2/query', statsAnswer);
    await r.button('Try again').trigger('click');
    await r.settle();
    expect(table()).toHaveLength(4);
  });
});
