/**
 * Issue 14's acceptance test: a fresh project fed a known set of visits (test/browser/known-visits.ts:
 * visitors, bounces, sources, devices, countries, goal conversions, funnel drop-offs, across New
 * York's clock change and around midnight in India, +05:30) through the real ingestion API gets
 * exactly the answers written there by hand, from the Stats API (POST /api/v2/query and
 * /api/v2/funnel, with the project's read key) and in the console in Chromium (the Overview's KPI
 * row, chart, panels and top lists in the chosen zone and a custom range, and the Funnels screen).
 *
 * The services are this work tree's, started beside the running stack (browser/private-stack.ts),
 * with the console's server in front of them. So the test reads what the code does now (goals in
 * the project settings need a command side, an admin projection and a query side that know them),
 * not what the stack's long-running services were started with.
 *
 * One scenario in order: the set is sent first, then read back. `KNOWN_VISITS_SUNDAY=2026-03-08`
 * runs it around another clock change than the latest one (see the fixture).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import {
  CONSOLE_KPIS,
  GOALS,
  addDays,
  anchorAt,
  answersFor,
  knownEvents,
  type Anchor,
  type Answers,
  type KnownEvent,
  type Row,
} from './browser/known-visits';
import { startPrivateStack, type PrivateStack } from './browser/private-stack';
import {
  eventually,
  launchChromium,
  logIn,
  newContext,
  screenshot,
  startConsole,
  type ConsoleServer,
  stepsAfterSetup,
} from './browser/support';
import { countryName } from '../src/shared/countries';

const NEW_YORK = 'America/New_York';
const KOLKATA = 'Asia/Kolkata';
const run = `kv-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

let services: PrivateStack;
let anchor: Anchor;
let answers: Answers;
let events: KnownEvent[];
let server: ConsoleServer;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;

/** New York's (and India's) local date `n` days after the Sunday of the clock change. */
const day = (n: number) => addDays(anchor.sunday, n);

interface StatsAnswer {
  results: Array<{ dimensions: string[]; metrics: number[] }>;
  meta: { time_labels?: string[] };
  query: { metrics: string[]; dimensions: string[]; timezone: string };
}

/** The answer's rows by name: `visit:source` is `source`, `time:day` is `day`, metrics as named. */
async function query(body: Record<string, unknown>): Promise<{ rows: Row[]; answer: StatsAnswer }> {
  const answer = await services.post<StatsAnswer>('/api/v2/query', body);
  const dims = answer.query.dimensions.map((d) => d.slice(d.indexOf(':') + 1));
  const rows = answer.results.map((r) => {
    const row: Row = {};
    dims.forEach((d, i) => (row[d] = r.dimensions[i]!));
    answer.query.metrics.forEach((m, i) => (row[m] = r.metrics[i]!));
    return row;
  });
  return { rows, answer };
}

/** The rows as a set: equal rows whatever order ties came in (their order is the database's collation). */
const unordered = (rows: readonly Row[]) =>
  rows.map((r) => JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)))).sort();

/** A breakdown: exactly the expected rows, ordered by `metric` descending. */
function expectBreakdown(rows: Row[], expected: readonly Row[], metric = 'visitors'): void {
  expect(unordered(rows)).toEqual(unordered(expected));
  const values = rows.map((r) => Number(r[metric]));
  expect(values).toEqual([...values].sort((a, b) => b - a));
}

/** Why the scenario cannot run (no stack, no Chromium): every step fails with it, none is skipped. */
let setupError: Error | undefined;

beforeAll(async () => {
  try {
    anchor = anchorAt(Date.now(), process.env.KNOWN_VISITS_SUNDAY);
    answers = answersFor(anchor);
    console.log(`known visits around New York's clock change of ${anchor.sunday} (${anchor.kind})`);

    services = await startPrivateStack(`known visits ${run}`);
    browser = await launchChromium();
    server = await startConsole(services.stack);
    ctx = await newContext(browser);
    page = await ctx.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  } catch (error) {
    setupError = error instanceof Error ? error : new Error(String(error));
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await services?.stop();
});

const step = stepsAfterSetup(() => setupError);

describe('a known set of visits gets exactly its answers, from the Stats API and in the console', () => {
  step('a fresh project with its zone and goals is fed the set through the ingestion API', async () => {
    // The project's own zone (the Stats API's default when a query names none) and its goals.
    await services.admin('PUT', `/v1/admin/projects/${services.project.id}/settings`, {
      time_zone: NEW_YORK,
      domains: [],
      goals: GOALS,
    });

    events = knownEvents(anchor, run, randomUUID);
    // The command side learns of the new key from the admin log; then every event sent (the bot's
    // too: the explorer lists bot traffic) is in the read models, whose visits the analytics
    // projection writes in the same transaction as the events; and the settings are the query side's.
    await services.sendAll(events);
    await eventually('the project’s settings in the query API', async () => {
      const settings = await services.get<{ time_zone: string; goals: unknown[] }>(
        `/v1/projects/${services.project.id}/settings`,
      );
      return settings.time_zone === NEW_YORK && settings.goals.length === GOALS.length ? true : undefined;
    });
  });

  step(
    'Stats API: visitors, visits, page views, events, bounce rate, visit duration, views per visit',
    async () => {
      const metrics = Object.keys(answers.totals);
      const totals = (zone: string | undefined, to: number) =>
        query({ metrics, date_range: [day(-3), day(to)], ...(zone ? { timezone: zone } : {}) });
      for (const [zone, to] of [
        [NEW_YORK, 1],
        [KOLKATA, 2],
        ['UTC', 2],
      ] as const) {
        expect((await totals(zone, to)).rows, zone).toEqual([answers.totals]);
      }
      // No zone named: the project's (New York), the same days.
      const byDefault = await totals(undefined, 1);
      expect(byDefault.answer.query.timezone).toBe(NEW_YORK);
      expect(byDefault.rows).toEqual([answers.totals]);
      // The week before holds nothing.
      const before = await query({ metrics, date_range: [day(-10), day(-4)], timezone: NEW_YORK });
      expect(before.rows).toEqual([Object.fromEntries(metrics.map((m) => [m, 0]))]);
    },
  );

  step('Stats API: sources, devices, countries, pages, entry and exit pages, UTM, event names', async () => {
    const breakdown = (dimension: string, metrics: string[]) =>
      query({ metrics, dimensions: [dimension], date_range: [day(-3), day(1)], timezone: NEW_YORK }).then(
        (r) => r.rows,
      );
    const cases: Array<[string, string[], readonly Row[]]> = [
      [
        'visit:source',
        ['visitors', 'visits', 'bounce_rate', 'visit_duration', 'percentage'],
        answers.sources,
      ],
      ['visit:device', ['visitors', 'visits', 'percentage'], answers.devices],
      ['visit:browser', ['visitors', 'percentage'], answers.browsers],
      ['visit:os', ['visitors', 'percentage'], answers.operatingSystems],
      ['visit:country', ['visitors', 'visits', 'percentage'], answers.countries],
      ['event:page', ['visitors', 'pageviews', 'events', 'percentage'], answers.pages],
      ['visit:entry_page', ['visitors', 'visits', 'percentage'], answers.entryPages],
      ['visit:exit_page', ['visitors', 'visits', 'percentage'], answers.exitPages],
      ['visit:utm_medium', ['visitors', 'percentage'], answers.utmMedium],
      ['visit:utm_source', ['visitors', 'percentage'], answers.utmSource],
      ['visit:utm_campaign', ['visitors', 'percentage'], answers.utmCampaign],
      ['event:name', ['events'], answers.eventNames],
    ];
    for (const [dimension, metrics, expected] of cases) {
      const rows = await breakdown(dimension, metrics);
      try {
        expectBreakdown(rows, expected, metrics[0]);
      } catch (error) {
        throw new Error(`${dimension} by ${metrics.join(', ')}: ${(error as Error).message}`);
      }
    }
  });

  step('Stats API: New York’s days across the clock change, and the hours of its day', async () => {
    const days = await query({
      metrics: ['visitors', 'visits', 'pageviews', 'events', 'bounce_rate'],
      dimensions: ['time:day'],
      date_range: [day(-3), day(1)],
      timezone: NEW_YORK,
    });
    expect(days.rows).toEqual(answers.newYorkDays);

    const hours = await query({
      metrics: ['events', 'visitors', 'visits'],
      dimensions: ['time:hour'],
      date_range: [day(0), day(0)],
      timezone: NEW_YORK,
      include: { time_labels: true },
    });
    expect(hours.rows).toEqual(answers.newYorkChangeDay.hours);

    const changeDay = await query({
      metrics: Object.keys(answers.newYorkChangeDayTotals),
      date_range: [day(0), day(0)],
      timezone: NEW_YORK,
    });
    expect(changeDay.rows).toEqual([answers.newYorkChangeDayTotals]);

    // Every bucket of the day, with or without rows: its wall-clock hours, as many as it has.
    expect(hours.answer.meta.time_labels).toEqual(answers.newYorkChangeDay.labels);
  });

  step('Stats API: India’s days and its midnight hours (+05:30), and the same instants in UTC', async () => {
    const kolkata = await query({
      metrics: ['visitors', 'visits', 'pageviews', 'events'],
      dimensions: ['time:day'],
      date_range: [day(-3), day(2)],
      timezone: KOLKATA,
    });
    expect(kolkata.rows).toEqual(answers.kolkataDays);
    const utc = await query({
      metrics: ['visits', 'events'],
      dimensions: ['time:day'],
      date_range: [day(-3), day(2)],
      timezone: 'UTC',
    });
    expect(utc.rows).toEqual(answers.utcDays);

    const midnight = answers.kolkataMidnight;
    const hours = (timezone: string) =>
      query({ metrics: ['events'], dimensions: ['time:hour'], date_range: midnight.range, timezone }).then(
        (r) => r.rows,
      );
    expect(await hours(KOLKATA)).toEqual(midnight.kolkata);
    expect(await hours('UTC')).toEqual(midnight.utc);
  });

  step('Stats API: the funnel / → /pricing → /signup and its drop-offs', async () => {
    const funnel = (steps: unknown[]) =>
      services
        .post<{ steps: unknown[] }>('/api/v2/funnel', {
          date_range: [day(-3), day(1)],
          timezone: NEW_YORK,
          steps,
        })
        .then((r) => r.steps);
    expect(await funnel([{ page: '/' }, { page: '/pricing' }, { page: '/signup' }])).toEqual(answers.funnel);
    expect(
      await funnel([{ page: '/' }, { page_pattern: '/pricing*' }, { event: 'signup_completed' }]),
    ).toEqual(answers.funnelByPatternAndEvent);
  });

  step('Stats API: goal conversions (an event, a page, a page pattern; one nobody reached)', async () => {
    const range = { date_range: [day(-3), day(1)], timezone: NEW_YORK };
    const byGoal = await query({
      ...range,
      metrics: ['visitors', 'events', 'visits', 'conversion_rate'],
      dimensions: ['event:goal'],
    });
    expectBreakdown(byGoal.rows, answers.goals);

    const sawPricing = await query({
      ...range,
      metrics: ['visitors', 'visits', 'bounce_rate', 'conversion_rate'],
      filters: [['is', 'event:goal', ['Saw pricing']]],
    });
    expect(sawPricing.rows).toEqual([answers.sawPricingVisits]);

    const bySource = await query({
      ...range,
      metrics: ['visitors', 'group_conversion_rate', 'conversion_rate'],
      dimensions: ['visit:source'],
      filters: [['is', 'event:goal', ['Signed up']]],
    });
    expectBreakdown(bySource.rows, answers.signedUpBySource);

    const byCountry = await query({
      ...range,
      metrics: ['visitors', 'group_conversion_rate'],
      dimensions: ['visit:country'],
      filters: [['is', 'event:goal', ['Saw pricing']]],
    });
    expectBreakdown(byCountry.rows, answers.sawPricingByCountry);

    const funnel = await services.post<{ steps: unknown[] }>('/api/v2/funnel', {
      ...range,
      filters: [['is', 'event:goal', ['Signed up']]],
      steps: [{ page: '/' }, { page: '/pricing' }, { page: '/signup' }],
    });
    expect(funnel.steps).toEqual(answers.funnelOfSignups);
  });

  // ---- The console, in Chromium: the same answers on screen. ----

  const kpis = () =>
    page.evaluate(() =>
      Object.fromEntries(
        Array.from(document.querySelectorAll('[data-kpi]'), (card) => [
          card.getAttribute('data-kpi'),
          card.querySelector('.kpi-value')?.textContent?.trim(),
        ]),
      ),
    );

  /** The chart as its table ("Show as a table"): "<bucket> <events>" a row. */
  async function chartRows(): Promise<string[]> {
    const details = page.locator('details.chart-table');
    if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
    return details
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (c) => c.textContent!.trim()).join(' ')));
  }

  /** A panel's rows as shown, by its column headers: `{ Page: '/', Visitors: '7', '%': '77.8%' }`. */
  function panelRows(panel: Locator): Promise<Row[]> {
    return panel.locator('table').evaluate((table) => {
      const headers = Array.from(table.querySelectorAll('thead th'), (th) => th.textContent!.trim());
      return Array.from(table.querySelectorAll('tbody tr'), (tr) =>
        Object.fromEntries(
          Array.from(tr.children, (cell, i) => [headers[i]!, cell.textContent!.trim()]).filter(
            ([header]) => header !== 'Explorer',
          ),
        ),
      );
    });
  }

  /** An answer's rows that have a value of `key` (not the "(none)" row). */
  const withValue = (rows: readonly Row[], key: string): Row[] => rows.filter((r) => r[key] !== '(none)');

  /** An answer's rows as a panel shows them: the value, its visitors and their percentage. */
  const shown = (column: string, key: string, rows: readonly Row[]): Row[] =>
    rows.map((r) => ({ [column]: String(r[key]), Visitors: String(r.visitors), '%': `${r.percentage}%` }));

  async function chooseZone(zone: string): Promise<void> {
    await page.getByLabel('Time zone').fill(zone);
    await expect.poll(() => page.getByLabel('Time zone').inputValue()).toBe(zone);
  }

  /** A custom range typed in the chosen zone, as a user does: Custom, From, To, Apply. */
  async function chooseRange(from: string, to: string): Promise<void> {
    const form = page.locator('#custom-range');
    if (!(await form.isVisible())) await page.getByRole('button', { name: 'Custom', exact: true }).click();
    await form.getByLabel('From').fill(from);
    await form.getByLabel('To', { exact: true }).fill(to);
    await form.getByRole('button', { name: 'Apply' }).click();
  }

  step(
    'console: log in, choose the project, New York and a custom range: the KPIs and the days',
    async () => {
      await page.goto(`${server.url}/projects`);
      await logIn(page, services.stack);
      const switcher = page.getByLabel('Project', { exact: true });
      await switcher.locator(`option[value="${services.project.id}"]`).waitFor({ state: 'attached' });
      await switcher.selectOption(services.project.id);
      await page.waitForURL((url) => url.pathname === `/p/${services.project.id}/overview`);

      await chooseZone(NEW_YORK);
      await chooseRange(`${day(-4)}T00:00`, `${day(4)}T23:59`);
      await page.waitForURL((url) => url.searchParams.get('range') === 'custom');
      await expect.poll(() => page.getByText(`Buckets are days in ${NEW_YORK}.`).count()).toBe(1);
      await expect.poll(kpis).toEqual(CONSOLE_KPIS.totals);
      // Nothing in the nine days before: every count is new.
      expect(await page.locator('[data-kpi="visitors"] .kpi-delta').textContent()).toContain('new');

      const perDay = new Map(answers.newYorkDays.map((d) => [d.day, d.events]));
      const expectedDays = Array.from({ length: 9 }, (_, i) => day(i - 4)).map(
        (d) => `${d} ${perDay.get(d) ?? 0}`,
      );
      await expect.poll(chartRows).toEqual(expectedDays);
      await screenshot(page, 'known-visits-new-york');
    },
  );

  step(
    'console: the panels (pages, sources, UTM, devices, countries) show the answers’ visitors',
    async () => {
      const panel = (id: string) => page.locator(`[data-panel="${id}"]`);
      const cases: Array<[string, string | null, string, string, readonly Row[]]> = [
        ['pages', null, 'Page', 'page', answers.pages],
        ['pages', 'visit:entry_page', 'Entry page', 'entry_page', answers.entryPages],
        ['pages', 'visit:exit_page', 'Exit page', 'exit_page', answers.exitPages],
        ['sources', null, 'Source', 'source', answers.sources],
        // The UTM tabs leave out the visits without a value (no "(none)" row), as Plausible's; the
        // percentages stay of all the range's visitors.
        ['utm', null, 'UTM medium', 'utm_medium', withValue(answers.utmMedium, 'utm_medium')],
        ['utm', 'visit:utm_source', 'UTM source', 'utm_source', withValue(answers.utmSource, 'utm_source')],
        [
          'utm',
          'visit:utm_campaign',
          'UTM campaign',
          'utm_campaign',
          withValue(answers.utmCampaign, 'utm_campaign'),
        ],
        ['devices', null, 'Browser', 'browser', answers.browsers],
        ['devices', 'visit:os', 'Operating system', 'os', answers.operatingSystems],
        ['devices', 'visit:device', 'Device', 'device', answers.devices],
        // A country reads as its name in the panel (src/shared/countries.ts).
        [
          'countries',
          null,
          'Country',
          'country',
          answers.countries.map((r) => ({ ...r, country: countryName(String(r.country)) })),
        ],
      ];
      for (const [id, tab, column, key, expected] of cases) {
        if (tab) await panel(id).locator(`button[data-dimension="${tab}"]`).click();
        const want = unordered(shown(column, key, expected));
        await expect
          .poll(() => panelRows(panel(id)).then(unordered), { message: `${id} ${tab ?? ''}` })
          .toEqual(want);
        const visitors = (await panelRows(panel(id))).map((r) => Number(r.Visitors));
        expect(visitors).toEqual([...visitors].sort((a, b) => b - a));
      }
      await page.locator('[data-testid="panels"]').scrollIntoViewIfNeeded();
      await screenshot(page, 'known-visits-panels');
    },
  );

  step(
    'console: the top events and top pages are the answers’ events by name and page views by page',
    async () => {
      /** A top list's rows as shown: "<value> <count>". */
      const top = (title: string) =>
        page
          .getByRole('region', { name: title })
          .locator('tbody tr')
          .evaluateAll((trs) =>
            trs.map((tr) => Array.from(tr.children, (c) => c.textContent!.trim()).join(' ')),
          );
      /** An answer's rows with a count, largest first, then by value (byte order, as the database's): 10 at most. */
      const ranked = (rows: readonly Row[], key: string, count: string) =>
        rows
          .filter((r) => Number(r[count]) > 0)
          .sort((a, b) => Number(b[count]) - Number(a[count]) || (String(a[key]) < String(b[key]) ? -1 : 1))
          .slice(0, 10)
          .map((r) => `${r[key]} ${r[count]}`);
      await expect.poll(() => top('Top events')).toEqual(ranked(answers.eventNames, 'name', 'events'));
      await expect.poll(() => top('Pages by page views')).toEqual(ranked(answers.pages, 'page', 'pageviews'));
    },
  );

  step(
    'console: the day of the clock change by New York’s hours, the repeated (or skipped) hour as it is',
    async () => {
      await chooseRange(`${day(0)}T00:00`, `${day(0)}T23:59`);
      await expect.poll(() => page.getByText(`Buckets are hours in ${NEW_YORK}.`).count()).toBe(1);
      await expect.poll(kpis).toEqual(CONSOLE_KPIS.changeDay);
      const perHour = new Map(answers.newYorkChangeDay.hours.map((h) => [h.hour, h.events]));
      // A bucket `2026-11-01 01:00:00` is labelled `11-01 01:00`.
      const expectedHours = answers.newYorkChangeDay.labels.map(
        (h) => `${h.slice(5, 16)} ${perHour.get(h) ?? 0}`,
      );
      await expect.poll(chartRows).toEqual(expectedHours);
      await screenshot(page, 'known-visits-change-day');
    },
  );

  step('console: India’s zone, the same range in its days', async () => {
    await chooseZone(KOLKATA);
    await chooseRange(`${day(-4)}T00:00`, `${day(4)}T23:59`);
    await expect.poll(() => page.getByText(`Buckets are days in ${KOLKATA}.`).count()).toBe(1);
    await expect.poll(kpis).toEqual(CONSOLE_KPIS.totals);
    const perDay = new Map(answers.kolkataDays.map((d) => [d.day, d.events]));
    const expectedDays = Array.from({ length: 9 }, (_, i) => day(i - 4)).map(
      (d) => `${d} ${perDay.get(d) ?? 0}`,
    );
    await expect.poll(chartRows).toEqual(expectedDays);
    await screenshot(page, 'known-visits-kolkata');
  });

  step('console: the Funnels screen shows the drop-offs', async () => {
    await page.getByRole('link', { name: 'Funnels', exact: true }).click();
    await page.waitForURL((url) => url.pathname === `/p/${services.project.id}/funnels`);
    await page.getByRole('button', { name: 'Add a step' }).click();
    const steps = ['/', '/pricing', '/signup'];
    for (const [i, value] of steps.entries()) {
      await page.getByTestId(`step-kind-${i + 1}`).selectOption('page');
      await page.getByTestId(`step-value-${i + 1}`).fill(value);
    }
    // The screen's ranges are presets counted from today: 12 months reaches the latest clock change.
    await page.getByTestId('funnel-range').selectOption('12mo');
    await page.getByTestId('run-funnel').click();
    const rows = page.locator('[data-testid="funnel-result"] tbody tr');
    const read = () =>
      rows.evaluateAll((trs) =>
        trs.map((tr) => ({
          label: tr.children[0]!.textContent!.trim(),
          ...Object.fromEntries(
            Array.from(tr.querySelectorAll('td[data-label]'), (td) => [
              td.getAttribute('data-label'),
              td.textContent!.trim(),
            ]),
          ),
        })),
      );
    const pct = (n: number) => `${n}%`;
    await expect.poll(read).toEqual(
      answers.funnel.map((s, i) => ({
        label: `${i + 1}. ${s.label}`,
        Visitors: String(s.visitors),
        Visits: String(s.visits),
        Conversion: pct(s.conversion_rate),
        'Drop-off': String(s.drop_off),
        'Drop-off rate': pct(s.drop_off_rate),
      })),
    );
    await screenshot(page, 'known-visits-funnel');
  });
});
