/**
 * The dashboard's panels under the Overview: top-N lists by dimension from the Stats API, tabs,
 * "More", filters from a row's click (chips, in the URL, applied to the KPIs, the chart and every
 * panel), the explorer links, and CSV.
 */
import { describe, expect, test } from 'vitest';
import type { HttpRequest } from '@/api/http';
import type { StatsQuery } from '@/api/types';
import { apiError, createFakeHttp } from '@/testing/fakeHttp';
import { notCounted, pipeline, PROJECT_ID, withTopLists } from '@/testing/fixtures';
import { captureDownloads, renderConsole, unmountAfterEach, type Rendered } from '@/testing/render';
import { waitFor } from '@/testing/waitFor';

let r: Rendered | undefined;
unmountAfterEach();

const NOW = Date.UTC(2025, 2, 1, 12, 0, 0);

/** Per dimension, its values and visitors; `more` beyond the first page of pages. */
const VALUES: Record<string, Array<[string, number]>> = {
  'event:page': [
    ['/', 8],
    ['/pricing', 4],
    ...Array.from({ length: 10 }, (_, i): [string, number] => [`/docs/${i}`, 1]),
  ],
  'visit:entry_page': [['/landing', 6]],
  'visit:source': [['Google', 5]],
  'visit:channel': [
    ['Organic Search', 5],
    ['Direct', 2],
  ],
  'visit:country': [['DE', 3]],
  // Most visits carry no UTM value: the Stats API's "(none)" row.
  'visit:utm_source': [
    ['(none)', 10],
    ['newsletter', 2],
  ],
};

function statsAnswer(req: HttpRequest) {
  const body = req.body as StatsQuery;
  const query = { timezone: body.timezone };
  const dimension = body.dimensions?.[0];
  if (!dimension) {
    const visitors = body.filters ? 4 : 12;
    return { results: [{ metrics: [visitors, 15, 30, 2, 40, 95, 50], dimensions: [] }], meta: {}, query };
  }
  if (dimension.startsWith('time:')) return { results: [], meta: { time_labels: [] }, query };
  // `contains ""` on the dimension keeps the rows with a value, as the Stats API does.
  const valuesOnly = body.filters?.some(
    (f) => f[0] === 'contains' && f[1] === dimension && JSON.stringify(f[2]) === '[""]',
  );
  const all = (VALUES[dimension] ?? []).filter(([value]) => !(valuesOnly && value === '(none)'));
  const limit = body.pagination?.limit ?? 10_000;
  return {
    results: all
      .slice(0, limit)
      .map(([value, visitors]) => ({ metrics: [visitors, visitors * 5], dimensions: [value] })),
    meta: { total_rows: all.length },
    query,
  };
}

function stack() {
  return createFakeHttp()
    .on('POST', '/api/query/api/v2/query', withTopLists(statsAnswer))
    .on('GET', '/api/query/v1/pipeline', pipeline())
    .on('GET', '/api/query/v1/stats/not-counted', notCounted());
}

const statsCalls = (fake: ReturnType<typeof stack>) =>
  fake.callsTo('POST', '/api/query/api/v2/query').map((c) => c.body as StatsQuery);
/** The panels' own question of the range's visitors (`visitorsQuery`): visitors alone, no dimension. */
const panelVisitors = (fake: ReturnType<typeof stack>) =>
  statsCalls(fake).filter((b) => !b.dimensions && b.metrics.length === 1 && b.metrics[0] === 'visitors');
/** A query's filters less the UTM panel's own (`contains ""` on its tab's dimension): the dashboard's. */
const dashboardFilters = (b: StatsQuery) =>
  JSON.stringify(
    (b.filters ?? []).filter(
      (f) => !(f[0] === 'contains' && b.dimensions?.[0] === f[1] && JSON.stringify(f[2]) === '[""]'),
    ),
  );
/** The Pages panel's percentage column, as shown. */
const pagePercentages = () =>
  panel('pages')
    .findAll('tbody tr')
    .map((row) => row.findAll('td')[2]!.text());
const panel = (id: string) => r!.wrapper.find(`[data-panel="${id}"]`);
const rowValues = (id: string) =>
  panel(id)
    .findAll('[data-testid="panel-row"]')
    .map((b) => b.text());

describe('dashboard panels', () => {
  test('each panel lists its top values by visitors, with their percentage, for the Overview’s range and zone', async () => {
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    expect(r.wrapper.findAll('[data-panel]').map((p) => p.find('h2').text())).toEqual([
      // Distinct from the Overview's "Pages by page views" below the panels.
      'Pages by visitors',
      'Sources',
      'UTM',
      'Devices',
      'Countries',
    ]);
    expect(rowValues('pages').slice(0, 2)).toEqual(['/', '/pricing']);
    expect(rowValues('pages')).toHaveLength(10);
    // 8 of the range's 12 visitors (the fake's answer without a dimension).
    expect(panel('pages').text()).toContain('66.7%');
    // A country reads as its name; the code stays what the row filters by (the next test).
    expect(rowValues('countries')).toEqual(['Germany']);
    expect(panel('utm').text()).toContain('No visits with a UTM medium value in this range.');
    const pages = statsCalls(fake).find(
      (b) => b.dimensions?.[0] === 'event:page' && b.metrics[0] === 'visitors',
    )!;
    expect(pages).toMatchObject({
      site_id: PROJECT_ID,
      metrics: ['visitors'],
      date_range: [new Date(NOW - 24 * 3_600_000).toISOString(), new Date(NOW).toISOString()],
      order_by: [
        ['visitors', 'desc'],
        ['event:page', 'asc'],
      ],
      include: { total_rows: true },
      pagination: { limit: 10, offset: 0 },
    });
    expect(pages.filters).toBeUndefined();
  });

  test('tabs ask for their dimension; "More" asks for ten more rows', async () => {
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    const more = panel('pages')
      .findAll('button')
      .find((b) => b.text().startsWith('More'))!;
    expect(more.text()).toBe('More (2 left)');
    await more.trigger('click');
    await r.settle();
    expect(rowValues('pages')).toHaveLength(12);
    expect(statsCalls(fake).at(-1)!.pagination).toEqual({ limit: 20, offset: 0 });
    expect(
      panel('pages')
        .findAll('button')
        .some((b) => b.text().startsWith('More')),
    ).toBe(false);

    await panel('pages').find('[data-dimension="visit:entry_page"]').trigger('click');
    await r.settle();
    expect(statsCalls(fake).at(-1)!.dimensions).toEqual(['visit:entry_page']);
    expect(rowValues('pages')).toEqual(['/landing']);
    expect(panel('pages').find('[data-dimension="visit:entry_page"]').attributes('aria-pressed')).toBe(
      'true',
    );
  });

  test('the UTM tabs leave out the visits without a value; the percentages stay of all visitors', async () => {
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/overview?filter=visit:country=DE`, { fake, clock: () => NOW });
    await panel('utm').find('[data-dimension="visit:utm_source"]').trigger('click');
    await r.settle();
    const asked = statsCalls(fake).at(-1)!;
    expect(asked.dimensions).toEqual(['visit:utm_source']);
    // The dashboard's filter, and the one that drops the "(none)" row.
    expect(asked.filters).toEqual([
      ['is', 'visit:country', ['DE']],
      ['contains', 'visit:utm_source', ['']],
    ]);
    expect(rowValues('utm')).toEqual(['newsletter']);
    // 2 of the range's 4 visitors with the dashboard's filter (the fake's answer), not of those with a UTM value.
    expect(panel('utm').find('tbody tr').findAll('td')[2]!.text()).toBe('50%');
    // Elsewhere the filters are the dashboard's alone.
    const sources = statsCalls(fake).find((b) => b.dimensions?.[0] === 'visit:source')!;
    expect(sources.filters).toEqual([['is', 'visit:country', ['DE']]]);
  });

  test('the Sources panel’s Channels tab lists the visitors by visit:channel', async () => {
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    expect(rowValues('sources')).toEqual(['Google']);
    const header = () => panel('sources').find('thead th').text();
    expect(header()).toBe('Source');
    await panel('sources').find('[data-dimension="visit:channel"]').trigger('click');
    await r.settle();
    expect(statsCalls(fake).at(-1)!.dimensions).toEqual(['visit:channel']);
    expect(rowValues('sources')).toEqual(['Organic Search', 'Direct']);
    // The first column says what the rows of this tab are.
    expect(header()).toBe('Channel');
  });

  test('the percentages divide by the KPI row’s visitors, with no query of their own; a tab reuses them', async () => {
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    expect(panelVisitors(fake)).toHaveLength(0);
    // 8, 4 and 1 of the KPI row's 12 visitors: Plausible's one decimal.
    expect(r.wrapper.find('[data-kpi="visitors"] .kpi-value').text()).toBe('12');
    expect(pagePercentages().slice(0, 3)).toEqual(['66.7%', '33.3%', '8.3%']);
    await panel('pages').find('[data-dimension="visit:entry_page"]').trigger('click');
    await r.settle();
    const more = panel('pages')
      .findAll('button')
      .find((b) => b.text().startsWith('More'));
    expect(more).toBeUndefined();
    expect(panelVisitors(fake)).toHaveLength(0);
    // 6 of 12 on the entry pages' tab.
    expect(panel('pages').text()).toContain('50%');
  });

  test('without the KPI row’s answer the panels ask for the range’s visitors once, and a tab reuses it', async () => {
    const fake = stack().on('POST', '/api/query/api/v2/query', (req: HttpRequest) => {
      const body = req.body as StatsQuery;
      if (!body.dimensions && body.metrics.length > 1) throw apiError(503, 'unavailable', 'down');
      return withTopLists(statsAnswer)(req);
    });
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    expect(panelVisitors(fake)).toHaveLength(1);
    expect(panelVisitors(fake)[0]).toMatchObject({
      site_id: PROJECT_ID,
      date_range: [new Date(NOW - 24 * 3_600_000).toISOString(), new Date(NOW).toISOString()],
    });
    expect(pagePercentages().slice(0, 3)).toEqual(['66.7%', '33.3%', '8.3%']);
    await panel('pages').find('[data-dimension="visit:entry_page"]').trigger('click');
    await r.settle();
    expect(panelVisitors(fake)).toHaveLength(1);
    expect(panel('pages').text()).toContain('50%');
  });

  test('"Add a filter" sets any operator (is not, contains…), which every report then asks with', async () => {
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    const before = statsCalls(fake).length;
    const form = r.wrapper.find('form[aria-label="Add a report filter"]');
    await form.find('#af-dimension').setValue('visit:source');
    await form.find('#af-op').setValue('is_not');
    await form.find('#af-value').setValue('Google');
    await form.trigger('submit');
    await r.settle();
    expect(r.console.router.currentRoute.value.query.filter).toEqual(['visit:source!=Google']);
    expect(r.wrapper.find('[data-testid="filter-chip"]').text()).toContain('Source is not Google');
    const after = statsCalls(fake).slice(before);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((b) => dashboardFilters(b) === '[["is_not","visit:source",["Google"]]]')).toBe(true);
  });

  test('a goal filter turns the KPI row into its conversions, as Plausible’s dashboard does', async () => {
    const fake = createFakeHttp()
      .on('POST', '/api/query/api/v2/query', (req: HttpRequest) => {
        const body = req.body as StatsQuery;
        if (!body.dimensions && body.metrics.includes('conversion_rate')) {
          // Unique conversions, total conversions, conversion rate; the previous period had fewer.
          const current = (body.date_range as string[])[1] === new Date(NOW).toISOString();
          return {
            results: [{ metrics: current ? [3, 4, 42.86] : [1, 1, 25], dimensions: [] }],
            meta: {},
            query: {},
          };
        }
        return withTopLists(statsAnswer)(req);
      })
      .on('GET', '/api/query/v1/pipeline', pipeline())
      .on('GET', '/api/query/v1/stats/not-counted', notCounted());
    r = await renderConsole(`/p/${PROJECT_ID}/overview?filter=${encodeURIComponent('event:goal=Signup')}`, {
      fake,
      clock: () => NOW,
    });
    const kpiQueries = statsCalls(fake).filter((b) => !b.dimensions && b.metrics.length > 1);
    expect(kpiQueries.map((b) => b.metrics)).toEqual([
      ['visitors', 'events', 'conversion_rate'],
      ['visitors', 'events', 'conversion_rate'],
    ]);
    const cards = r.wrapper
      .findAll('[data-kpi]')
      .map((c) => [
        c.attributes('data-kpi'),
        c.find('.kpi-label').text(),
        c.find('.kpi-value').text(),
        c.find('.kpi-delta [aria-hidden]').text(),
      ]);
    expect(cards).toEqual([
      ['visitors', 'Unique conversions', '3', '↑ 200%'],
      ['events', 'Total conversions', '4', '↑ 300%'],
      ['conversion_rate', 'Conversion rate', '42.86%', '↑ 17.9 pts'],
    ]);
    // No page views beside views per visit: the visit cards are not there.
    expect(r.wrapper.find('[data-kpi="pageviews"]').exists()).toBe(false);
  });

  test('a row’s click filters everything; the chip is in the URL and removing it unfilters', async () => {
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    expect(r.wrapper.find('[data-kpi="visitors"] .kpi-value').text()).toBe('12');
    const before = statsCalls(fake).length;
    await panel('sources').find('[data-testid="panel-row"]').trigger('click');
    await r.settle();
    expect(r.console.router.currentRoute.value.query.filter).toEqual(['visit:source=Google']);
    const chip = r.wrapper.find('[data-testid="filter-chip"]');
    expect(chip.text()).toContain('Source is Google');
    // The KPIs (both periods), the chart, the two top lists and all five panels asked again, each
    // with the filter (the panels' percentages divide by the KPI row's visitors; the UTM panel adds
    // its own, the next test).
    const after = statsCalls(fake).slice(before);
    expect(after.length).toBe(2 + 1 + 2 + 5);
    expect(after.every((b) => dashboardFilters(b) === '[["is","visit:source",["Google"]]]')).toBe(true);
    expect(after.some((b) => b.dimensions?.[0] === 'time:hour')).toBe(true);
    expect(
      after
        .filter((b) => b.dimensions?.length === 1 && b.metrics.length === 1)
        .map((b) => [b.metrics[0], b.dimensions![0]]),
    ).toEqual(
      expect.arrayContaining([
        ['events', 'event:name'],
        ['pageviews', 'event:page'],
      ]),
    );
    expect(r.wrapper.find('[data-kpi="visitors"] .kpi-value').text()).toBe('4');

    await chip.trigger('click');
    await r.settle();
    expect(r.console.router.currentRoute.value.query.filter).toBeUndefined();

    expect(r.wrapper.find('[data-testid="filter-chip"]').exists()).toBe(false);
    expect(r.wrapper.find('[data-kpi="visitors"] .kpi-value').text()).toBe('12');
    expect(statsCalls(fake).at(-1)!.filters).toBeUndefined();
    // A country's row, which reads as its name, filters by its code.
    await panel('countries').find('[data-testid="panel-row"]').trigger('click');
    await r.settle();
    expect(r.console.router.currentRoute.value.query.filter).toEqual(['visit:country=DE']);
    expect(r.wrapper.find('[data-testid="filter-chip"]').text()).toContain('Country is Germany');
    expect(statsCalls(fake).at(-1)!.filters).toEqual([['is', 'visit:country', ['DE']]]);
  });

  test('filters in the URL apply from the first request; with short ranges the chart asks the Stats API by minute', async () => {
    const fake = stack();
    r = await renderConsole(
      `/p/${PROJECT_ID}/overview?range=30m&filter=${encodeURIComponent('event:page=/pricing')}&filter=${encodeURIComponent('visit:country=DE')}`,
      { fake, clock: () => NOW },
    );
    expect(r.wrapper.findAll('[data-testid="filter-chip"]').map((c) => c.text())).toEqual([
      'Page is /pricing ×',
      'Country is Germany ×',
    ]);
    const expected = [
      ['is', 'event:page', ['/pricing']],
      ['is', 'visit:country', ['DE']],
    ];
    expect(statsCalls(fake).every((b) => dashboardFilters(b) === JSON.stringify(expected))).toBe(true);
    // GET /v1/stats/volume cannot filter: the minute buckets come from the Stats API.
    expect(fake.callsTo('GET', '/api/query/v1/stats/volume')).toHaveLength(0);
    expect(statsCalls(fake).some((b) => b.dimensions?.[0] === 'time:minute')).toBe(true);
    await r.button('Clear all').trigger('click');
    await r.settle();
    expect(r.console.router.currentRoute.value.query.filter).toBeUndefined();
  });

  test('a row’s "Events" opens the explorer filtered to its value, the range and the active filters', async () => {
    r = await renderConsole(`/p/${PROJECT_ID}/overview?filter=visit:country=DE`, {
      fake: stack(),
      clock: () => NOW,
    });
    const from = new Date(NOW - 24 * 3_600_000).toISOString();
    const href = (id: string, n = 0) => {
      const url = new URL(
        panel(id).findAll('[data-testid="panel-explore"]')[n]!.attributes('href')!,
        'http://x',
      );
      expect(url.pathname).toBe(`/p/${PROJECT_ID}/events`);
      return { ...Object.fromEntries(url.searchParams), filter: url.searchParams.getAll('filter') };
    };
    // A preset range: from its start, open at the end (events arriving later show too).
    expect(href('pages', 1)).toEqual({
      counted: 'true',
      from,
      filter: ['visit:country=DE', 'event:page=/pricing'],
    });
    expect(href('sources')).toEqual({
      counted: 'true',
      from,
      filter: ['visit:country=DE', 'visit:source=Google'],
    });
    // The row of the filter's own dimension replaces it.
    expect(href('countries')).toEqual({ counted: 'true', from, filter: ['visit:country=DE'] });
    // Another tab: its own dimension.
    await panel('pages').find('[data-dimension="visit:entry_page"]').trigger('click');
    await r.settle();
    expect(href('pages')).toEqual({
      counted: 'true',
      from,
      filter: ['visit:country=DE', 'visit:entry_page=/landing'],
    });
  });

  test('"CSV" exports a panel’s rows and the KPI row as files', async () => {
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake: stack(), clock: () => NOW });
    const files = captureDownloads();
    await panel('countries').find('[data-testid="csv"]').trigger('click');
    // papaparse is loaded on the first export.
    await waitFor(() => expect(files).toHaveLength(1));
    await r.wrapper.find('.kpi-actions [data-testid="csv"]').trigger('click');
    await waitFor(() => expect(files).toHaveLength(2));
    expect(files.map((f) => f.name)).toEqual([
      'eventlens-countries-countries-2025-02-28-12-00-2025-03-01-12-00.csv',
      'eventlens-key-figures-2025-02-28-12-00-2025-03-01-12-00.csv',
    ]);
    expect(await files[0]!.blob.text()).toBe('Country,Visitors,Percentage\r\nGermany,3,25'); // 3 of 12
    const kpis = (await files[1]!.blob.text()).split('\r\n');
    expect(kpis[0]).toBe('Metric,This period,Previous period');
    expect(kpis[1]).toBe('Visitors,12,12');
  });
});
