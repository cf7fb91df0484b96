/**
 * The script tag against the real EventLens stack: the demo page in Chromium, events through the real
 * ingestion API into Kafka, projected into PostgreSQL, read back through the query API with the
 * project's read key. A pass-through proxy sits in front of the ingestion API so the test can see every
 * request the browser makes (no OPTIONS, ever) and make ingestion answer 503 for a while.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchChromium, MISSING } from './chromium';
// @ts-expect-error plain JS without types, on purpose (not part of the package)
import { createDemoHandler } from '../serve.js';

const DEV_FILE = path.resolve(import.meta.dirname, '../../.eventlens/dev.json');

interface Dev {
  ingestUrl: string;
  queryUrl: string;
  apiKey: string;
  readKey: string;
}
interface StoredEvent {
  event_id: string;
  event_name: string;
  session_id: string | null;
  anonymous_id: string | null;
  url: string | null;
  referrer: string | null;
  metadata: Record<string, unknown>;
}

let dev: Dev;
let proxy: Server, site: Server, browser: Browser | undefined;
let siteOrigin: string;
const methods: string[] = [];
/** The path of every request the site (the demo's origin) was asked, before the /demo/ prefix is taken off. */
const sitePaths: string[] = [];
/** While true the proxy answers 503 with Retry-After: 1 instead of forwarding, as ingestion does when Kafka is down. */
let failing = false;
/** The paths of the requests the proxy answered 503. */
const refused: string[] = [];

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  if (!existsSync(DEV_FILE))
    throw new Error(`no running stack (${DEV_FILE} is missing): run "npm run stack:up"`);
  dev = JSON.parse(readFileSync(DEV_FILE, 'utf8')) as Dev;
  if (!dev.ingestUrl || !dev.readKey)
    throw new Error(`${DEV_FILE} has no ingestUrl/readKey: restart the stack`);
  const target = new URL(dev.ingestUrl);
  proxy = createServer((req, res) => {
    methods.push(req.method ?? '');
    if (failing) {
      refused.push(req.url ?? '');
      res
        .writeHead(503, { 'Access-Control-Allow-Origin': '*', 'Retry-After': '1' })
        .end('{"error":{"code":"LOG_UNAVAILABLE"}}');
      req.resume();
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  const proxyOrigin = await listen(proxy);
  const demo = createDemoHandler({ apiKey: dev.apiKey, host: proxyOrigin });
  // Mounted under /demo/ as the console mounts it.
  site = createServer((req, res) => {
    sitePaths.push(req.url!);
    if (req.url!.startsWith('/demo/')) req.url = req.url!.slice('/demo'.length);
    else return res.writeHead(404).end();
    if (!demo(req, res)) res.writeHead(404).end();
  });
  siteOrigin = await listen(site);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([proxy, site].map((s) => s && new Promise((resolve) => s.close(resolve))));
});

const newContext = async (): Promise<BrowserContext> => {
  if (!browser) throw new Error(MISSING);
  return browser.newContext();
};
const sessionIdOf = async (page: Page) =>
  (await page.evaluate(() => sessionStorage.getItem('el_s')))!.split(' ')[0]!;

/** The session's events as the query API returns them, oldest first. */
async function sessionEvents(sessionId: string): Promise<StoredEvent[]> {
  const res = await fetch(`${dev.queryUrl}/v1/events?session_id=${encodeURIComponent(sessionId)}&limit=200`, {
    headers: { authorization: `Bearer ${dev.readKey}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: StoredEvent[] }).items.reverse();
}

/**
 * Polls the query API (vi.waitFor) until the session's events satisfy `done`; returns them. The poll's
 * timeout is under the browser tests' 60 s deadline (vitest.config.ts), so that it is the one that fires
 * and names what the query API had.
 */
const waitForEvents = (
  sessionId: string,
  done: (events: StoredEvent[]) => boolean,
  timeoutMs = 20_000,
): Promise<StoredEvent[]> =>
  vi.waitFor(
    async () => {
      const events = await sessionEvents(sessionId);
      if (!done(events))
        throw new Error(`timed out; the query API has: ${events.map((e) => e.event_name).join(', ')}`);
      return events;
    },
    { timeout: timeoutMs, interval: 250 },
  );
const names = (events: StoredEvent[]) => events.map((e) => e.event_name);

describe('the script tag against the real stack', () => {
  it('a button click reaches the query API with the page session id; a plain div click sends nothing', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${siteOrigin}/demo/`);
    const sessionId = await sessionIdOf(page);
    await page.click('#plain');
    await page.click('#signup');
    const events = await waitForEvents(sessionId, (e) => names(e).includes('signup_cta'));
    const click = events.find((e) => e.event_name === 'signup_cta')!;
    expect(click.session_id).toBe(sessionId);
    expect(click.metadata).toMatchObject({ plan: 'pro' });
    // Everything this page sent arrived by now: the div click produced nothing.
    expect(names(events).filter((n) => n !== 'page_view')).toEqual(['signup_cta']);
    await context.close();
  });

  it('pushState, replaceState and back produce one page view per path, and closing the page a page_leave', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${siteOrigin}/demo/`);
    const sessionId = await sessionIdOf(page);
    await page.evaluate(() => history.pushState({}, '', '/demo/pricing'));
    await page.evaluate(() => history.replaceState({}, '', '/demo/pricing?plan=pro'));
    await page.evaluate(() => history.replaceState({}, '', '/demo/docs'));
    await page.goBack();
    await page.waitForTimeout(700); // the time on the last page, which its page_leave reports
    await page.close({ runBeforeUnload: true });
    const events = await waitForEvents(
      sessionId,
      (e) => names(e).filter((n) => n === 'page_leave').length >= 4,
    );
    // One view per path, each with the one before it as its referrer. (Their order in the list is
    // not checked: two views sent in the same millisecond have the same timestamp, and the explorer
    // orders those by event id.)
    const path = (url: string | null) => (url ? new URL(url).pathname : null);
    const views = events
      .filter((e) => e.event_name === 'page_view')
      .map((e) => `${path(e.referrer)} -> ${path(e.url)}`);
    expect(views.sort()).toEqual(
      [
        'null -> /demo/',
        '/demo/ -> /demo/pricing',
        '/demo/pricing -> /demo/docs',
        '/demo/docs -> /demo/',
      ].sort(),
    );
    const leaves = events.filter((e) => e.event_name === 'page_leave');
    expect(leaves.length).toBe(views.length);
    const last = leaves.at(-1)!;
    expect(Number(last.metadata.duration_ms)).toBeGreaterThan(300);
    expect(Number(last.metadata.duration_ms)).toBeLessThan(60_000);
    await context.close();
  });

  it('a reload keeps the session, a new tab does not', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${siteOrigin}/demo/`);
    const first = await sessionIdOf(page);
    await page.reload();
    expect(await sessionIdOf(page)).toBe(first);
    const other = await context.newPage();
    await other.goto(`${siteOrigin}/demo/`);
    expect(await sessionIdOf(other)).not.toBe(first);
    await waitForEvents(first, (e) => names(e).filter((n) => n === 'page_view').length >= 2);
    await context.close();
  });

  it('loses nothing and counts nothing twice while ingestion answers 503 for a while', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${siteOrigin}/demo/`);
    const sessionId = await sessionIdOf(page);
    await waitForEvents(sessionId, (e) => names(e).includes('page_view'));
    failing = true;
    const tracked = Array.from({ length: 5 }, (_, i) => `outage_${i}`);
    for (const name of tracked) {
      await page.evaluate(
        (n) => (window as unknown as { eventlens: { track(n: string): void } }).eventlens.track(n),
        name,
      );
    }
    // The outage outlasts a retry of the queue: a /v1/batch is refused too.
    await vi.waitFor(() => expect(refused).toContain('/v1/batch'), { timeout: 10_000, interval: 50 });
    failing = false;
    const events = await waitForEvents(sessionId, (e) => tracked.every((n) => names(e).includes(n)), 40_000);
    for (const name of tracked) expect(names(events).filter((n) => n === name)).toEqual([name]);
    const ids = events.map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    await context.close();
  }, 90_000); // its three polls alone may take 20 + 10 + 40 s

  it('the pages asked their site for nothing outside the demo (no /favicon.ico, which the browser asks for unless the page names an icon)', () => {
    expect(sitePaths.length).toBeGreaterThan(5);
    expect(sitePaths.filter((p) => !p.startsWith('/demo/'))).toEqual([]);
  });

  it('never made a CORS preflight', () => {
    expect(methods.length).toBeGreaterThan(10);
    expect(methods.filter((m) => m !== 'POST')).toEqual([]);
  });
});
