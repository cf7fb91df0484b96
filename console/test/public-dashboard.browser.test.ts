/**
 * A public dashboard link in Chromium: a project fed a few known visits through the real ingestion
 * API gets a link with a password (the command side's POST …/public-links); a browser with no
 * console session opens /share/<token>, is asked for the password (a wrong one is refused), and then
 * sees the project's KPI numbers, chart and panels — and nothing else of the console: no navigation,
 * no link anywhere, no explorer, no request to any route but the dashboard's. Once the link is
 * revoked, a reload says the dashboard is no longer shared.
 *
 * Public links need this work tree's services (the contracts, the admin projection, the query
 * side's grants), so they run beside the stack (browser/private-stack.ts), the console's server in
 * front.
 *
 * One scenario in order. A missing stack or Chromium fails every step with one line.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { startPrivateStack, type PrivateStack } from './browser/private-stack';
import {
  consoleErrors,
  eventually,
  launchChromium,
  newContext,
  screenshot,
  startConsole,
  type ConsoleServer,
  stepsAfterSetup,
} from './browser/support';

const run = `pd-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const PASSWORD = `viewers ${randomBytes(4).toString('hex')}`;

let services: PrivateStack;
let link: { link_id: string; token: string; path: string };
let server: ConsoleServer;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
/** Every request the page made to the APIs, as `METHOD /api/…path`. */
const apiRequests: string[] = [];
let pageErrors: string[] = [];

/**
 * The visits: two visitors, one with two page views in one visit, one with a single page view (a
 * bounce); every event now, so the dashboard's default range (the last 24 hours) holds them all.
 */
const VISITS = [
  { anonymous: 'visitor-a', session: 'visit-a', paths: ['/', '/pricing'] },
  { anonymous: 'visitor-b', session: 'visit-b', paths: ['/'] },
];
const EXPECTED = { visitors: '2', visits: '2', pageviews: '3', events: '3', bounce_rate: '50%' };

/** Why the scenario cannot run (no stack, no Chromium): every step fails with it, none is skipped. */
let setupError: Error | undefined;

beforeAll(async () => {
  try {
    // The browser never logs in: the public dashboard is opened without a console session.
    services = await startPrivateStack(`public dashboard ${run}`);
    browser = await launchChromium();
    server = await startConsole(services.stack);
    ctx = await newContext(browser);
    page = await ctx.newPage();
    pageErrors = consoleErrors(page);
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/')) apiRequests.push(`${request.method()} ${url.pathname}`);
    });
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

/** POST /v1/share/session on the private query side, as the console's proxy would forward it. */
async function exchange(body: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${services.querySide.url}/v1/share/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

const kpi = (metric: string) => page.locator(`[data-kpi="${metric}"] .kpi-value`);

describe('a public dashboard link, with a password, in Chromium', () => {
  step('the project gets its visits through the ingestion API, and a link with a password', async () => {
    // A browser's User-Agent (ingestion leaves bots out of the reports), and an address of its own.
    const visitor = { userAgent: CHROME, address: '198.51.100.9' };
    const events = VISITS.flatMap((v) =>
      v.paths.map((p) => ({
        visitor,
        body: {
          event_id: randomUUID(),
          event_name: 'page_view',
          session_id: v.session,
          anonymous_id: v.anonymous,
          url: `https://shop.example${p}`,
        },
      })),
    );
    await services.untilAccepted(() => services.send(events[0]!));
    for (const event of events.slice(1)) expect((await services.send(event)).status).toBe(202);

    const created = await services.admin('POST', `/v1/admin/projects/${services.project.id}/public-links`, {
      password: PASSWORD,
    });
    link = created as typeof link;
    expect(link.token).toMatch(/^els_/);
    expect(link.path).toBe(`/share/${link.token}`);

    // The query side knows the link once the admin projection has it, and the visits once the
    // analytics projection has them: the Stats API with the read key counts them all.
    await eventually('the link known to the query side (its password asked)', async () => {
      const answer = await exchange({ token: link.token });
      if (answer.status === 401) return true;
      if (answer.status !== 404) throw new Error(`HTTP ${answer.status} ${answer.text}`);
      return undefined;
    });
    await eventually(
      'the visits in the Stats API',
      async () => {
        const answer = await services.post<{ results: Array<{ metrics: number[] }> }>('/api/v2/query', {
          metrics: ['visits', 'pageviews'],
          // The visits were sent just now: the last 24 hours hold them (7d leaves today out).
          date_range: '24h',
        });
        return answer.results[0]?.metrics.join(',') === '2,3' ? true : undefined;
      },
      60_000,
    );
  });

  step('the link asks for its password, refuses a wrong one, and shows the KPI numbers', async () => {
    await page.goto(`${server.url}${link.path}`);
    const password = page.getByLabel('Password');
    await password.waitFor();
    await expect(page.locator('[data-testid="shared-dashboard"]').count()).resolves.toBe(0);
    await password.fill('not the password');
    await page.getByRole('button', { name: 'Open the dashboard' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong password' }).waitFor();

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Open the dashboard' }).click();
    await page.locator('[data-testid="shared-dashboard"]').waitFor();
    await eventually('the KPI numbers', async () =>
      (await kpi('pageviews').textContent()) === EXPECTED.pageviews ? true : undefined,
    );
    for (const [metric, value] of Object.entries(EXPECTED)) {
      expect({ metric, value: await kpi(metric).textContent() }).toEqual({ metric, value });
    }
    // The chart and the panels, from the same visits.
    await expect(page.locator('.chart').getAttribute('data-total')).resolves.toBe('3');
    const pages = page.locator('[data-panel="pages"]');
    await pages.getByText('/pricing').waitFor();
    await screenshot(page, 'public-dashboard');
  });

  step(
    'nothing else of the console: no navigation, no link, no explorer, only the dashboard’s routes',
    async () => {
      await expect(page.locator('nav').count()).resolves.toBe(0);
      await expect(page.locator('a').count()).resolves.toBe(0);
      await expect(
        page.locator('[data-testid="kpi-explore"], [data-testid="panel-explore"]').count(),
      ).resolves.toBe(0);
      await expect(page.getByText('Explorer').count()).resolves.toBe(0);
      // A row of a panel filters the dashboard (read-only: nothing leaves the page).
      await page.locator('[data-panel="pages"]').getByRole('button', { name: '/pricing' }).click();
      await page.locator('[data-testid="filter-chip"]').waitFor();
      await eventually('the filtered page views', async () =>
        (await kpi('pageviews').textContent()) === '1' ? true : undefined,
      );
      expect(new URL(page.url()).pathname).toBe(link.path);

      const allowed = new Set([
        'POST /api/query/v1/share/session',
        'POST /api/query/api/v2/query',
        `GET /api/query/v1/projects/${services.project.id}/time-zone`,
      ]);
      expect(apiRequests.length).toBeGreaterThan(5);
      expect([...new Set(apiRequests)].filter((r) => !allowed.has(r))).toEqual([]);
      // The wrong password is the one failed request the browser reported.
      expect(pageErrors.filter((e) => !/401/.test(e))).toEqual([]);
    },
  );

  step('once the link is revoked, a reload says the dashboard is no longer shared', async () => {
    await services.admin('DELETE', `/v1/admin/projects/${services.project.id}/public-links/${link.link_id}`);
    await eventually('the reloaded page saying the link is gone', async () => {
      await page.reload();
      const gone = page.locator('[data-testid="share-gone"]');
      const dashboard = page.locator('[data-testid="shared-dashboard"] [data-kpi="visitors"] .kpi-value');
      await gone.or(dashboard).first().waitFor();
      return (await gone.count()) > 0 ? true : undefined;
    });
    await expect(page.locator('[data-testid="share-gone"]').textContent()).resolves.toContain('revoked');
    await expect(page.locator('[data-testid="shared-dashboard"]').count()).resolves.toBe(0);
    await screenshot(page, 'public-dashboard-revoked');
  });
});
