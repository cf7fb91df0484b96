/**
 * A public dashboard link in Chromium: a project fed a few known visits through the real ingestion
 * API gets a link with a password (the command side's POST …/public-links); a browser with no
 * console session opens /share/<token>, is asked for the password (a wrong one is refused), and then
 * sees the project's KPI numbers, chart and panels — and nothing else of the console: no navigation,
 * no link anywhere, no explorer, no request to any route but the dashboard's. Once the link is
 * revoked, a reload says the dashboard is no longer shared.
 *
 * Public links need this work tree's services (the contracts, the admin projection, the query
 * side's grants), so they run here beside the stack (its Kafka, registry and PostgreSQL) on topics
 * and schemas of their own, as known-visits.browser.test.ts runs them: the command side and the
 * query side in this process, the projections' workers too, the console's server in front.
 *
 * One scenario in order. A missing stack or Chromium fails every step with one line.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  ADMIN_TOKEN,
  SESSION_SECRET,
  startCommandSide,
  testConfig,
  testStack,
  type RunningCommandSide,
} from '@eventlens/command-side/test-support';
import { createTestEnv, startInProcess, type InProcess, type TestEnv } from '@eventlens/projections/testing';
import { startServer, type TestServer } from '@eventlens/query-side/test-support';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  consoleErrors,
  eventually,
  launchChromium,
  newContext,
  screenshot,
  startConsole,
  type ConsoleServer,
  type Stack,
} from './browser/support';

const run = `pd-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const PASSWORD = `viewers ${randomBytes(4).toString('hex')}`;

let env: TestEnv;
let workers: InProcess;
let commandSide: RunningCommandSide;
let querySide: TestServer;
let stack: Stack;
let project: { id: string; writeKey: string; readKey: string };
let link: { link_id: string; token: string; path: string };
let server: ConsoleServer;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
/** Every request the page made to the APIs, as `METHOD /api/…path`. */
const apiRequests: string[] = [];
let pageErrors: string[] = [];

/** An admin API call on the private command side, with its admin token. */
async function admin(method: string, route: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${commandSide.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

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
    env = await createTestEnv();
    workers = await startInProcess(env);
    commandSide = await startCommandSide(
      testConfig(
        await testStack(),
        { events: env.topology.projections.analytics.source, admin: env.topology.projections.admin.source },
        { http: { port: 0, host: '127.0.0.1', trustProxy: ['loopback'] } },
      ),
    );
    querySide = await startServer(env.readerUrl, {
      schemaPrefix: env.config.schemaPrefix,
      sessionSecret: SESSION_SECRET,
    });
    const created = await admin('POST', '/v1/admin/projects', { name: `public dashboard ${run}` });
    const id = created.project_id as string;
    const write = await admin('POST', `/v1/admin/projects/${id}/keys`, { kind: 'write', name: run });
    const read = await admin('POST', `/v1/admin/projects/${id}/keys`, { kind: 'read', name: run });
    project = { id, writeKey: write.key as string, readKey: read.key as string };
    stack = {
      ingestUrl: commandSide.url,
      queryUrl: querySide.url,
      kafkaBrokers: env.config.kafkaBrokers.join(','),
      projectId: id,
      apiKey: project.writeKey,
      // No console user: the public dashboard is opened without one.
      adminEmail: `${run}@public-dashboard.test`,
      adminPassword: randomBytes(12).toString('hex'),
    };
    browser = await launchChromium();
    server = await startConsole(stack);
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
  await querySide?.close();
  await commandSide?.stop();
  await workers?.stop();
  await env?.cleanup();
});

function step(name: string, body: () => Promise<void>, timeout?: number): void {
  test(
    name,
    async () => {
      if (setupError) throw new Error(setupError.message.split('\n')[0]);
      await body();
    },
    timeout,
  );
}

/** POST /v1/share/session on the private query side, as the console's proxy would forward it. */
async function exchange(body: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${querySide.url}/v1/share/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

const kpi = (metric: string) => page.locator(`[data-kpi="${metric}"] .kpi-value`);

describe('a public dashboard link, with a password, in Chromium', () => {
  step('the project gets its visits through the ingestion API, and a link with a password', async () => {
    const events = VISITS.flatMap((v) =>
      v.paths.map((p) => ({
        api_key: project.writeKey,
        event_id: randomUUID(),
        event_name: 'page_view',
        session_id: v.session,
        anonymous_id: v.anonymous,
        url: `https://shop.example${p}`,
      })),
    );
    // The command side learns of the new key from the admin log: a 401 until then appends nothing.
    const send = (event: Record<string, unknown>) =>
      fetch(`${commandSide.url}/v1/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': CHROME,
          'x-forwarded-for': '198.51.100.9',
        },
        body: JSON.stringify(event),
      });
    await eventually('the ingestion API to accept the new write key', async () => {
      const res = await send(events[0]!);
      if (res.status === 202) return true;
      if (res.status !== 401) throw new Error(`HTTP ${res.status} ${await res.text()}`);
      return undefined;
    });
    for (const event of events.slice(1)) expect((await send(event)).status).toBe(202);

    const created = await admin('POST', `/v1/admin/projects/${project.id}/public-links`, {
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
        const res = await fetch(`${querySide.url}/api/v2/query`, {
          method: 'POST',
          headers: { authorization: `Bearer ${project.readKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ site_id: project.id, metrics: ['visits', 'pageviews'], date_range: '7d' }),
        });
        const answer = (await res.json()) as { results: Array<{ metrics: number[] }> };
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
        `GET /api/query/v1/projects/${project.id}/settings`,
      ]);
      expect(apiRequests.length).toBeGreaterThan(5);
      expect([...new Set(apiRequests)].filter((r) => !allowed.has(r))).toEqual([]);
      // The wrong password is the one failed request the browser reported.
      expect(pageErrors.filter((e) => !/401/.test(e))).toEqual([]);
    },
  );

  step('once the link is revoked, a reload says the dashboard is no longer shared', async () => {
    await admin('DELETE', `/v1/admin/projects/${project.id}/public-links/${link.link_id}`);
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
