/**
 * The Funnels screen: steps edited and kept in the URL, POST /api/v2/funnel with them, visitors,
 * conversion and drop-off per step, the API's refusal shown, and CSV.
 */
import { describe, expect, test } from 'vitest';
import type { FunnelQuery } from '@/api/types';
import { apiError, createFakeHttp } from '@/testing/fakeHttp';
import { PROJECT_ID } from '@/testing/fixtures';
import { captureDownloads, renderConsole, unmountAfterEach, type Rendered } from '@/testing/render';
import { dateIn, PRESETS } from '@/shared/time';
import { FUNNEL_RANGES, funnelDateRange, funnelFromQuery, funnelToQuery, stepsProblem } from './funnel';
import { waitFor } from '@/testing/waitFor';

let r: Rendered | undefined;
unmountAfterEach();

const RESULT = {
  steps: [
    { label: '/', visitors: 10, visits: 12, conversion_rate: 100, drop_off: 0, drop_off_rate: 0 },
    { label: '/pricing*', visitors: 4, visits: 5, conversion_rate: 40, drop_off: 6, drop_off_rate: 60 },
    { label: '=signup', visitors: 1, visits: 1, conversion_rate: 10, drop_off: 3, drop_off_rate: 75 },
  ],
  query: { site_id: PROJECT_ID, date_range: ['2025-02-01', '2025-03-02'], timezone: 'UTC' },
};

const funnelCalls = (r: Rendered) =>
  r.fake.callsTo('POST', '/api/query/api/v2/funnel').map((c) => c.body as FunnelQuery);

describe('funnels', () => {
  test('steps and range round-trip through the URL; 2–8 steps, none empty', () => {
    const state = {
      steps: [
        { kind: 'page' as const, value: '/' },
        { kind: 'page_pattern' as const, value: '/blog/**' },
        { kind: 'event' as const, value: 'sign:up' },
      ],
      range: '7d' as const,
    };
    expect(funnelFromQuery(funnelToQuery(state) as Record<string, string[]>)).toEqual(state);
    expect(funnelFromQuery({ step: ['bogus:x', 'event:a'], range: 'forever' })).toEqual({
      steps: [{ kind: 'event', value: 'a' }],
      range: '30d',
    });
    expect(stepsProblem(state.steps.slice(0, 1))).toBe('A funnel has at least 2 steps.');
    expect(stepsProblem([...state.steps, { kind: 'page', value: ' ' }])).toBe('Step 4 is empty.');
    expect(stepsProblem(Array(9).fill(state.steps[0]))).toBe('A funnel has at most 8 steps.');
    expect(stepsProblem(state.steps)).toBeNull();
    // What the API would refuse, said with the step's number as the screen counts (it said steps.1.page).
    expect(stepsProblem([state.steps[0]!, { kind: 'page', value: 'pricing' }])).toBe(
      'Step 2: a page starts with / (such as /pricing).',
    );
    expect(stepsProblem([state.steps[0]!, { kind: 'page_pattern', value: 'blog/**' }])).toBe(
      'Step 2: a page starts with / (such as /pricing).',
    );
    expect(stepsProblem([...state.steps.slice(0, 2), { kind: 'event', value: 'e'.repeat(201) }])).toBe(
      'Step 3: an event name has at most 200 characters.',
    );
    expect(stepsProblem([...state.steps.slice(0, 2), { kind: 'event', value: 'e'.repeat(200) }])).toBeNull();
  });

  test('a range is the calendar days up to today in the zone, sent as a pair of dates', () => {
    // 2024-03-01 20:00 UTC: still 1 March in New York, already 2 March in Kolkata (+05:30).
    const now = Date.parse('2024-03-01T20:00:00Z');
    expect(funnelDateRange('day', 'UTC', now)).toBe('day');
    expect(funnelDateRange('7d', 'America/New_York', now)).toEqual(['2024-02-24', '2024-03-01']);
    expect(funnelDateRange('7d', 'Asia/Kolkata', now)).toEqual(['2024-02-25', '2024-03-02']);
    // 2024 is a leap year: 30 days up to 1 March start on 1 February.
    expect(funnelDateRange('30d', 'UTC', now)).toEqual(['2024-02-01', '2024-03-01']);
    expect(funnelDateRange('91d', 'UTC', now)).toEqual(['2023-12-02', '2024-03-01']);
    // This month and the 11 before, whole: from the first of April of the year before.
    expect(funnelDateRange('12mo', 'UTC', now)).toEqual(['2023-04-01', '2024-03-01']);
    expect(dateIn(now, 'Asia/Kolkata')).toBe('2024-03-02');
  });

  test('a range label means one window: calendar days here, rolling hours on the Overview', () => {
    expect(FUNNEL_RANGES.find((r) => r.value === '7d')!.label).toBe('Last 7 days');
    const overview = Object.values(PRESETS).flatMap((p) => [p.label, p.short]);
    for (const { label } of FUNNEL_RANGES) {
      expect(
        overview.some((o) => o.toLowerCase().includes(label.toLowerCase())),
        label,
      ).toBe(false);
    }
    // The Overview's never say "days": they end now, a whole number of 24 hours.
    expect(overview.filter((o) => /\bdays?\b/.test(o))).toEqual([]);
  });

  test('a link with steps runs at once: visitors, conversion and drop-off per step', async () => {
    const fake = createFakeHttp().on('POST', '/api/query/api/v2/funnel', RESULT);
    r = await renderConsole(
      `/p/${PROJECT_ID}/funnels?step=page:/&step=${encodeURIComponent('page_pattern:/pricing*')}&step=event:signup&range=7d`,
      { fake },
    );
    expect(funnelCalls(r)).toEqual([
      {
        site_id: PROJECT_ID,
        date_range: [expect.any(String), expect.any(String)],
        timezone: expect.any(String),
        steps: [{ page: '/' }, { page_pattern: '/pricing*' }, { event: 'signup' }],
      },
    ]);
    // Last 7 days: today in the zone and the 6 days before.
    const call = funnelCalls(r)[0]!;
    const [first, last] = call.date_range as [string, string];
    expect(last).toBe(dateIn(Date.now(), call.timezone!));
    expect((Date.parse(last) - Date.parse(first)) / 86_400_000).toBe(6);
    const rows = r.wrapper
      .findAll('[data-testid="funnel-result"] tbody tr')
      .map((tr) => tr.findAll('th, td').map((c) => c.text()));
    expect(rows).toEqual([
      ['1. /', '10', '12', '100%', '0', '0%'],
      ['2. /pricing*', '4', '5', '40%', '6', '60%'],
      ['3. =signup', '1', '1', '10%', '3', '75%'],
    ]);
    expect(r.wrapper.find('nav.nav a[aria-current="page"]').text()).toBe('Funnels');
  });

  test('editing: add and remove steps, the empty step refused before asking, then run with the URL updated', async () => {
    const fake = createFakeHttp().on('POST', '/api/query/api/v2/funnel', RESULT);
    r = await renderConsole(`/p/${PROJECT_ID}/funnels`, { fake });
    expect(funnelCalls(r)).toHaveLength(0);
    expect(r.wrapper.findAll('.funnel-step')).toHaveLength(2);
    await r.wrapper.find('[data-testid="run-funnel"]').trigger('submit');
    await r.settle();
    expect(r.wrapper.find('[role="alert"]').text()).toBe('Step 2 is empty.');
    expect(funnelCalls(r)).toHaveLength(0);

    await r.wrapper.find('[data-testid="step-value-2"]').setValue('signup');
    const add = r.button('Add a step');
    await add.trigger('click');
    await r.wrapper.find('[data-testid="step-kind-3"]').setValue('page_pattern');
    await r.wrapper.find('[data-testid="step-value-3"]').setValue('/thanks/**');
    await r.wrapper.find('[data-testid="funnel-range"]').setValue('91d');
    await r.wrapper.find('form').trigger('submit');
    await r.settle();
    const [first91, last91] = funnelCalls(r).at(-1)!.date_range as [string, string];
    expect((Date.parse(last91) - Date.parse(first91)) / 86_400_000).toBe(90);
    expect(funnelCalls(r).at(-1)).toMatchObject({
      steps: [{ page: '/' }, { event: 'signup' }, { page_pattern: '/thanks/**' }],
    });
    expect(r.console.router.currentRoute.value.query).toMatchObject({
      step: ['page:/', 'event:signup', 'page_pattern:/thanks/**'],
      range: '91d',
    });

    for (let i = 0; i < 6; i++) await add.trigger('click');
    expect(r.wrapper.findAll('.funnel-step')).toHaveLength(8);
    expect(add.attributes('disabled')).toBeDefined();
    await r.wrapper.find('[aria-label="Remove step 1"]').trigger('click');
    expect(r.wrapper.findAll('.funnel-step')).toHaveLength(7);
  });

  test('the API’s refusal is shown as its message', async () => {
    const fake = createFakeHttp().on('POST', '/api/query/api/v2/funnel', () => {
      throw apiError(400, 'BAD_REQUEST', "steps.1.page_pattern: '/***' is not a pattern");
    });
    r = await renderConsole(`/p/${PROJECT_ID}/funnels?step=page:/&step=page_pattern:/***`, { fake });
    expect(r.wrapper.text()).toContain("steps.1.page_pattern: '/***' is not a pattern");
  });

  test('"CSV" exports the steps, formula-like labels escaped', async () => {
    const fake = createFakeHttp().on('POST', '/api/query/api/v2/funnel', RESULT);
    r = await renderConsole(`/p/${PROJECT_ID}/funnels?step=page:/&step=event:signup`, { fake });
    const files = captureDownloads();
    await r.wrapper.find('[data-testid="csv"]').trigger('click');
    // papaparse is loaded on the first export.
    await waitFor(() => expect(files).toHaveLength(1));
    // Named by the days it covers (the default, Last 30 days), not by a preset that moves every day.
    const [first, last] = funnelCalls(r).at(-1)!.date_range as [string, string];
    expect(files.map((f) => f.name)).toEqual([`eventlens-funnel-${first}-to-${last}.csv`]);
    expect((await files[0]!.blob.text()).split('\r\n')).toEqual([
      'Step,Label,Visitors,Visits,Conversion rate,Drop-off,Drop-off rate',
      '1,/,10,12,100,0,0',
      '2,/pricing*,4,5,40,6,60',
      "3,'=signup,1,1,10,3,75",
    ]);
  });
});
