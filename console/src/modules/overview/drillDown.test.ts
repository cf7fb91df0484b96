/**
 * Drill-down from the dashboard into the explorer: every link carries the dashboard's range and
 * active filters and the clicked thing's own narrowing (a KPI, a bucket of the chart in the chosen
 * zone, a panel's row, its "(none)" row), and following one lands on the explorer with those
 * filters as chips and in its request.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { HttpRequest } from '@/api/http';
import type { StatsQuery } from '@/api/types';
import { createFakeHttp } from '@/testing/fakeHttp';
import { events, notCounted, pipeline, PROJECT_ID, withTopLists } from '@/testing/fixtures';
import { renderConsole, unmountAfterEach, type Rendered } from '@/testing/render';
import { waitFor } from '@/testing/waitFor';

let r: Rendered | undefined;
unmountAfterEach();
afterEach(() => {
  localStorage.clear();
});

const NOW = Date.UTC(2025, 3, 1, 12, 0, 0);
const FROM = '2025-03-01T06:30:00.000Z';
const TO = '2025-03-01T11:30:00.000Z';
const CUSTOM = `range=custom&from=${FROM}&to=${TO}`;
/** Where the explorer stops ([from, to)): the custom range's "To" minute is included, so 11:31. */
const END = '2025-03-01T11:31:00.000Z';

/** Hours 09:00, 10:00 and 11:00 on the zone's wall clock; by name with the breakdown. */
function statsAnswer(req: HttpRequest) {
  const body = req.body as StatsQuery;
  const query = { timezone: body.timezone };
  const dims = body.dimensions ?? [];
  if (dims[0]?.startsWith('time:')) {
    const labels = ['2025-03-01 09:00:00', '2025-03-01 10:00:00', '2025-03-01 11:00:00'];
    return {
      results: labels.map((label, i) => ({
        metrics: [i + 1],
        dimensions: dims.length > 1 ? [label, i === 2 ? 'signup' : 'page_view'] : [label],
      })),
      meta: { time_labels: labels },
      query,
    };
  }
  if (dims[0] === 'visit:country')
    return {
      results: [
        { metrics: [3, 60], dimensions: ['DE'] },
        { metrics: [2, 40], dimensions: ['(none)'] },
      ],
      meta: { total_rows: 2 },
      query,
    };
  if (dims.length > 0) return { results: [], meta: { total_rows: 0 }, query };
  return { results: [{ metrics: [1, 1, 1, 1, 0, 1, 1], dimensions: [] }], meta: {}, query };
}

function stack() {
  return createFakeHttp()
    .on('POST', '/api/query/api/v2/query', withTopLists(statsAnswer, { events: [['signup', 2]] }))
    .on('GET', '/api/query/v1/pipeline', pipeline())
    .on('GET', '/api/query/v1/stats/not-counted', notCounted())
    .on('GET', '/api/query/v1/events', { items: events(2), next_cursor: null })
    .on('GET', '/api/query/v1/event-names', { items: [] });
}

/** Waits for the router to reach `name` (a lazy view's chunk may take a moment). */
async function landsOn(name: string) {
  await waitFor(() => expect(r!.console.router.currentRoute.value.name).toBe(name));
  await r!.settle();
}

/** A link's explorer query, `filter` always as a list. */
function target(href: string): Record<string, string | string[]> & { filter: string[] } {
  const url = new URL(href, 'http://console.test');
  expect(url.pathname).toBe(`/p/${PROJECT_ID}/events`);
  return { ...Object.fromEntries(url.searchParams), filter: url.searchParams.getAll('filter') };
}

describe('drill-down into the explorer', () => {
  test('a KPI opens the range’s events with the filters; page views are the page_view events', async () => {
    r = await renderConsole(`/p/${PROJECT_ID}/overview?${CUSTOM}&filter=visit:source=Google`, {
      fake: stack(),
      clock: () => NOW,
    });
    const link = (kpi: string) =>
      target(r!.wrapper.find(`[data-kpi="${kpi}"] [data-testid="kpi-explore"]`).attributes('href')!);
    expect(link('visitors')).toEqual({
      counted: 'true',
      from: FROM,
      to: END,
      filter: ['visit:source=Google'],
    });
    expect(link('pageviews')).toEqual({
      counted: 'true',
      event_name: 'page_view',
      from: FROM,
      to: END,
      filter: ['visit:source=Google'],
    });
    expect(r.wrapper.find('[data-kpi="events"] [data-testid="kpi-explore"]').attributes('aria-label')).toBe(
      'Events: the events behind it in the explorer',
    );
  });

  test('a bucket opens its hour within the range: the table’s link, and a click on its bar', async () => {
    r = await renderConsole(`/p/${PROJECT_ID}/overview?${CUSTOM}&filter=visit:country=DE`, {
      fake: stack(),
      clock: () => NOW,
    });
    const links = r.wrapper.findAll('[data-testid="bucket-explore"]');
    expect(links.map((a) => a.text())).toEqual(['03-01 09:00', '03-01 10:00', '03-01 11:00']);
    // The first and last buckets are cut to the range (06:30 … 11:30, its minute included).
    expect(links.map((a) => target(a.attributes('href')!))).toEqual([
      {
        counted: 'true',
        from: '2025-03-01T09:00:00.000Z',
        to: '2025-03-01T10:00:00.000Z',
        filter: ['visit:country=DE'],
      },
      {
        counted: 'true',
        from: '2025-03-01T10:00:00.000Z',
        to: '2025-03-01T11:00:00.000Z',
        filter: ['visit:country=DE'],
      },
      { counted: 'true', from: '2025-03-01T11:00:00.000Z', to: END, filter: ['visit:country=DE'] },
    ]);
    r.charts.click({ dataIndex: 1, seriesName: 'Events' });
    await landsOn('explorer');
    expect(r.console.router.currentRoute.value.query).toEqual({
      counted: 'true',
      from: '2025-03-01T10:00:00.000Z',
      to: '2025-03-01T11:00:00.000Z',
      filter: ['visit:country=DE'],
    });
  });

  test('buckets are the zone’s hours (+05:30), and with the breakdown a bar is its event name’s', async () => {
    localStorage.setItem('eventlens.timezone', 'Asia/Kolkata');
    // A range in Kolkata's morning: 09:30–11:30 IST is 04:00–06:00 UTC.
    const from = '2025-03-01T04:00:00.000Z';
    const to = '2025-03-01T08:00:00.000Z';
    // The range's "To" minute is included: the last bucket opens to its end.
    const end = '2025-03-01T08:01:00.000Z';
    r = await renderConsole(`/p/${PROJECT_ID}/overview?range=custom&from=${from}&to=${to}&breakdown=1`, {
      fake: stack(),
      clock: () => NOW,
    });
    const hours = r.wrapper
      .findAll('[data-testid="bucket-explore"]')
      .map((a) => target(a.attributes('href')!));
    expect(hours.map((h) => [h.from, h.to])).toEqual([
      [from, '2025-03-01T04:30:00.000Z'],
      ['2025-03-01T04:30:00.000Z', '2025-03-01T05:30:00.000Z'],
      ['2025-03-01T05:30:00.000Z', end],
    ]);
    r.charts.click({ dataIndex: 2, seriesName: 'signup' });
    await landsOn('explorer');
    expect(r.console.router.currentRoute.value.query).toMatchObject({
      event_name: 'signup',
      from: '2025-03-01T05:30:00.000Z',
      to: end,
    });
    r.console.router.back();
    await landsOn('overview');
    r.charts.click({ dataIndex: 0, seriesName: 'Other' });
    await landsOn('explorer');
    // "Other": the events of none of the names the chart shows apart, each an `is_not` filter.
    expect(r.console.router.currentRoute.value.query.event_name).toBeUndefined();
    expect(r.console.router.currentRoute.value.query.filter).toEqual([
      'event:name!=page_view',
      'event:name!=signup',
    ]);
  });

  test('a panel’s "(none)" row is the missing value; the explorer shows the filters as chips and asks with them', async () => {
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/overview?${CUSTOM}&filter=event:page=/pricing`, {
      fake,
      clock: () => NOW,
    });
    const countries = r.wrapper.find('[data-panel="countries"]');
    const links = countries.findAll('[data-testid="panel-explore"]');
    expect(target(links[0]!.attributes('href')!).filter).toEqual(['event:page=/pricing', 'visit:country=DE']);
    expect(target(links[1]!.attributes('href')!).filter).toEqual(['event:page=/pricing', 'visit:country!~']);

    await links[1]!.trigger('click');
    await landsOn('explorer');
    const chips = r.wrapper.findAll('[data-testid="filter-chip"]');
    expect(chips.map((c) => c.text())).toEqual(['Page is /pricing ×', 'Country is (none) ×']);
    const call = fake.callsTo('GET', '/api/query/v1/events').at(-1)!;
    expect(call.query).toMatchObject({ from: FROM, to: END });
    expect(JSON.parse(String(call.query?.filters))).toEqual([
      ['is', 'event:page', ['/pricing']],
      ['contains_not', 'visit:country', ['']],
    ]);
    // The CSV link carries the same filters.
    const csv = new URL(r.wrapper.find('a[data-testid="events-csv"]').attributes('href')!, 'http://x');
    expect(csv.searchParams.get('filters')).toBe(call.query?.filters);
    expect(csv.searchParams.get('from')).toBe(FROM);
  });

  test('a drill-down round-trips: the explorer’s "To" shows the range’s last minute, and Apply keeps the range', async () => {
    localStorage.setItem('eventlens.timezone', 'UTC');
    const fake = stack();
    r = await renderConsole(`/p/${PROJECT_ID}/overview?${CUSTOM}`, { fake, clock: () => NOW });
    await r.wrapper.find('[data-kpi="events"] [data-testid="kpi-explore"]').trigger('click');
    await landsOn('explorer');
    // The range typed on the dashboard, 06:30 to 11:30 (its minute included), as typed.
    const field = (id: string) => (r!.wrapper.find(id).element as HTMLInputElement).value;
    expect([field('#f-from'), field('#f-to')]).toEqual(['2025-03-01T06:30', '2025-03-01T11:30']);
    await r.wrapper.find('#f-event-name').setValue('signup');
    await r.wrapper.find('form.filters').trigger('submit');
    await r.settle();
    // Exactly the dashboard's range: not a minute more at its end.
    expect(r.console.router.currentRoute.value.query).toEqual({
      event_name: 'signup',
      counted: 'true',
      from: FROM,
      to: END,
    });
    expect(fake.callsTo('GET', '/api/query/v1/events').at(-1)!.query).toMatchObject({ from: FROM, to: END });
  });

  test('a preset’s drill-down keeps its start to the millisecond through Apply', async () => {
    localStorage.setItem('eventlens.timezone', 'UTC');
    // Now is 27.123 s into a minute: the last 24 hours start there too.
    const now = NOW + 27_123;
    const start = new Date(now - 86_400_000).toISOString();
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake: stack(), clock: () => now });
    await r.wrapper.find('[data-kpi="events"] [data-testid="kpi-explore"]').trigger('click');
    await landsOn('explorer');
    expect(r.console.router.currentRoute.value.query).toEqual({ counted: 'true', from: start });
    await r.wrapper.find('#f-event-name').setValue('signup');
    await r.wrapper.find('form.filters').trigger('submit');
    await r.settle();
    // The field shows 12:00; left as it was, it is still the link's instant, not 12:00:00.000.
    expect(r.console.router.currentRoute.value.query).toEqual({
      event_name: 'signup',
      counted: 'true',
      from: start,
    });
  });

  test('a top event opens its events with the range and the filters', async () => {
    r = await renderConsole(`/p/${PROJECT_ID}/overview?${CUSTOM}&filter=visit:os=Linux`, {
      fake: stack(),
      clock: () => NOW,
    });
    const link = r.wrapper.findAll('.toplist')[0]!.find('a');
    expect(target(link.attributes('href')!)).toEqual({
      counted: 'true',
      event_name: 'signup',
      from: FROM,
      to: END,
      filter: ['visit:os=Linux'],
    });
  });
});
