/**
 * The script-tag build in a real browser: Debian's Chromium driven by playwright-core. The demo site is
 * served by sdk/serve.js under /demo/ of one origin, mounted as the console mounts it; a recording
 * ingestion server on another origin (another port) plays the EventLens API, so CORS applies as it would
 * in production, and records every request with its method so that we can assert that no preflight ever
 * happened.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
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
  timestamp: number;
  metadata?: Record<string, unknown>;
  context?: Record<string, string>;
  status: number;
  path: string;
}

const requests: Recorded[] = [];
/** While true, the ingestion server answers 503 with Retry-After: 1, as when Kafka is unavailable. */
let failing = false;
/** While true, the ingestion server answers after 500 ms, so that requests pile up in flight. */
let slow = false;

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
    if (slow) await new Promise((r) => setTimeout(r, 500));
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

  // As the console mounts it: /demo/… with the prefix taken off. /strict/ is the same site without
  // data-allow-automation, as a visitor's page would be.
  const mounts = {
    '/demo/': createDemoHandler({ apiKey: KEY, host: ingestOrigin }),
    '/strict/': createDemoHandler({
      apiKey: KEY,
      host: ingestOrigin,
      base: '/strict/',
      allowAutomation: false,
    }),
  };
  site = createServer((req, res) => {
    for (const [base, demo] of Object.entries(mounts)) {
      if (!req.url!.startsWith(base)) continue;
      req.url = req.url!.slice(base.length - 1);
      if (demo(req, res)) return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Page not found (not the demo)');
  });
  siteOrigin = await listen(site);

  // No browser, no test: every test then fails with MISSING (see newContext), none is skipped.
  browser = await launchChromium();
});

afterEach(async () => {
  failing = slow = false;
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  // The closed pages' last page_leave arrives now, not during the next test. (A quiet period: no
  // request says it was the last one.)
  await sleep(400);
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
/** Opens the demo at `path` (relative to /demo/). */
const openDemo = async (context?: BrowserContext, path = '/') => {
  const page = await (context ?? (await newContext())).newPage();
  const cspViolations: string[] = [];
  page.on('console', (m) => /Content.Security.Policy/i.test(m.text()) && cspViolations.push(m.text()));
  await page.goto(demo(path));
  return Object.assign(page, { cspViolations });
};
/** The absolute URL of a demo page. */
const demo = (path = '/') => `${siteOrigin}/demo${path}`;

/** Events the server accepted since `from` (an index into `requests`). */
const accepted = (from = 0): Received[] =>
  requests.slice(from).flatMap((r) => {
    if (r.method != 'POST' || r.status != 202) return [];
    const body = JSON.parse(r.body);
    const events = r.path == '/v1/batch' ? body.events : [body];
    return events.map((e: Received) => ({ ...e, status: r.status, path: r.path }));
  });

/**
 * Polls `probe` (vi.waitFor) until it gives a value other than undefined or false. What is awaited is
 * polled for; the few fixed waits left (`page.waitForTimeout`, `sleep`) are quiet periods before a
 * check that nothing more was sent, which only time can show, or the time a page is kept open.
 */
const waitFor = <T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> =>
  vi.waitFor(
    async () => {
      const found = await probe();
      if (found === undefined || found === false) throw new Error(`timed out waiting for ${what}`);
      return found;
    },
    { timeout: timeoutMs, interval: 50 },
  );
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
    expect(submit.metadata).toEqual({ tag: 'form', id: 'newsletter', text: 'Subscribe' });
    expect(requests.slice(from).some((r) => r.body.includes('jane.secret'))).toBe(false);
    await page.waitForTimeout(300);
    expect(namesSince(from)).toEqual(['page_view', 'form_submit']); // one intent, one event
  });

  it('Enter in a form sends one form_submit, not also the button_click of the synthetic click', async () => {
    const from = requests.length;
    const page = await openDemo();
    await waitForEvent(from, 'page_view');
    await page.fill('#email', 'jane@example.com');
    await page.press('#email', 'Enter');
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.includes('Thanks'));
    const submit = await waitForEvent(from, 'form_submit');
    expect(submit.metadata).toEqual({ tag: 'form', id: 'newsletter', text: 'Subscribe' });
    await page.waitForTimeout(300);
    expect(namesSince(from)).toEqual(['page_view', 'form_submit']);
  });

  it('a button and a form inside an open shadow root are captured', async () => {
    const from = requests.length;
    const page = await openDemo();
    await waitForEvent(from, 'page_view');
    await page.click('demo-help #chat'); // playwright's CSS pierces open shadow roots
    const chat = await waitForEvent(from, 'button_click');
    expect(chat.metadata).toEqual({ tag: 'button', id: 'chat', text: 'Chat with us' });
    await page.fill('demo-help #phone', '+44 7700 900123');
    await page.click('demo-help #call');
    const submit = await waitForEvent(from, 'form_submit');
    expect(submit.metadata).toEqual({ tag: 'form', id: 'callback', text: 'Call me back' });
    await page.press('demo-help #phone', 'Enter');
    await waitFor(
      'a second form_submit',
      () => namesSince(from).filter((n) => n == 'form_submit').length == 2,
    );
    await page.waitForTimeout(300);
    expect(namesSince(from)).toEqual(['page_view', 'button_click', 'form_submit', 'form_submit']);
    // Nothing of the typed number, once the random ids and the clock readings (which may hold any
    // digits) are taken out of the bodies.
    const typed = (body: string) => body.replace(/"[0-9a-f-]{36}"|\b\d{13}\b/g, '').includes('7700');
    expect(requests.slice(from).some((r) => typed(r.body))).toBe(false);
  });

  it('ten quick 14 KB events all arrive directly: keepalive only within the in-flight budget', async () => {
    const from = requests.length;
    const page = await openDemo();
    await waitForEvent(from, 'page_view');
    slow = true; // every request stays in flight for a while
    const errors: string[] = [];
    page.on('console', (m) => m.type() == 'error' && errors.push(m.text()));
    await page.evaluate(() => {
      const el = (window as unknown as { eventlens: { track(n: string, m: object): void } }).eventlens;
      for (let i = 0; i < 10; i++) el.track('big', { i, blob: 'x'.repeat(14_000) });
    });
    const big = await waitFor('ten big events', () => {
      const found = accepted(from).filter((e) => e.event_name == 'big');
      return found.length >= 10 && found;
    });
    expect(new Set(big.map((e) => e.metadata!.i)).size).toBe(10);
    // None was refused by the browser and sent again later from the queue.
    expect(big.every((e) => e.path == '/v1/events')).toBe(true);
    await page.waitForTimeout(300);
    expect(accepted(from).filter((e) => e.event_name == 'big')).toHaveLength(10);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('el_q:')))).toEqual(
      [],
    );
    expect(errors).toEqual([]);
  });

  it('every request carries sent_at, the clock at the moment it was sent, also from the queue', async () => {
    const from = requests.length;
    const page = await openDemo();
    await waitForEvent(from, 'page_view');
    failing = true;
    await page.evaluate(() =>
      (window as unknown as { eventlens: { track(n: string): void } }).eventlens.track('clocked'),
    );
    await waitFor('a refused send', () =>
      requests.slice(from).some((r) => r.status == 503 && r.body.includes('clocked')),
    );
    // The outage lasts a while (the scenario, not a wait for something): the queue tries again while
    // it lasts, and delivers once it ends.
    await sleep(1200);
    failing = false;
    const resent = await waitForEvent(from, 'clocked');
    const [first, last] = [
      requests.slice(from).find((r) => r.body.includes('clocked'))!,
      requests.slice(from).findLast((r) => r.body.includes('clocked'))!,
    ];
    const [a, b] = [JSON.parse(first.body), JSON.parse(last.body)];
    expect(last.path).toBe('/v1/batch');
    expect(a.sent_at).toBeGreaterThanOrEqual(a.timestamp);
    expect(Math.abs(a.sent_at - first.at)).toBeLessThan(1000);
    expect(Math.abs(b.sent_at - last.at)).toBeLessThan(1000);
    // Stamped when it left, not when it was queued nor at the first send: a send from the queue
    // follows the queueing (after the 503 reached the page, so after the server's first.at) by the
    // queue lock's 250 ms at least (retry.ts). (Not "a second after the first send": a resend that a
    // late answer to an earlier delivery set off can leave sooner, and arrive after the outage.)
    expect(b.sent_at - first.at).toBeGreaterThanOrEqual(250);
    expect(resent.timestamp).toBe(a.timestamp); // the event keeps its own time
    for (const r of requests.slice(from)) expect(typeof JSON.parse(r.body).sent_at).toBe('number');
  });

  it('hash routes are pages with data-hash-routing; an in-page anchor is not', async () => {
    const from = requests.length;
    const page = await openDemo(undefined, '/app/#/settings');
    await waitForEvent(from, 'page_view', (e) => e.url == demo('/app/#/settings'));
    await page.click('nav.sub a[href="#/billing"]');
    await waitForEvent(from, 'page_view', (e) => e.url == demo('/app/#/billing'));
    await page.goBack();
    await waitForEvent(
      from,
      'page_view',
      (e) => e.url == demo('/app/#/settings') && e.referrer == demo('/app/#/billing'),
    );
    await page.click('header a[href="/demo/docs"]');
    await page.click('a[href="#install"]');
    await waitForEvent(from, 'page_view', (e) => e.url == demo('/docs'));
    await page.waitForTimeout(300); // the in-page anchor must send nothing
    // Each view was awaited before the next navigation, so the views arrive in order; a view's leave
    // and the next view leave the page together, in requests that can arrive either way round, so
    // the leaves are put in the order they happened (their timestamps) and checked against the views.
    const path = (e: Received) => e.url.replace(siteOrigin, '');
    const views = accepted(from).filter((e) => e.event_name == 'page_view');
    const leaves = accepted(from)
      .filter((e) => e.event_name == 'page_leave')
      .sort((a, b) => a.timestamp - b.timestamp);
    expect(views.map(path)).toEqual([
      '/demo/app/#/settings',
      '/demo/app/#/billing',
      '/demo/app/#/settings',
      '/demo/docs',
    ]);
    expect(leaves.map(path)).toEqual(views.slice(0, -1).map(path));
    leaves.forEach((leave, i) => {
      expect(leave.timestamp).toBeGreaterThanOrEqual(views[i]!.timestamp);
      expect(leave.timestamp).toBeLessThanOrEqual(views[i + 1]!.timestamp);
    });
  });

  it('an automated browser (navigator.webdriver) sends nothing unless the page allows automation', async () => {
    const from = requests.length;
    const page = await (await newContext()).newPage();
    await page.goto(`${siteOrigin}/strict/`);
    expect(await page.evaluate(() => navigator.webdriver)).toBe(true);
    await page.click('#add-to-cart');
    await page.evaluate(() =>
      (window as unknown as { eventlens: { track(n: string): void } }).eventlens.track('robot'),
    );
    await page.waitForTimeout(500);
    // (Other tests' pages may still deliver their last page_leave: only this site's requests count.)
    expect(requests.slice(from).filter((r) => r.body.includes('/strict/'))).toEqual([]);
    expect(
      await page.evaluate(() => Object.keys(localStorage).length + Object.keys(sessionStorage).length),
    ).toBe(0);
    // The same site with data-allow-automation (the demo under /demo/) is counted.
    await page.goto(demo('/'));
    await waitForEvent(from, 'page_view', (e) => e.url == demo('/'));
  });

  it('localStorage.eventlens_ignore = "true" (or plausible_ignore) stops every event; removing it resumes', async () => {
    const from = requests.length;
    const page = await openDemo();
    await waitForEvent(from, 'page_view');
    const track = (name: string) =>
      page.evaluate(
        (n) => (window as unknown as { eventlens: { track(n: string): void } }).eventlens.track(n),
        name,
      );
    for (const flag of ['eventlens_ignore', 'plausible_ignore']) {
      await page.evaluate((f) => localStorage.setItem(f, 'true'), flag);
      await track(`ignored_${flag}`);
      await page.click('#add-to-cart');
      await page.evaluate((f) => localStorage.removeItem(f), flag);
    }
    await track('resumed');
    await waitForEvent(from, 'resumed');
    await page.waitForTimeout(300);
    const names = namesSince(from);
    expect(names.filter((n) => n.startsWith('ignored_') || n == 'button_click')).toEqual([]);
  });

  it('pushState, replaceState and back produce the right page views', async () => {
    const from = requests.length;
    const page = await openDemo();
    await waitForEvent(from, 'page_view');

    await page.click('header a[href="/demo/pricing"]'); // the demo's router: history.pushState
    await waitForEvent(from, 'page_view', (e) => e.url.endsWith('/pricing'));
    await page.evaluate(() => history.replaceState(null, '', '/demo/pricing?tab=yearly')); // query only: nothing
    await page.evaluate(() => history.replaceState(null, '', '/demo/docs')); // another path: a pair
    await waitForEvent(from, 'page_view', (e) => e.url.endsWith('/docs'));
    await page.goBack(); // popstate back to /
    await waitForEvent(from, 'page_view', (e) => e.url == demo('/') && e.referrer == demo('/docs'));
    await page.waitForTimeout(200);

    // In the order they happened: a navigation's leave and view are two requests sent in the same
    // moment, which may reach the server either way round; within one millisecond the leave is first.
    const views = accepted(from)
      .filter((e) => e.event_name.startsWith('page_'))
      .sort(
        (a, b) =>
          a.timestamp - b.timestamp ||
          (a.event_name == 'page_leave' ? -1 : 1) - (b.event_name == 'page_leave' ? -1 : 1),
      );
    expect(views.map((e) => `${e.event_name} ${e.url.replace(siteOrigin + '/demo', '')}`)).toEqual([
      'page_view /',
      'page_leave /',
      'page_view /pricing',
      'page_leave /pricing', // a leave carries the URL its view started with
      'page_view /docs',
      'page_leave /docs',
      'page_view /',
    ]);
    expect(new Set(views.map((e) => e.session_id)).size).toBe(1);
    // The demo's router sets the title after pushState, as routers do: the leave carries the page
    // left's title, the view the new page's. (The first view has the title of the HTML: the SDK
    // starts before the demo's script renders the page.)
    expect(views.slice(0, 3).map((e) => e.context?.title)).toEqual([
      'EventLens demo shop',
      'Home · EventLens demo shop',
      'Pricing · EventLens demo shop',
    ]);
  });

  it('closing the page delivers page_leave with a plausible duration_ms', async () => {
    const from = requests.length;
    // The page's time starts after this (the SDK starts on load): an upper bound that holds however
    // long the loaded machine takes to load the page and deliver its page view.
    const opening = Date.now();
    const page = await openDemo();
    await waitForEvent(from, 'page_view');
    // (Another test's page may deliver its last page_leave late: this page's is the one of its session.)
    const session = await sessionIdOf(page);
    await page.waitForTimeout(1200); // the least time on the page that duration_ms must report
    await page.close({ runBeforeUnload: true });
    const closed = Date.now();
    const leave = await waitForEvent(from, 'page_leave', (e) => e.session_id == session);
    expect(leave.metadata!.duration_ms).toBeGreaterThanOrEqual(1100);
    // The browser and this process read one clock; 50 ms covers timer rounding.
    expect(leave.metadata!.duration_ms).toBeLessThanOrEqual(closed - opening + 50);
    expect(leave.url).toBe(demo('/'));
    await sleep(300);
    expect(
      accepted(from).filter((e) => e.event_name == 'page_leave' && e.session_id == session),
    ).toHaveLength(1);
  });

  it('a page scrolled part of the way down delivers page_leave with that scroll_depth', async () => {
    const from = requests.length;
    const page = await openDemo();
    await waitForEvent(from, 'page_view');
    const session = await sessionIdOf(page);
    // A page five windows tall, scrolled to its middle by the browser itself.
    const expected = await page.evaluate(async () => {
      document.body.style.minHeight = `${5 * window.innerHeight}px`;
      window.scrollTo(0, 2 * window.innerHeight);
      await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 100)));
      window.scrollTo(0, window.innerHeight); // back up: the deepest point stays
      await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 100)));
      const height = document.documentElement.scrollHeight;
      return Math.round((100 * 3 * window.innerHeight) / height);
    });
    expect(expected).toBeGreaterThan(50);
    expect(expected).toBeLessThan(70);
    await page.close({ runBeforeUnload: true });
    const leave = await waitForEvent(from, 'page_leave', (e) => e.session_id == session);
    expect(leave.metadata!.scroll_depth).toBe(expected);
  });

  it('a link that leaves the page delivers its link_click and the page_leave', async () => {
    const from = requests.length;
    const page = await openDemo();
    await waitForEvent(from, 'page_view');
    await page.click('#about'); // a full page load
    await waitForEvent(from, 'link_click', (e) => e.metadata?.href == demo('/about'));
    await waitForEvent(from, 'page_leave', (e) => e.url == demo('/'));
    await waitForEvent(from, 'page_view', (e) => e.url == demo('/about'));
  });

  it('a reload keeps the session, a new tab does not (and shares the anonymous id)', async () => {
    const from = requests.length;
    const context = await newContext();
    const page = await openDemo(context);
    const first = await waitForEvent(from, 'page_view');
    await page.reload();
    const reloaded = await waitForEvent(from, 'page_view', (e) => e.event_id != first.event_id);
    expect(reloaded.session_id).toBe(first.session_id);

    // The new tab may first send again what an earlier page queued and did not see answered (the
    // queue is the profile's, shared by its tabs; the server counts an event id once): the new tab's
    // own page view is the one with an id not seen yet.
    const seen = new Set(accepted(from).map((e) => e.event_id));
    const mark = requests.length;
    await openDemo(context);
    const other = await waitForEvent(mark, 'page_view', (e) => !seen.has(e.event_id));
    expect(other.session_id).not.toBe(first.session_id);
    expect(other.anonymous_id).toBe(first.anonymous_id);
  });

  it('without crypto.randomUUID, as on a plain-http page, the ids are still v4 UUIDs, each its own', async () => {
    const from = requests.length;
    const context = await newContext();
    // A page outside a secure context has no crypto.randomUUID; 127.0.0.1 is a secure context, so the
    // page loses it before any script runs, and the SDK takes the UUID of a blob URL instead.
    await context.addInitScript(() => delete (Crypto.prototype as Partial<Crypto>).randomUUID);
    const page = await openDemo(context);
    const view = await waitForEvent(from, 'page_view');
    await page.click('#add-to-cart');
    const click = await waitForEvent(from, 'button_click');
    expect(await page.evaluate(() => typeof crypto.randomUUID)).toBe('undefined');
    const ids = [view.event_id, view.session_id, view.anonymous_id, click.event_id];
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(4);
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
      await waitFor(`the refused send of outage_${i}`, () =>
        requests.slice(from).some((r) => r.status == 503 && r.body.includes(`"outage_${i}"`)),
      );
    }
    await waitFor('the failures to be queued', () =>
      a.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('el_q:')).length >= 12),
    );
    // The outage outlasts a retry of the queue: a /v1/batch is refused too.
    await waitFor('a refused retry of the queue', () =>
      requests.slice(from).some((r) => r.status == 503 && r.path == '/v1/batch'),
    );
    failing = false;

    await waitFor(
      'every queued event',
      () => clicked.every((n) => accepted(from).some((e) => e.event_name == n)) || undefined,
      30_000,
    );
    await waitFor(
      'an empty queue',
      () => a.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('el_q:')).length == 0),
      15_000,
    );
    const ids = accepted(from).map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length); // nothing accepted twice
    expect(accepted(from).filter((e) => e.path == '/v1/batch').length).toBeGreaterThanOrEqual(12);
    expect(requests.slice(from).some((r) => r.status == 503)).toBe(true);
  });

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

describe('the demo site, under /demo/ as the console serves it', () => {
  const pages: [string, string][] = [
    ['/', 'Home'],
    ['/pricing', 'Pricing'],
    ['/docs', 'Docs'],
    ['/about', 'About us'],
    ['/app/#/settings', 'App: Settings'],
    ['/app/#/billing', 'App: Billing'],
    ['/no/such/page', 'Page not found'],
  ];
  const heading = (page: Page) => page.locator('h1').textContent();

  /** Everything accepted since `from` came from a page under /demo/ (a link gone astray would not). */
  const expectOnlyDemoPaths = (from: number) => {
    const sent = accepted(from);
    expect(sent.length).toBeGreaterThan(0);
    for (const e of sent) {
      expect(e.url.startsWith(`${siteOrigin}/demo/`), e.url).toBe(true);
      if (e.referrer) expect(e.referrer.startsWith(`${siteOrigin}/demo/`), e.referrer).toBe(true);
    }
  };

  // One test per page: each has its own deadline, which a loaded machine's navigations need (all
  // pages in one test ran past 60 s once).
  it.each(pages)(
    '%s shows its own heading on load and on reload, and sends only its own /demo/ paths',
    async (path, title) => {
      const from = requests.length;
      const page = await (await newContext()).newPage();
      await page.goto(demo(path));
      expect(await heading(page), path).toBe(title);
      await page.reload();
      expect(await heading(page), `${path} reloaded`).toBe(title);
      await waitFor(`the page_view of ${path}`, () =>
        accepted(from).some((e) => e.event_name == 'page_view' && e.url == demo(path)),
      );
      expectOnlyDemoPaths(from);
    },
  );

  it("navigating in the page (header links, the app's tabs, back) and reloading keeps each heading; closing sends the page_leave", async () => {
    const from = requests.length;
    const page = await (await newContext()).newPage();
    await page.goto(demo('/'));
    for (const [link, title] of [
      ['Pricing', 'Pricing'],
      ['Docs', 'Docs'],
      ['App', 'App: Settings'],
      ['Home', 'Home'],
    ]) {
      await page.click(`header >> text=${link}`);
      expect(await heading(page), link).toBe(title);
      expect(new URL(page.url()).pathname.startsWith('/demo/')).toBe(true);
      await page.reload();
      expect(await heading(page), `${link} reloaded`).toBe(title);
    }
    await page.goto(demo('/app/#/settings'));
    await page.click('nav.sub >> text=Billing');
    expect(await heading(page)).toBe('App: Billing');
    await page.goBack();
    expect(await heading(page)).toBe('App: Settings');
    const session = await sessionIdOf(page);
    const beforeClose = requests.length;
    await page.close({ runBeforeUnload: true });
    await waitFor('the page_leave of the closed page', () =>
      accepted(beforeClose).some(
        (e) => e.event_name == 'page_leave' && e.session_id == session && e.url == demo('/app/#/settings'),
      ),
    );
    expect(accepted(from).length).toBeGreaterThan(10);
    expectOnlyDemoPaths(from);
  });

  it('the full-page link, the outbound link and the custom event work; the guide points to the console', async () => {
    const from = requests.length;
    const page = await openDemo();
    await expect.poll(() => page.locator('ol.tour').textContent()).toContain('Events');
    await page.click('#custom');
    await waitForEvent(from, 'demo_custom_event', (e) => e.metadata?.source == 'demo');
    await page.click('#about');
    await page.waitForURL(demo('/about'));
    expect(await heading(page)).toBe('About us');
    await page.goBack();
    await page.click('#external');
    await waitForEvent(from, 'link_click', (e) => e.metadata?.href == 'https://example.com/');
    expect(page.cspViolations).toEqual([]);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
