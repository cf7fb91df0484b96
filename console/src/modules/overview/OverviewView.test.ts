/**
 * The overview page: the KPI row with its deltas, the chart's data (the Stats API's, in the chosen
 * zone), the range and breakdown in the URL, the time zone picker, errors per part.
 */
import { describe, expect, test } from 'vitest';
import type { HttpRequest } from '@/api/http';
import type { StatsQuery } from '@/api/types';
import { apiError, createFakeHttp } from '@/testing/fakeHttp';
import { notCounted, pipeline, PROJECT_ID, volume, withTopLists } from '@/testing/fixtures';
import { captureDownloads, renderConsole, unmountAfterEach, type Rendered } from '@/testing/render';
import { waitFor } from '@/testing/waitFor';
import { KPI_METRICS } from './kpis';

let r: Rendered | undefined;
unmountAfterEach();

const NOW = Date.UTC(2025, 2, 1, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

/** KPI rows: this range's (starting 24 h before NOW) and any other's (the previous period). */
const CURRENT = [12, 15, 30, 2, 40, 95, 50];
const PREVIOUS = [10, 15, 40, 2.5, 43, 60, 0];

/** The Stats API: KPI rows, and events per hour as 3, 5, 0 (the 0 only in the time labels). */
function statsAnswer(req: HttpRequest) {
  const body = req.body as StatsQuery;
  const query = { timezone: body.timezone };
  if (body.dimensions) {
    return {
      results: [
        { metrics: [3], dimensions: ['2025-03-01 09:00:00'] },
        { metrics: [5], dimensions: ['2025-03-01 10:00:00'] },
      ],
      meta: { time_labels: ['2025-03-01 09:00:00', '2025-03-01 10:00:00', '2025-03-01 11:00:00'] },
      query,
    };
  }
  const current = (body.date_range as string[])[0] === iso(NOW - 24 * 3_600_000);
  return { results: [{ metrics: current ? CURRENT : PREVIOUS, dimensions: [] }], meta: {}, query };
}

const statsCalls = (fake: ReturnType<typeof stack>) =>
  fake.callsTo('POST', '/api/query/api/v2/query').map((c) => c.body as StatsQuery);

function stack() {
  return createFakeHttp()
    .on(
      'POST',
      '/api/query/api/v2/query',
      withTopLists(statsAnswer, { events: [['<b>signup</b>', 7]], pages: [['/pricing', 4]] }),
    )
    .on('GET', '/api/query/v1/pipeline', pipeline())
    .on('GET', '/api/query/v1/stats/not-counted', notCounted())
    .on('GET', '/api/query/v1/stats/volume', volume());
}

describe('overview', () => {
  test('shows the KPI row, the volume chart, top events (linking to the explorer) and top pages', async () => {
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake: stack(), clock: () => NOW });
    const kpi = (k: string) => r!.wrapper.find(`[data-kpi="${k}"] .kpi-value`).text();
    expect([kpi('visitors'), kpi('visits'), kpi('pageviews'), kpi('events')]).toEqual([
      '12',
      '15',
      '30',
      '50',
    ]);
    const chart = r.wrapper.find('.chart');
    expect(chart.attributes('data-total')).toBe('8');
    expect(r.wrapper.find('figcaption').text()).toMatch(/^8 events between /);
    expect(r.charts.created).toBe(1);
    const option = r.charts.options.at(-1)! as { series: Array<{ data: number[]; type: string }> };
    expect(option.series).toHaveLength(1);
    expect(option.series[0]!.data).toEqual([3, 5, 0]);
    const link = r.wrapper.find('.toplist a');
    expect(link.text()).toBe('<b>signup</b>');
    expect(link.attributes('href')).toContain(
      `/p/${PROJECT_ID}/events?counted=true&event_name=%3Cb%3Esignup%3C/b%3E&from=`,
    );
    expect(r.wrapper.text()).toContain('/pricing');
    // Two lists of pages, each titled by what it ranks by; no two headings alike.
    const headings = r.wrapper.findAll('h2').map((h) => h.text());
    expect(headings).toEqual(expect.arrayContaining(['Pages by visitors', 'Pages by page views']));
    expect(new Set(headings).size).toBe(headings.length);
    // Bot traffic is left out of the counters and said apart.
    expect(r.wrapper.find('[data-testid="bot-events"]').text()).toBe(
      'Not counted: 3 bot events (crawlers and automated browsers) in these days.',
    );
  });

  test('the project’s own traffic (its excluded addresses) is said apart beside the bots', async () => {
    const fake = stack().on(
      'GET',
      '/api/query/v1/stats/not-counted',
      notCounted({ bot_events: 0, excluded_events: 4 }),
    );
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    expect(r.wrapper.find('[data-testid="bot-events"]').text()).toBe(
      'Not counted: 4 events from the project’s excluded addresses in these days.',
    );
    r.wrapper.unmount();
    // With a filter, the figure says it is the whole project's: the days' counts have no dimensions.
    r = await renderConsole(`/p/${PROJECT_ID}/overview?filter=visit:source=Google`, {
      fake,
      clock: () => NOW,
    });
    expect(r.wrapper.find('[data-testid="bot-events"]').text()).toBe(
      'Not counted: 4 events from the project’s excluded addresses in these days (the whole project’s: counted apart by day, this figure is not narrowed by the filters).',
    );
    r.wrapper.unmount();
    const none = stack().on('GET', '/api/query/v1/stats/not-counted', notCounted({ bot_events: 0 }));
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake: none, clock: () => NOW });
    expect(r.wrapper.find('[data-testid="bot-events"]').exists()).toBe(false);
  });

  test('a preset goes into the URL and asks for its range with the matching interval', async () => {
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    const button = r.wrapper.findAll('.segment').find((b) => b.text() === '30 min')!;
    await button.trigger('click');
    await r.settle();
    expect(r.console.router.currentRoute.value.query.range).toBe('30m');
    expect(button.attributes('aria-pressed')).toBe('true');
    expect(fake.callsTo('GET', '/api/query/v1/stats/volume').at(-1)?.query).toMatchObject({
      from: NOW - 30 * 60_000,
      to: NOW,
      interval: 'minute',
    });
  });

  test('the presets say they are rolling windows ending now; "days" are kept for calendar days', async () => {
    r = await renderConsole(`/p/${PROJECT_ID}/overview?range=7d`, { fake: stack(), clock: () => NOW });
    const presets = r.wrapper.findAll('[aria-label="Time range"] .segment');
    expect(presets.map((b) => b.text())).toEqual(['30 min', '24 h', '7 × 24 h', '30 × 24 h', 'Custom']);
    expect(presets[2]!.attributes('title')).toBe('Last 7 × 24 hours, to now');
    expect(r.wrapper.text()).toContain('changes against the 7 × 24 hours before it');
  });

  test('the KPI row: seven Stats API metrics, each with its change against the previous period', async () => {
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    const cards = r.wrapper
      .findAll('[data-kpi]')
      .map((c) => [
        c.attributes('data-kpi'),
        c.find('.kpi-value').text(),
        c.find('.kpi-delta [aria-hidden="true"]').text(),
      ]);
    expect(cards).toEqual([
      ['visitors', '12', '↑ 20%'],
      ['visits', '15', 'no change'],
      ['pageviews', '30', '↓ 25%'],
      ['views_per_visit', '2.00', '↓ 20%'],
      ['bounce_rate', '40%', '↓ 3 pts'],
      ['visit_duration', '1 min 35 s', '↑ 58%'],
      ['events', '50', 'new'],
    ]);
    // Less bounce is good news, fewer page views is not.
    expect(r.wrapper.find('[data-kpi="bounce_rate"] .kpi-delta').classes()).toContain('good');
    expect(r.wrapper.find('[data-kpi="pageviews"] .kpi-delta').classes()).toContain('bad');
    expect(r.wrapper.find('[data-kpi="visitors"] .visually-hidden').text()).toBe(
      'up 20% on the previous period (10)',
    );
    // The range and the 24 hours before it, same metrics, same zone (the panels' visitors aside).
    const kpiCalls = statsCalls(fake).filter((b) => !b.dimensions && b.metrics.length > 1);
    expect(kpiCalls.map((b) => b.date_range)).toEqual([
      [iso(NOW - 24 * 3_600_000), iso(NOW)],
      [iso(NOW - 48 * 3_600_000 - 1), iso(NOW - 24 * 3_600_000 - 1)],
    ]);
    expect(kpiCalls[0]!.metrics).toEqual(kpiCalls[1]!.metrics);
    expect(r.wrapper.text()).toContain('changes against the 24 hours before it');
  });

  test('after a period without visits every card says "new", the rates and averages too', async () => {
    // The previous period: no visits, so every figure is 0 (a rate's 0 is no number).
    const empty = (req: HttpRequest) => {
      const answer = statsAnswer(req);
      const body = req.body as StatsQuery;
      if (body.dimensions || (body.date_range as string[])[0] === iso(NOW - 24 * 3_600_000)) return answer;
      return { ...answer, results: [{ metrics: [0, 0, 0, 0, 0, 0, 0], dimensions: [] }] };
    };
    const fake = stack().on(
      'POST',
      '/api/query/api/v2/query',
      withTopLists(empty, { events: [['signup', 7]], pages: [['/pricing', 4]] }),
    );
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    const deltas = r.wrapper.findAll('[data-kpi] .kpi-delta [aria-hidden="true"]').map((d) => d.text());
    expect(deltas).toEqual(KPI_METRICS.map(() => 'new'));
    const bounce = r.wrapper.find('[data-kpi="bounce_rate"] .kpi-delta');
    // Not "↑ 40 pts" in red: nothing to be better or worse than.
    expect(bounce.classes()).not.toContain('bad');
    expect(bounce.classes()).not.toContain('good');
    expect(bounce.attributes('title')).toBe('Previous period: no visits');
    expect(bounce.find('.visually-hidden').text()).toBe('new (no visits)');
  });

  test('a period without visits shows no rate on its cards: "—", not the placeholder 0%', async () => {
    // This period: 3 events and no visits (bots' or a server's); the Stats API sends 0 for its rates.
    const withoutVisits = (req: HttpRequest) => {
      const answer = statsAnswer(req);
      const body = req.body as StatsQuery;
      if (body.dimensions || (body.date_range as string[])[0] !== iso(NOW - 24 * 3_600_000)) return answer;
      return { ...answer, results: [{ metrics: [0, 0, 0, 0, 0, 0, 3], dimensions: [] }] };
    };
    const fake = stack().on('POST', '/api/query/api/v2/query', withTopLists(withoutVisits));
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    const value = (metric: string) => r!.wrapper.find(`[data-kpi="${metric}"] .kpi-value`);
    for (const metric of ['views_per_visit', 'bounce_rate', 'visit_duration']) {
      expect(value(metric).text()).toBe('—no visits');
      expect(value(metric).attributes('title')).toBe('No visits in this period');
    }
    // The counts are numbers: zero visits is a figure.
    expect(value('visits').text()).toBe('0');
    expect(value('events').text()).toBe('3');
    expect(value('visits').attributes('title')).toBeUndefined();
  });

  test('a range in the link that cannot be read: the last 24 hours, and one line saying so', async () => {
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/overview?range=custom&from=abc&to=${iso(NOW)}`, {
      fake,
      clock: () => NOW,
    });
    expect(r.wrapper.find('[data-testid="range-problem"]').text()).toBe(
      'The link’s range “from=abc” is not a date; showing the last 24 hours',
    );
    const kpiCalls = statsCalls(fake).filter((b) => !b.dimensions && b.metrics.length > 1);
    expect(kpiCalls[0]!.date_range).toEqual([iso(NOW - 24 * 3_600_000), iso(NOW)]);
    expect(r.wrapper.find('[data-kpi="visitors"] .kpi-value').text()).toBe('12');
    // Another range chosen: the link's problem is gone with it.
    await r.wrapper
      .findAll('.range-picker button')
      .find((b) => b.text() === '7 × 24 h')!
      .trigger('click');
    await r.settle();
    expect(r.console.router.currentRoute.value.query).toMatchObject({ range: '7d' });
    expect(r.wrapper.find('[data-testid="range-problem"]').exists()).toBe(false);
  });

  test('a date no Date can hold in the link is said, not thrown', async () => {
    r = await renderConsole(
      `/p/${PROJECT_ID}/overview?range=custom&from=${iso(NOW - 3_600_000)}&to=%2B275760-09-13T00:00:00.000Z`,
      { fake: stack(), clock: () => NOW },
    );
    expect(r.wrapper.find('[data-testid="range-problem"]').text()).toContain('is not a date');
    expect(r.wrapper.find('[data-kpi="visitors"] .kpi-value').text()).toBe('12');
  });

  /** The KPI CSV's lines with no visits in `period` (3 events without a visit: bots' or a server's). */
  async function kpiCsvWithout(period: 'current' | 'previous'): Promise<string[]> {
    const withoutVisits = (req: HttpRequest) => {
      const answer = statsAnswer(req);
      const body = req.body as StatsQuery;
      const current = (body.date_range as string[])[0] === iso(NOW - 24 * 3_600_000);
      if (body.dimensions || current !== (period === 'current')) return answer;
      return { ...answer, results: [{ metrics: [0, 0, 0, 0, 0, 0, 3], dimensions: [] }] };
    };
    const fake = stack().on('POST', '/api/query/api/v2/query', withTopLists(withoutVisits));
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    const files = captureDownloads();
    await r.wrapper.find('.kpi-actions [data-testid="csv"]').trigger('click');
    await waitFor(() => expect(files).toHaveLength(1));
    return (await files[0]!.blob.text()).split('\r\n');
  }

  test('the KPI CSV leaves the rates and averages of a previous period without visits empty, not 0', async () => {
    // As the screen's "no visits": a rate of no visits is no number.
    expect(await kpiCsvWithout('previous')).toEqual([
      'Metric,This period,Previous period',
      'Visitors,12,0',
      'Visits,15,0',
      'Page views,30,0',
      'Views per visit,2,',
      'Bounce rate (%),40,',
      'Visit duration (seconds),95,',
      'Events,50,3',
    ]);
  });

  test('the KPI CSV leaves the rates of this period empty when it has no visits, the previous ones as they were', async () => {
    expect((await kpiCsvWithout('current')).slice(4, 7)).toEqual([
      'Views per visit,,2.5',
      'Bounce rate (%),,43',
      'Visit duration (seconds),,60',
    ]);
  });

  test('the chart’s buckets are the Stats API’s, labelled as it sent them, in the chosen zone', async () => {
    localStorage.setItem('eventlens.timezone', 'Asia/Kolkata');
    try {
      const fake = stack();
      r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
      expect(statsCalls(fake).every((b) => b.timezone === 'Asia/Kolkata')).toBe(true);
      const option = r.charts.options.at(-1)! as { xAxis: { data: string[] } };
      expect(option.xAxis.data).toEqual(['03-01 09:00', '03-01 10:00', '03-01 11:00']);
      expect(r.wrapper.text()).toContain('Buckets are hours in Asia/Kolkata.');
      // Its CSV: each bucket's whole start and the zone, which a file read later needs.
      const files = captureDownloads();
      await r.wrapper.find('button[aria-label="Export the event volume as CSV"]').trigger('click');
      await waitFor(() => expect(files).toHaveLength(1));
      const lines = (await files[0]!.blob.text()).split('\r\n');
      expect(lines[0]).toMatch(/^Bucket start \(Asia\/Kolkata\),/);
      expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([
        '2025-03-01 09:00:00',
        '2025-03-01 10:00:00',
        '2025-03-01 11:00:00',
      ]);
    } finally {
      localStorage.clear();
    }
  });

  test('the time zone picker: current names only, searchable, the browser’s zone by default', async () => {
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    const input = r.wrapper.find('#tz-select');
    const browser = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect((input.element as HTMLInputElement).value).toBe(browser);
    expect(r.wrapper.find('label[for="tz-select"]').text()).toBe('Time zone');
    const options = r.wrapper.findAll('#tz-select-list option').map((o) => o.attributes('value'));
    expect(options).toContain('Asia/Kolkata');
    expect(options).toContain('Europe/Kyiv');
    expect(options).not.toContain('Asia/Calcutta');
    expect(options).not.toContain('Europe/Kiev');

    // Typed in any case, it is taken as soon as it is a name of the list, and asked in at once.
    await input.setValue('asia/kolkata');
    await r.settle();
    expect(localStorage.getItem('eventlens.timezone')).toBe('Asia/Kolkata');
    expect(statsCalls(fake).at(-1)!.timezone).toBe('Asia/Kolkata');
    expect((input.element as HTMLInputElement).value).toBe('Asia/Kolkata');

    // Not a zone: said, and nothing changes.
    await input.setValue('Mars/Olympus');
    await input.trigger('change');
    expect(r.wrapper.find('#tz-select-error').text()).toContain('“Mars/Olympus” is not a time zone');
    expect(input.attributes('aria-invalid')).toBe('true');
    expect(localStorage.getItem('eventlens.timezone')).toBe('Asia/Kolkata');

    // Back to following the browser.
    await r.button('Browser zone').trigger('click');
    await r.settle();
    expect(localStorage.getItem('eventlens.timezone')).toBe('local');
    expect((input.element as HTMLInputElement).value).toBe(browser);
    localStorage.clear();
  });

  test('a zone stored under its retired name reads as its current one', async () => {
    localStorage.setItem('eventlens.timezone', 'Asia/Calcutta');
    try {
      const fake = stack();
      r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
      expect((r.wrapper.find('#tz-select').element as HTMLInputElement).value).toBe('Asia/Kolkata');
      expect(statsCalls(fake)[0]!.timezone).toBe('Asia/Kolkata');
    } finally {
      localStorage.clear();
    }
  });

  test('the breakdown by event name stacks a series per name, from the URL', async () => {
    const fake = stack().on(
      'GET',
      '/api/query/v1/stats/volume',
      volume({
        breakdown: {
          series: [
            { event_name: 'page_view', total: 5, counts: [2, 3, 0] },
            { event_name: 'button_click', total: 2, counts: [1, 1, 0] },
          ],
          other: { total: 1, counts: [0, 1, 0] },
        },
      }),
    );
    // 30 minutes: minute buckets, which come from /v1/stats/volume (the Stats API's hours and days
    // by event name are in stores/overview.test.ts and stats.test.ts).
    r = await renderConsole(`/p/${PROJECT_ID}/overview?range=30m`, { fake, clock: () => NOW });
    await r.wrapper.find('.card-head input[type="checkbox"]').setValue(true);
    await r.settle();
    expect(r.console.router.currentRoute.value.query.breakdown).toBe('1');
    expect(fake.callsTo('GET', '/api/query/v1/stats/volume').at(-1)?.query?.breakdown).toBe('event_name');
    const option = r.charts.options.at(-1)! as { series: Array<{ name: string; stack?: string }> };
    expect(option.series.map((s) => [s.name, s.stack])).toEqual([
      ['page_view', 'total'],
      ['button_click', 'total'],
      ['Other', 'total'],
    ]);
  });

  test('a custom range is typed in the chosen time zone', async () => {
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    await r.wrapper.find('#tz-select').setValue('Asia/Tokyo');
    await r.wrapper
      .findAll('.segment')
      .find((b) => b.text() === 'Custom')!
      .trigger('click');
    await r.wrapper.find('#range-from').setValue('2025-03-01T09:00');
    await r.wrapper.find('#range-to').setValue('2025-03-01T10:00');
    await r.wrapper.find('#custom-range').trigger('submit');
    await r.settle();
    // 09:00 in Tokyo is 00:00 UTC.
    expect(r.console.router.currentRoute.value.query).toMatchObject({
      range: 'custom',
      from: '2025-03-01T00:00:00.000Z',
      to: '2025-03-01T01:00:00.000Z',
    });
    expect(r.wrapper.text()).toContain('Asia/Tokyo');
    localStorage.clear();
  });

  test('a custom range outside the calendar is refused in the form, not sent to fail every panel', async () => {
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    await r.wrapper
      .findAll('.segment')
      .find((b) => b.text() === 'Custom')!
      .trigger('click');
    await r.wrapper.find('#range-from').setValue('1990-01-01T00:00');
    await r.wrapper.find('#range-to').setValue('2025-03-01T10:00');
    await r.wrapper.find('#custom-range').trigger('submit');
    await r.settle();
    expect(r.wrapper.find('#custom-range').text()).toContain(
      'The range is outside 1999-01-02 to 2100-12-30 (EventLens keeps events of 2000 to 2100).',
    );
    expect(r.console.router.currentRoute.value.query.range).toBeUndefined();
  });

  test('a custom range of whole days to 23:59 counts every minute and compares with the days before', async () => {
    const fake = stack();
    const from = '2025-02-25T00:00:00.000Z';
    const to = '2025-02-26T23:59:00.000Z';
    r = await renderConsole(`/p/${PROJECT_ID}/overview?range=custom&from=${from}&to=${to}`, {
      fake,
      clock: () => NOW,
    });
    const kpiCalls = statsCalls(fake).filter((b) => !b.dimensions && b.metrics.length > 1);
    expect(kpiCalls.map((b) => b.date_range)).toEqual([
      ['2025-02-25T00:00:00.000Z', '2025-02-26T23:59:59.999Z'],
      ['2025-02-23T00:00:00.000Z', '2025-02-24T23:59:59.999Z'],
    ]);
    // Not "the 2,879 minutes before it".
    expect(r.wrapper.text()).toContain('changes against the 2 days before it');
    // The range line: the zone in one pair of brackets.
    expect(r.wrapper.text()).toMatch(/2025-02-25 00:00:00 → 2025-02-26 23:59:59 \([^()]+\)/);
    expect(r.wrapper.text()).not.toMatch(/\([^()]*\(/);
    // The picker (open with a custom range) shows the minute as typed.
    expect((r.wrapper.find('#range-to').element as HTMLInputElement).value).toMatch(/^2025-02-2\dT\d\d:59$/);
  });

  test('one failing part shows its error; the others still show their data', async () => {
    const fake = stack().on('POST', '/api/query/api/v2/query', (req: HttpRequest) => {
      if ((req.body as StatsQuery).dimensions) {
        throw apiError(400, 'HTTP_400', "timezone: 'Mars/Olympus' is not an IANA time zone name");
      }
      return statsAnswer(req);
    });
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    const alert = r.wrapper.find('[role="alert"]');
    expect(alert.text()).toContain('Loading the event volume failed');
    expect(alert.text()).toContain('timezone: ');
    expect(r.wrapper.find('[data-kpi="events"] .kpi-value').text()).toBe('50');
  });

  test('a top page row opens the explorer on that page’s page views, over the same range', async () => {
    r = await renderConsole(`/p/${PROJECT_ID}/overview?range=24h`, { fake: stack(), clock: () => NOW });
    const pages = r.wrapper.findAll('.toplist')[1]!;
    const link = pages.find('a');
    expect(link.text()).toBe('/pricing');
    const href = new URL(link.attributes('href')!, 'http://console.test');
    expect(href.pathname).toBe(`/p/${PROJECT_ID}/events`);
    expect(Object.fromEntries(href.searchParams)).toEqual({
      counted: 'true',
      event_name: 'page_view',
      filter: 'event:page=/pricing',
      from: new Date(NOW - 24 * 3_600_000).toISOString(),
    });
  });

  test('the refresh note joins only the parts that apply: no stray "·" when nothing was checked yet', async () => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    try {
      r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake: stack(), clock: () => NOW });
      const note = () => r!.wrapper.find('[data-testid="refresh-note"]').text();
      expect(note()).toBe('auto-refresh paused');
      await r.button('Refresh').trigger('click');
      await r.settle();
      expect(note()).toMatch(/^Checked \d{4}-\d\d-\d\d \d\d:\d\d:\d\d · auto-refresh paused$/);
    } finally {
      delete (document as { visibilityState?: unknown }).visibilityState;
    }
  });
});
