/**
 * The script-tag build in a real browser: Debian's Chromium driven by playwright-core. The demo page is
 * served by sdk/serve.js from one origin; a recording ingestion server on another origin (another port)
 * plays the EventLens API, so CORS applies as it would in production, and records every request with its
 * method so that we can assert that no preflight ever happened.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, MISSING } from './chromium';
// @ts-expect-error plain JS without types, on purpose (not part of the package)
import { createDemoHandler } from '../serve.js';

const KEY = 'el_browser_0123456789abcdef';

interface Recorded {
  method: string;
  path: string;
  contentType?: string;
  status: number;
  body: string;
  at: number;
}
interface Received {
  event_name: string;
  event_id: string;
  session_id: string;
  anonymous_id: string;
  url: string;
  referrer?: string;
  metadata?: Record<string, unknown>;
  status: number;
  path: string;
}

const requests: Recorded[] = [];
/** While true, the ingestion server answers 503 with Retry-After: 1, as when Kafka is unavailable. */
let failing = false;

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => resolve(body));
  });

let ingest: Server, site: Server, browser: Browser | undefined;
let ingestOrigin: string, siteOrigin: string;
const contexts: BrowserContext[] = [];

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  ingest = createServer(async (req, res) => {
    const body = await read(req);
    const cors = { 'Access-Control-Allow-Origin': '*' };
    const status = req.method == 'OPTIONS' ? 204 : failing ? 503 : 202;
    requests.push({
      method: req.method!,
      path: req.url!,
      contentType: req.headers['content-type'],
      status,
      body,
      at: Date.now(),
    });
    if (req.method == 'OPTIONS')
      res
        .writeHead(204, {
          ...cors,
          'Access-Control-Allow-Headers': '*',
          'Access-Control-Allow-Methods': 'POST',
        })
        .end();
    else if (failing) res.writeHead(503, { ...cors, 'Retry-After': '1' }).end('{"error":"unavailable"}');
    else {
      const n = req.url == '/v1/batch' ? JSON.parse(body).events.length : 1;
      res
        .writeHead(202, { ...cors, 'Content-Type': 'application/json' })
        .end(JSON.stringify({ accepted: n }));
    }
  });
  ingestOrigin = await listen(ingest);

  const demo = createDemoHandler({ apiKey: KEY, host: ingestOrigin });
  site = createServer((req, res) => {
    if (!demo(req, res)) res.writeHead(404).end();
  });
  siteOrigin = await listen(site);

  // No browser, no test: every test then fails with MISSING (see newContext), none is skipped.
  browser = await launchChromium();
}, 60_000);

afterEach(async () => {
  failing = false;
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([ingest, site].map((s) => s && new Promise((resolve) => s.close(resolve))));
});

/** A fresh browser profile (storage, cache) with one page on the demo. */
const newContext = async () => {
  if (!browser) throw new Error(MISSING);
  const context = await browser.newContext();
  contexts.push(context);
  return context;
};
const openDemo = async (context?: BrowserContext, path = '/') => {
  const page = await (context ?? (await newContext())).newPage();
  const cspViolations: string[] = [];
  page.on('console', (m) => /Content.Security.Policy/i.test(m.text()) && cspViolations.push(m.text()));
  await page.goto(siteOrigin + path);
  return Object.assign(page, { cspViolations });
};

/** Events the server accepted since `from` (an index into `requests`). */
const accepted = (from = 0): Received[] =>
  requests.slice(from).flatMap((r) => {
    if (r.method != 'POST' || r.status != 202) return [];
    const body = JSON.parse(r.body);
    const events = r.path == '/v1/batch' ? body.events : [body];
    return events.map((e: Received) => ({ ...e, status: r.status, path: r.path }));
  });

const waitFor = async <T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found) return found;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
const waitForEvent = (from: number, name: string, also: (e: Received) => boolean = () => true) =>
  waitFor(name, () => accepted(from).find((e) => e.event_name == name && also(e)));
const sessionIdOf = async (page: Page) =>
  (await page.evaluate(() => sessionStorage.getItem('el_s')))!.split(' ')[0];
const namesSince = (from: number) => accepted(from).map((e) => e.event_name);

describe('in Chromium', () => {
  it('a button click arrives with the session id of the page', async () => {
    const from = requests.length;
    const page = await openDemo();
    const view = await waitForEvent(from, 'page_view');
    await page.click('#add-to-cart');
    const click = await waitForEvent(from, 'button_click');
    expect(click.session_id).toBe(await sessionIdOf(page));
    expect(click.session_id).toBe(view.session_id);
    expect(click.metadata).toEqual({ tag: 'button', id: 'add-to-cart', text: 'Add to cart' });

    await page.click('#signup');
    const cta = await waitForEvent(from, 'signup_cta');
    expect(cta.metadata).toMatchObject({ plan: 'pro', tag: 'button', text: 'Start the Pro trial' });
    expect(page.cspViolations).toEqual([]);
  });

  it('a click on a plain div, or inside data-eventlens-ignore, sends nothing', async () => {
    const from = requests.length;
    const page = await openDemo();
    await waitForEvent(from, 'page_view');
    await page.click('#plain');
    await page.click('#ignored');
    await page.click('#title');
    await page.click('#share svg');
    await waitForEvent(from, 'button_click', (e) => e.metadata?.id == 'share');
    await page.waitForTimeout(200);
    expect(namesSince(from)).toEqual(['page_view', 'button_click']);
  });

  it('a form submission arrives as form_submit without what was typed', async () => {
    const from = requests.length;
    const page = await openDemo();
    await page.fill('#email', 'jane.secret@example.com');
    await page.click('#newsletter button');
    const submit = await waitForEvent(from, 'form_submit');
    expect(submit.metadata).toMatchObject({ tag: 'form', id: 'newsletter' });
    expect(requests.slice(from).some((r) => r.body.includes('jane.secret'))).toBe(false);
  });

  it('pushState, replaceState and back produce the right page views', async () => {
    const from = requests.length;
    const page = await openDemo();
    await waitForEvent(from, 'page_view');

    await page.click('header a[href="/pricing"]'); // the demo's router: history.pushState
    await waitForEvent(from, 'page_view', (e) => e.url.endsWith('/pricing'));
    await page.evaluate(() => history.replaceState(null, '', '/pricing?tab=yearly')); // query only: nothing
    await page.evaluate(() => history.replaceState(null, '', '/docs')); // another path: a pair
    await waitForEvent(from, 'page_view', (e) => e.url.endsWith('/docs'));
    await page.goBack(); // popstate back to /
    await waitForEvent(
      from,
      'page_view',
      (e) => e.url == `${siteOrigin}/` && e.referrer == `${siteOrigin}/docs`,
    );
    await page.waitForTimeout(200);

    const views = accepted(from).filter((e) => e.event_name.startsWith('page_'));
    expect(views.map((e) => `${e.event_name} ${e.url.replace(siteOrigin, '')}`)).toEqual([
      'page_view /',
      'page_leave /',
      'page_view /pricing',
      'page_leave /pricing', // a leave carries the URL its view started with
      'page_view /docs',
      'page_leave /docs',
      'page_view /',
    ]);
    expect(new Set(views.map((e) => e.session_id)).size).toBe(1);
  });

  it('closing the page delivers page_leave with a plausible duration_ms', async () => {
    const from = requests.length;
    const page = await openDemo();
    await waitForEvent(from, 'page_view');
    const opened = Date.now();
    await page.waitForTimeout(1200);
    await page.close({ runBeforeUnload: true });
    const closed = Date.now();
    const leave = await waitForEvent(from, 'page_leave');
    expect(leave.metadata!.duration_ms).toBeGreaterThanOrEqual(1100);
    expect(leave.metadata!.duration_ms).toBeLessThanOrEqual(closed - opened + 1000);
    expect(leave.url).toBe(`${siteOrigin}/`);
    expect(accepted(from).filter((e) => e.event_name == 'page_leave')).toHaveLength(1);
  });

  it('a link that leaves the page delivers its link_click and the page_leave', async () => {
    const from = requests.length;
    const page = await openDemo();
    await waitForEvent(from, 'page_view');
    await page.click('#about'); // a full page load
    await waitForEvent(from, 'link_click', (e) => e.metadata?.href == `${siteOrigin}/about`);
    await waitForEvent(from, 'page_leave', (e) => e.url == `${siteOrigin}/`);
    await waitForEvent(from, 'page_view', (e) => e.url == `${siteOrigin}/about`);
  });

  it('a reload keeps the session, a new tab does not (and shares the anonymous id)', async () => {
    const from = requests.length;
    const context = await newContext();
    const page = await openDemo(context);
    const first = await waitForEvent(from, 'page_view');
    await page.reload();
    const reloaded = await waitForEvent(from, 'page_view', (e) => e.event_id != first.event_id);
    expect(reloaded.session_id).toBe(first.session_id);

    const mark = requests.length;
    await openDemo(context);
    const other = await waitForEvent(mark, 'page_view');
    expect(other.session_id).not.toBe(first.session_id);
    expect(other.anonymous_id).toBe(first.anonymous_id);
  });

  it('loses nothing and counts nothing twice while the server answers 503 for a while, with two tabs open', async () => {
    const from = requests.length;
    const context = await newContext();
    const [a, b] = [await openDemo(context), await openDemo(context)];
    await waitFor(
      'both page views',
      () => namesSince(from).filter((n) => n == 'page_view').length == 2 || undefined,
    );

    failing = true;
    const clicked: string[] = [];
    for (let i = 0; i < 6; i++) {
      const page = i % 2 ? a : b;
      await page.click(i % 3 ? '#add-to-cart' : '#signup');
      await page.evaluate(
        (n) => (window as unknown as { eventlens: { track(n: string): void } }).eventlens.track(n),
        `outage_${i}`,
      );
      clicked.push(`outage_${i}`);
      await page.waitForTimeout(150);
    }
    await waitFor('the failures to be queued', () =>
      a.evaluate(
        () => Object.keys(localStorage).filter((k) => k.startsWith('el_q:')).length >= 12 || undefined,
      ),
    );
    await sleep(1500);
    failing = false;

    await waitFor(
      'every queued event',
      () => clicked.every((n) => accepted(from).some((e) => e.event_name == n)) || undefined,
      30_000,
    );
    await waitFor(
      'an empty queue',
      () =>
        a.evaluate(
          () => Object.keys(localStorage).filter((k) => k.startsWith('el_q:')).length == 0 || undefined,
        ),
      15_000,
    );
    const ids = accepted(from).map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length); // nothing accepted twice
    expect(accepted(from).filter((e) => e.path == '/v1/batch').length).toBeGreaterThanOrEqual(12);
    expect(requests.slice(from).some((r) => r.status == 503)).toBe(true);
  }, 60_000);

  it('never made a CORS preflight: no OPTIONS request, every POST sent as text/plain', () => {
    if (!browser) throw new Error(MISSING);
    expect(requests.length).toBeGreaterThan(30);
    expect(requests.filter((r) => r.method == 'OPTIONS')).toEqual([]);
    for (const r of requests) {
      expect(r.method).toBe('POST');
      expect(r.contentType).toBe('text/plain;charset=UTF-8');
      expect(JSON.parse(r.body).api_key).toBe(KEY);
    }
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
