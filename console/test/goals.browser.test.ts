/**
 * Issue 14's goals in the console, in Chromium, over the known set of visits of
 * known-visits.browser.test.ts (test/browser/known-visits.ts: its events, its goals and the answers
 * written there by hand — "Saw pricing" 66.67 %, "Signed up" 22.22 %, "Read the blog" 11.11 %,
 * "Purchased" nobody): the Goals screen shows each goal's unique and total conversions and its
 * conversion rate (the one nobody reached as 0), the change against the period before, the
 * breakdowns by source and by country with their group conversion rates, drills into the explorer
 * on exactly the events that reached a goal (GET /v1/events with an `event:goal` filter, which
 * reads the project's goals), and exports the table as CSV.
 *
 * The services are this work tree's, started beside the running stack (browser/private-stack.ts),
 * so goals, the Stats API and the explorer's goal filters are what the code does now. One scenario
 * in order; a missing stack or Chromium fails every step with one line, none is skipped.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import {
  GOALS,
  SITE,
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
  layoutProblems,
  logIn,
  newContext,
  screenshot,
  startConsole,
  type ConsoleServer,
  stepsAfterSetup,
} from './browser/support';

const NEW_YORK = 'America/New_York';
const run = `goals-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

let services: PrivateStack;
let anchor: Anchor;
let answers: Answers;
let events: KnownEvent[];
let server: ConsoleServer;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;

/** New York's local date `n` days after the Sunday of the clock change. */
const day = (n: number) => addDays(anchor.sunday, n);

/** Why the scenario cannot run (no stack, no Chromium): every step fails with it, none is skipped. */
let setupError: Error | undefined;

beforeAll(async () => {
  try {
    anchor = anchorAt(Date.now(), process.env.KNOWN_VISITS_SUNDAY);
    answers = answersFor(anchor);
    services = await startPrivateStack(`goals ${run}`);
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

/** Each goal's expected figures: the answers' row, or zeros for the goal nobody reached. */
const expectedOf = (name: string) =>
  answers.goals.find((g) => g.goal === name) ?? { goal: name, visitors: 0, events: 0, conversion_rate: 0 };

/** The events sent that a goal's drill-down must list: the visit's session ids as sent. */
const sessionsOf = (ids: string[]) =>
  ids.map((id) => events.find((e) => e.body.event_id === id)!.body.session_id as string);

/** The explorer's rows, by event id, as listed. */
const listed = () =>
  page
    .locator('tbody tr[data-event-id]')
    .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event-id')!));

describe('goals in the console, over the known set of visits', () => {
  step('a fresh project with its zone and goals is fed the set through the ingestion API', async () => {
    await services.admin('PUT', `/v1/admin/projects/${services.project.id}/settings`, {
      time_zone: NEW_YORK,
      domains: [],
      goals: GOALS,
    });
    events = knownEvents(anchor, run, randomUUID);
    // The command side learns of the new key from the admin log; every event sent is then listed.
    await services.sendAll(events);
    await eventually('the project’s goals in the query API', async () => {
      const settings = await services.get<{ goals: unknown[] }>(
        `/v1/projects/${services.project.id}/settings`,
      );
      return settings.goals.length === GOALS.length ? true : undefined;
    });
  });

  step(
    'the explorer’s goal filters list exactly the events the Stats API counts as each goal’s',
    async () => {
      const byGoal = await services.post<{ results: Array<{ dimensions: string[]; metrics: number[] }> }>(
        '/api/v2/query',
        {
          metrics: ['events'],
          dimensions: ['event:goal'],
          date_range: [day(-3), day(1)],
          timezone: NEW_YORK,
        },
      );
      const completions = Object.fromEntries(byGoal.results.map((r) => [r.dimensions[0], r.metrics[0]]));
      expect(completions).toEqual(Object.fromEntries(answers.goals.map((g) => [g.goal, g.events])));
      for (const goal of GOALS) {
        const filters = encodeURIComponent(JSON.stringify([['is', 'event:goal', [goal.name]]]));
        const { items } = await services.get<{
          items: Array<{ event_id: string; event_name: string; url: string }>;
        }>(`/v1/events?limit=200&filters=${filters}`);
        // The set's bot views only `/`, which no goal is: the explorer's list is the Stats API's count.
        expect(items.length, goal.name).toBe(completions[goal.name] ?? 0);
        // An event goal lists its event; a page goal, page views of the set's site.
        for (const e of items) {
          expect([e.event_name, e.url.startsWith(SITE)], goal.name).toEqual([
            goal.event_name ?? 'page_view',
            true,
          ]);
        }
      }
      const notBlog = encodeURIComponent(JSON.stringify([['is_not', 'event:goal', ['Read the blog']]]));
      const rest = await services.get<{ items: unknown[] }>(`/v1/events?limit=200&filters=${notBlog}`);
      expect(rest.items).toHaveLength(events.length - expectedOf('Read the blog').events);
    },
  );

  /** A custom range typed in the chosen zone, as a user does: Custom, From, To, Apply. */
  async function chooseRange(from: string, to: string): Promise<void> {
    const form = page.locator('#custom-range');
    if (!(await form.isVisible())) await page.getByRole('button', { name: 'Custom', exact: true }).click();
    await form.getByLabel('From').fill(from);
    await form.getByLabel('To', { exact: true }).fill(to);
    await form.getByRole('button', { name: 'Apply' }).click();
  }

  /** The goals table as shown: per goal its three figures and their changes. */
  const goalTable = () =>
    page.locator('[data-testid="goals-table"] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => {
        const cell = (label: string, part: string) =>
          tr.querySelector(`td[data-label="${label}"] ${part}`)?.textContent?.trim() ?? null;
        return {
          goal: tr.getAttribute('data-goal'),
          visitors: cell('Unique conversions', '.goal-value'),
          events: cell('Total conversions', '.goal-value'),
          rate: cell('Conversion rate', '.goal-value'),
          changes: [
            cell('Unique conversions', '.goal-change [aria-hidden]'),
            cell('Total conversions', '.goal-change [aria-hidden]'),
            cell('Conversion rate', '.goal-change [aria-hidden]'),
          ],
        };
      }),
    );

  step('console: the Goals screen shows every goal’s conversions and rate, Purchased 0', async () => {
    await page.goto(`${server.url}/p/${services.project.id}/overview`);
    await logIn(page, services.stack);
    await page.getByRole('link', { name: 'Goals', exact: true }).click();
    await page.waitForURL((url) => url.pathname === `/p/${services.project.id}/goals`);
    // The project's zone (New York) is the default; the nine days around the set, as the Overview's test.
    await expect.poll(() => page.getByLabel('Time zone').inputValue()).toBe(NEW_YORK);
    await chooseRange(`${day(-4)}T00:00`, `${day(4)}T23:59`);
    await page.waitForURL((url) => url.searchParams.get('range') === 'custom');

    const pct = (n: number) => `${n}%`;
    await expect.poll(goalTable).toEqual(
      GOALS.map(({ name }) => {
        const want = expectedOf(name);
        // Nothing in the nine days before: every conversion is new, and so is every rate (a rate of
        // no visitors is no number to count points from); the one nobody reached unchanged.
        const reached = want.visitors > 0;
        return {
          goal: name,
          visitors: String(want.visitors),
          events: String(want.events),
          rate: pct(want.conversion_rate),
          changes: reached ? ['new', 'new', 'new'] : ['no change', 'no change', 'no change'],
        };
      }),
    );
    expect(expectedOf('Purchased').visitors).toBe(0);
    await screenshot(page, 'goals', true);
  });

  /** The breakdown's rows as shown: value, conversions, rate. */
  const breakdown = () =>
    page
      .locator('[data-testid="goal-breakdown"] tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent!.trim()).slice(0, 3)),
      );
  const unordered = (rows: string[][]) => rows.map((r) => r.join(' | ')).sort();
  // A country as the console names it (English, CLDR's names: DE → Germany); other values as they are.
  const regions = new Intl.DisplayNames(['en'], { type: 'region' });
  const named = (key: string, value: string) =>
    key === 'country' && /^[A-Z]{2}$/.test(value) ? (regions.of(value) ?? value) : value;
  const shown = (key: string, rows: readonly Row[]) =>
    rows.map((r) => [named(key, String(r[key])), String(r.visitors), `${r.group_conversion_rate}%`]);

  step('console: a goal by source and by country, each value’s own conversion rate', async () => {
    await page.locator('[data-goal="Signed up"] [data-testid="goal-select"]').click();
    await page.getByTestId('goal-breakdown-by').selectOption('visit:source');
    await expect.poll(() => page.locator('#goal-breakdown-title').textContent()).toBe('Signed up by source');
    await expect
      .poll(() => breakdown().then(unordered))
      .toEqual(unordered(shown('source', answers.signedUpBySource)));

    await page.locator('[data-goal="Saw pricing"] [data-testid="goal-select"]').click();
    await page.getByTestId('goal-breakdown-by').selectOption('visit:country');
    await expect
      .poll(() => page.locator('#goal-breakdown-title').textContent())
      .toBe('Saw pricing by country');
    await expect
      .poll(() => breakdown().then(unordered))
      .toEqual(unordered(shown('country', answers.sawPricingByCountry)));
    const visitors = (await breakdown()).map((r) => Number(r[1]));
    expect(visitors).toEqual([...visitors].sort((a, b) => b - a));
  });

  step('console: a goal’s "Events" opens the explorer on exactly the events that reached it', async () => {
    const goalsUrl = page.url();
    await page.getByRole('link', { name: 'Events that reached Read the blog, in the explorer' }).click();
    await page.waitForURL((url) => url.pathname.endsWith('/events'));
    expect(new URL(page.url()).searchParams.getAll('filter')).toEqual(['event:goal=Read the blog']);
    await expect
      .poll(() => page.getByTestId('filter-chip').allTextContents())
      .toEqual([expect.stringContaining('Goal is Read the blog')]);
    // V4's two blog posts, by visitor d: the answers' two completions.
    await expect.poll(listed).toHaveLength(expectedOf('Read the blog').events);
    expect(new Set(sessionsOf(await listed()))).toEqual(new Set([`${run}-V4`]));
    await screenshot(page, 'goals-drill-down');

    await page.goBack();
    await page.waitForURL(goalsUrl);
    await page.getByRole('link', { name: 'Events that reached Saw pricing, in the explorer' }).click();
    await page.waitForURL((url) => url.pathname.endsWith('/events'));
    await expect.poll(listed).toHaveLength(expectedOf('Saw pricing').events);
    // The page views of /pricing (a query string aside) of V1 V3 V7 V8 V9 V11.
    const visits = sessionsOf(await listed()).map((s) => s.slice(run.length + 1));
    expect(visits.sort()).toEqual(['V1', 'V11', 'V3', 'V7', 'V8', 'V9']);
    await page.goBack();
    await page.waitForURL(goalsUrl);
  });

  step('console: "CSV" exports the goals table', async () => {
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export the goals as CSV' }).click();
    const file = await download;
    const text = await readFile((await file.path())!, 'utf8');
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(
      'Goal,Kind,Event or page pattern,Unique conversions,Total conversions,Conversion rate,Previous unique conversions,Previous total conversions,Previous conversion rate',
    );
    expect(lines.slice(1)).toEqual(
      GOALS.map((g) => {
        const want = expectedOf(g.name);
        const kind = g.event_name !== undefined ? 'Event' : 'Page pattern';
        const target = g.event_name ?? g.page_path;
        // Nobody in the nine days before: no conversions, and no rate (an empty cell, not 0).
        return [g.name, kind, target, want.visitors, want.events, want.conversion_rate, 0, 0, ''].join(',');
      }),
    );
    expect(file.suggestedFilename()).toMatch(/^eventlens-goals-.*\.csv$/);
  });

  step('console: on a phone (390×844) the screen fits, nothing scrolls sideways', async () => {
    const phone = await newContext(browser, 390, 844, await ctx.storageState());
    try {
      const p = await phone.newPage();
      await p.goto(page.url());
      await p.locator('[data-testid="goals-table"] tbody tr').first().waitFor();
      await p.locator('[data-testid="goal-breakdown"] tbody tr').first().waitFor();
      expect(await layoutProblems(p)).toEqual([]);
      await screenshot(p, 'goals-390');
    } finally {
      await phone.close();
    }
  });
});
