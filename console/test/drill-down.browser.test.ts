/**
 * Drilling from the dashboard into the explorer, and the project settings screen, in Chromium: a
 * project fed a known set of visits through the real ingestion API; a click on a panel's row opens
 * the explorer on exactly the events it counts, with the dashboard's range and filters as chips
 * (in the URL, removable, Back returning), the CSV of the same events; a top page opens its page
 * views; and a zone saved on the settings screen becomes the dashboard's default, the settings the
 * screen does not edit (goals) kept.
 *
 * The explorer's report filters (`filters` on GET /v1/events) and the settings' goals need this
 * work tree's services, so they run beside the stack (browser/private-stack.ts), the console's
 * server in front.
 *
 * One scenario in order. A missing stack or Chromium fails every step with one line.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
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

const run = `dd-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

let services: PrivateStack;
let server: ConsoleServer;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;

/**
 * The known set, on a past morning (UTC): visit a from Google views / and /pricing and clicks on
 * /pricing; visit b from Hacker News views / and /pricing; visit c from Google views /pricing.
 */
const DAY = Date.UTC(2024, 5, 3);
const at = (h: number, m: number) => DAY + (h * 60 + m) * 60_000;
const FROM = new Date(at(9, 0)).toISOString();
const TO = new Date(at(12, 0)).toISOString();
/** Where the explorer stops: the custom range's "To" minute (12:00) is included. */
const END = new Date(at(12, 1)).toISOString();
interface Sent {
  event_id: string;
  event_name: string;
  session_id: string;
  anonymous_id: string;
  url: string;
  referrer?: string;
  timestamp: string;
}
let sent: Sent[];
/** A crawler's page view of /pricing in the range: listed in the explorer, counted by no report. */
let crawled: Sent;

function knownSet(): Sent[] {
  const visit = (id: string, referrer: string) => ({
    session_id: `${run}-${id}`,
    anonymous_id: `${run}-visitor-${id}`,
    referrer,
  });
  const a = visit('a', 'https://www.google.com/');
  const b = visit('b', 'https://news.ycombinator.com/');
  const c = visit('c', 'https://www.google.com/');
  const hit = (v: typeof a, path: string, minute: number, name = 'page_view', entry = false): Sent => ({
    event_id: randomUUID(),
    event_name: name,
    session_id: v.session_id,
    anonymous_id: v.anonymous_id,
    url: `https://drill.example${path}`,
    ...(entry ? { referrer: v.referrer } : {}),
    timestamp: new Date(at(10, minute)).toISOString(),
  });
  return [
    hit(a, '/', 0, 'page_view', true),
    hit(a, '/pricing', 1),
    hit(a, '/pricing', 2, 'cta_click'),
    hit(b, '/', 10, 'page_view', true),
    hit(b, '/pricing', 11),
    hit(c, '/pricing', 20, 'page_view', true),
  ];
}
/** The ids of events `n` (1-based, in the order sent), latest first: the explorer's order. */
const newestFirst = (...n: number[]) =>
  n
    .map((i) => sent[i - 1]!)
    .sort((x, y) => y.timestamp.localeCompare(x.timestamp))
    .map((e) => e.event_id);

/** Why the scenario cannot run (no stack, no Chromium): every step fails with it, none is skipped. */
let setupError: Error | undefined;

beforeAll(async () => {
  try {
    services = await startPrivateStack(`drill-down ${run}`);
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

/** The explorer's rows, by event id, as listed. */
const listed = () =>
  page
    .locator('tbody tr[data-event-id]')
    .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event-id')));

describe('drill-down into the explorer, and the settings screen, on this work tree’s services', () => {
  step('the known set reaches the read models, and the user logs in', async () => {
    sent = knownSet();
    crawled = {
      event_id: randomUUID(),
      event_name: 'page_view',
      session_id: `${run}-crawler`,
      anonymous_id: `${run}-crawler`,
      url: 'https://drill.example/pricing',
      timestamp: new Date(at(10, 30)).toISOString(),
    };
    // An ordinary browser's User-Agent: ingestion leaves bots (a client without one) out of the reports.
    await services.untilAccepted(() => services.sendBatch(sent, { 'user-agent': CHROME }));
    await services.untilAccepted(() => services.sendBatch([crawled], { 'user-agent': GOOGLEBOT }));
    await services.untilListed(new Set([...sent, crawled].map((e) => e.event_id)));
    await page.goto(`${server.url}/p/${services.project.id}/overview`);
    await logIn(page, services.stack);
  });

  step(
    'a panel’s row opens the explorer on exactly its events, with the range and the dashboard’s filters as chips',
    async () => {
      await page.goto(`${server.url}/p/${services.project.id}/overview?range=custom&from=${FROM}&to=${TO}`);
      // The dashboard narrowed to /pricing first: a click on its row in the Pages panel.
      const pages = page.getByRole('region', { name: 'Pages by visitors', exact: true });
      await pages.getByTestId('panel-row').filter({ hasText: '/pricing' }).click();
      await page.waitForURL((url) => url.searchParams.get('filter') === 'event:page=/pricing');
      // Then Google's "Events" in the Sources panel: visits a and c.
      const sources = page.getByRole('region', { name: 'Sources', exact: true });
      const google = sources.getByRole('link', { name: 'Events of Google in the explorer' });
      await google.waitFor({ timeout: 20_000 });
      expect(await sources.getByTestId('panel-row').allTextContents()).toEqual(['Google', 'Hacker News']);
      await google.click();
      await page.waitForURL((url) => url.pathname.endsWith('/events'));
      const url = new URL(page.url());
      expect(url.searchParams.getAll('filter')).toEqual(['event:page=/pricing', 'visit:source=Google']);
      // The range's "To" minute is included: the explorer stops where the next minute starts.
      expect([url.searchParams.get('from'), url.searchParams.get('to')]).toEqual([FROM, END]);
      const chips = page.getByTestId('filter-chip');
      expect((await chips.allTextContents()).map((t) => t.replace('×', '').trim())).toEqual([
        'Page is /pricing',
        'Source is Google',
      ]);
      // Exactly a's page view and click on /pricing and c's page view, latest first.
      const expected = newestFirst(2, 3, 6);
      await expect.poll(listed).toEqual(expected);
      await screenshot(page, 'explorer-drill-down', true);

      // The CSV link carries the same filters: the same events.
      const href = await page.getByTestId('events-csv').getAttribute('href');
      const csv = new URL(href!, server.url);
      expect(JSON.parse(csv.searchParams.get('filters')!)).toEqual([
        ['is', 'event:page', ['/pricing']],
        ['is', 'visit:source', ['Google']],
      ]);
      expect([csv.searchParams.get('from'), csv.searchParams.get('to')]).toEqual([FROM, END]);
      const exported = await ctx.request.get(csv.toString());
      expect(exported.status()).toBe(200);
      const lines = (await exported.text()).split('\r\n').slice(1, -1);
      expect(lines.map((line) => line.slice(0, 36))).toEqual(expected);

      // A chip removed: every event of Google's visits in the range; Back: the page filter again.
      await chips.filter({ hasText: 'Page is /pricing' }).click();
      await page.waitForURL((u) => u.searchParams.getAll('filter').join() === 'visit:source=Google');
      await expect.poll(listed).toEqual(newestFirst(1, 2, 3, 6));
      await page.goBack();
      await expect.poll(listed).toEqual(expected);
      expect(await chips.count()).toBe(2);
      // Back again: the dashboard, still filtered to /pricing.
      await page.goBack();
      await page.waitForURL((u) => u.pathname.endsWith('/overview'));
      await expect.poll(() => page.getByTestId('filter-chip').textContent()).toContain('Page is /pricing');
    },
  );

  step('a KPI and a top page open their events: the page views of the range, of that page', async () => {
    await page.goto(`${server.url}/p/${services.project.id}/overview?range=custom&from=${FROM}&to=${TO}`);
    const pageViews = page.locator('[data-kpi="pageviews"]');
    await expect.poll(() => pageViews.locator('.kpi-value').textContent()).toBe('5');
    await pageViews.getByTestId('kpi-explore').click();
    await page.waitForURL((url) => url.pathname.endsWith('/events'));
    expect(new URL(page.url()).searchParams.get('event_name')).toBe('page_view');
    // The 5 the KPI counted, not the crawler's page view: "Counted only" is ticked.
    await expect.poll(listed).toEqual(newestFirst(1, 2, 4, 5, 6));
    const countedOnly = page.getByTestId('counted-only');
    expect(await countedOnly.isChecked()).toBe(true);
    // Unticked: every page view received, the crawler's marked as one the reports leave out.
    await countedOnly.uncheck();
    await expect.poll(listed).toEqual([crawled.event_id, ...newestFirst(1, 2, 4, 5, 6)]);
    const crawlerRow = page.locator(`tbody tr[data-event-id="${crawled.event_id}"]`);
    expect(await crawlerRow.getByTestId('not-counted').textContent()).toBe('Bot');
    expect(await page.getByTestId('not-counted').count()).toBe(1);
    await page.goBack();

    await page.goBack();
    const topPage = page
      .getByRole('region', { name: 'Pages by page views' })
      .getByRole('link', { name: '/pricing' });
    await topPage.waitFor({ timeout: 20_000 });
    await topPage.click();
    await page.waitForURL(
      (url) => url.pathname.endsWith('/events') && url.searchParams.get('filter') === 'event:page=/pricing',
    );
    expect(new URL(page.url()).searchParams.get('event_name')).toBe('page_view');
    await expect.poll(listed).toEqual(newestFirst(2, 5, 6));
    expect(await page.getByTestId('filter-chip').textContent()).toContain('Page is /pricing');
  });

  step(
    'a zone saved on the settings screen becomes the dashboard’s default; its goals are kept',
    async () => {
      // Goals set elsewhere (the admin API): the screen must send them back.
      const goals = [{ name: 'Clicked the CTA', event_name: 'cta_click' }];
      await services.admin('PUT', `/v1/admin/projects/${services.project.id}/settings`, {
        time_zone: 'UTC',
        domains: [],
        goals,
      });
      const zones: string[] = [];
      page.on('request', (request) => {
        if (request.url().endsWith('/api/v2/query'))
          zones.push((request.postDataJSON() as { timezone: string }).timezone);
      });

      await eventually('the goal on the settings screen', async () => {
        await page.goto(`${server.url}/p/${services.project.id}/settings`);
        await page.getByLabel('Default time zone').waitFor();
        return (await page.getByTestId('goal-row').count()) === 1 ? true : undefined;
      });
      expect(await page.getByLabel('Default time zone').inputValue()).toBe('UTC');
      expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Clicked the CTA');
      await page.getByLabel('Default time zone').fill('Asia/Kolkata');
      await page.getByRole('textbox', { name: 'Domain 1' }).fill(`${run}.example.com`);
      await page.getByRole('button', { name: 'Save settings' }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toBe('Saved.');
      await page.evaluate(() => window.scrollTo(0, 0));
      await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(0);
      await screenshot(page, 'settings', true);

      zones.length = 0;
      await page.getByRole('link', { name: 'Overview', exact: true }).click();
      const zone = page.getByLabel('Time zone');
      await expect.poll(() => zone.inputValue()).toBe('Asia/Kolkata');
      await expect.poll(() => page.getByText('Buckets are hours in Asia/Kolkata.').count()).toBe(1);
      await expect.poll(() => zones.length).toBeGreaterThan(0);
      expect(new Set(zones)).toEqual(new Set(['Asia/Kolkata']));

      // Read back from the query side: the zone, the domain, and the goals the screen sent back.
      await eventually('the saved settings on the query side', async () => {
        const settings = await services.get<{ time_zone: string; domains: string[]; goals: unknown[] }>(
          `/v1/projects/${services.project.id}/settings`,
        );
        return settings.time_zone === 'Asia/Kolkata' ? settings : undefined;
      }).then((settings) => {
        expect(settings.domains).toEqual([`${run}.example.com`]);
        expect(settings.goals).toEqual([expect.objectContaining(goals[0])]);
      });
      // A new tab reads it from the query side as well; a viewer's own pick still wins, until "Project zone".
      const other = await ctx.newPage();
      await other.goto(`${server.url}/p/${services.project.id}/overview?range=24h`);
      await expect.poll(() => other.getByLabel('Time zone').inputValue()).toBe('Asia/Kolkata');
      await other.getByLabel('Time zone').fill('Europe/Berlin');
      await expect.poll(() => other.getByText('Buckets are hours in Europe/Berlin.').count()).toBe(1);
      await other.getByRole('button', { name: 'Project zone' }).click();
      await expect.poll(() => other.getByLabel('Time zone').inputValue()).toBe('Asia/Kolkata');
      await other.close();
    },
  );
});
