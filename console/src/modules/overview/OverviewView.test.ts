/** The overview page: KPIs, the chart's data, the range and breakdown in the URL, errors per part. */
import { afterEach, describe, expect, test } from 'vitest';
import { apiError, createFakeHttp } from '@/testing/fakeHttp';
import { overview, pipeline, PROJECT_ID, volume } from '@/testing/fixtures';
import { renderConsole, type Rendered } from '@/testing/render';

let r: Rendered | undefined;
afterEach(() => {
  r?.wrapper.unmount();
  r = undefined;
  document.body.replaceChildren();
});

const NOW = Date.UTC(2025, 2, 1, 12, 0, 0);

function stack() {
  return createFakeHttp()
    .on('GET', '/api/query/v1/pipeline', pipeline())
    .on('GET', '/api/query/v1/stats/overview', overview())
    .on('GET', '/api/query/v1/stats/volume', volume())
    .on('GET', '/api/query/v1/stats/top-events', {
      from: '',
      to: '',
      items: [{ event_name: '<b>signup</b>', count: 7 }],
    })
    .on('GET', '/api/query/v1/stats/top-pages', {
      from: '',
      to: '',
      items: [{ path: '/pricing', views: 4 }],
    });
}

describe('overview', () => {
  test('shows the four counters, the volume chart, top events (linking to the explorer) and top pages', async () => {
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake: stack(), clock: () => NOW });
    const kpi = (k: string) => r!.wrapper.find(`[data-kpi="${k}"] .kpi-value`).text();
    expect([kpi('events'), kpi('unique_users'), kpi('sessions'), kpi('page_views')]).toEqual([
      '1,234',
      '56',
      '78',
      '910',
    ]);
    const chart = r.wrapper.find('.chart');
    expect(chart.attributes('data-total')).toBe('8');
    expect(r.charts.created).toBe(1);
    const option = r.charts.options.at(-1)! as { series: Array<{ data: number[]; type: string }> };
    expect(option.series).toHaveLength(1);
    expect(option.series[0]!.data).toEqual([3, 5, 0]);
    const link = r.wrapper.find('.toplist a');
    expect(link.text()).toBe('<b>signup</b>');
    expect(link.attributes('href')).toContain(
      `/p/${PROJECT_ID}/events?event_name=%3Cb%3Esignup%3C/b%3E&from=`,
    );
    expect(r.wrapper.text()).toContain('/pricing');
    // Bot traffic is left out of the counters and said apart.
    expect(r.wrapper.find('[data-testid="bot-events"]').text()).toContain('Not counted: 3 bot events');
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
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
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

  test('one failing part shows its error; the others still show their data', async () => {
    const fake = stack().on('GET', '/api/query/v1/stats/volume', () => {
      throw apiError(
        400,
        'INVALID_FIELD',
        'interval: minute buckets over this range would be more than 10080',
      );
    });
    r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake, clock: () => NOW });
    const alert = r.wrapper.find('[role="alert"]');
    expect(alert.text()).toContain('Loading the event volume failed');
    expect(alert.text()).toContain('interval: minute buckets');
    expect(r.wrapper.find('[data-kpi="events"] .kpi-value').text()).toBe('1,234');
  });

  test('a top page row opens the explorer on that page’s page views, over the same range', async () => {
    r = await renderConsole(`/p/${PROJECT_ID}/overview?range=24h`, { fake: stack(), clock: () => NOW });
    const pages = r.wrapper.findAll('.toplist')[1]!;
    const link = pages.find('a');
    expect(link.text()).toBe('/pricing');
    const href = new URL(link.attributes('href')!, 'http://console.test');
    expect(href.pathname).toBe(`/p/${PROJECT_ID}/events`);
    expect(Object.fromEntries(href.searchParams)).toEqual({
      event_name: 'page_view',
      path: '/pricing',
      from: new Date(NOW - 24 * 3_600_000).toISOString(),
    });
  });

  test('the refresh note joins only the parts that apply: no stray "·" when nothing was checked yet', async () => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    try {
      r = await renderConsole(`/p/${PROJECT_ID}/overview`, { fake: stack(), clock: () => NOW });
      const note = () => r!.wrapper.find('[data-testid="refresh-note"]').text();
      expect(note()).toBe('auto-refresh paused');
      await r.wrapper
        .findAll('button')
        .find((b) => b.text() === 'Refresh')!
        .trigger('click');
      await r.settle();
      expect(note()).toMatch(/^Checked \d{4}-\d\d-\d\d \d\d:\d\d:\d\d · auto-refresh paused$/);
    } finally {
      delete (document as { visibilityState?: unknown }).visibilityState;
    }
  });
});
