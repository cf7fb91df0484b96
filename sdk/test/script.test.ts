/**
 * The script-tag build, dist/eventlens.min.js, run by happy-dom as a page would run it: a <script> tag
 * with data- attributes, nothing inline. (`npm test` builds dist first.)
 */
import { readFileSync } from 'node:fs';
import { Window } from 'happy-dom';
import { describe, expect, it } from 'vitest';
import type * as Index from '../src/index.js';
import { HOST, KEY, names, network } from './support.js';

const code = readFileSync(new URL('../dist/eventlens.min.js', import.meta.url), 'utf8');

/**
 * A page whose only script is the SDK, with these data- attributes on its tag (`copies` tags of it),
 * and the console warnings it printed.
 */
const load = (attributes: string, navigator: Record<string, unknown> = {}, copies = 1) => {
  const w = new Window({
    url: 'https://shop.example/',
    settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true },
  });
  const net = network();
  Object.assign(w, { fetch: net.fetch });
  Object.defineProperty(w.navigator, 'sendBeacon', { value: net.sendBeacon });
  // happy-dom reports itself as automated (navigator.webdriver); a visitor's browser does not.
  navigator = { webdriver: false, ...navigator };
  for (const [k, v] of Object.entries(navigator)) Object.defineProperty(w.navigator, k, { value: v });
  const warnings: string[] = [];
  Object.assign(w.console, { warn: (...args: unknown[]) => warnings.push(args.join(' ')) });
  const tag = `<script ${attributes}>${code}</script>`;
  w.document.write(`<!doctype html><body><button id="b">Buy</button>${tag.repeat(copies)}</body>`);
  const api = (w as unknown as { eventlens: typeof Index }).eventlens;
  return { w, net, api, warnings };
};

describe('the script tag', () => {
  it('initialises from data-api-key and data-host and exposes the global eventlens', () => {
    const { w, net, api } = load(`data-api-key="${KEY}" data-host="${HOST}"`);
    expect(Object.keys(api).sort()).toEqual([
      'identify',
      'init',
      'optIn',
      'optOut',
      'page',
      'reset',
      'track',
    ]);
    expect(names(net)).toEqual(['page_view']);
    expect(net.sent[0]!.url).toBe(`${HOST}/v1/events`);
    expect(net.events()[0]!.api_key).toBe(KEY);

    (w.document.getElementById('b') as unknown as HTMLElement).click();
    api.track('from_the_global', { ok: true });
    expect(names(net)).toEqual(['page_view', 'button_click', 'from_the_global']);
  });

  it('the tag twice on a page counts each event once: the second copy keeps the first copy’s global', () => {
    const { w, net, api, warnings } = load(`data-api-key="${KEY}" data-host="${HOST}"`, {}, 2);
    (w.document.getElementById('b') as unknown as HTMLElement).click();
    api.track('once');
    expect(names(net)).toEqual(['page_view', 'button_click', 'once']);
    expect(warnings).toEqual(['eventlens: loaded twice']);
  });

  it('data-autocapture="false" and data-pageviews="false" turn those off', () => {
    const { w, net, api } = load(
      `data-api-key="${KEY}" data-host="${HOST}" data-autocapture="false" data-pageviews="false"`,
    );
    (w.document.getElementById('b') as unknown as HTMLElement).click();
    w.history.pushState({}, '', '/next');
    api.track('only');
    expect(names(net)).toEqual(['only']);
  });

  it('data-respect-dnt honours Do Not Track', () => {
    const { net, api } = load(`data-api-key="${KEY}" data-host="${HOST}" data-respect-dnt`, {
      doNotTrack: '1',
    });
    api.track('nothing');
    expect(net.sent).toHaveLength(0);
  });

  it('without data-respect-dnt, Do Not Track is not consulted', () => {
    const { net } = load(`data-api-key="${KEY}" data-host="${HOST}"`, { doNotTrack: '1' });
    expect(names(net)).toEqual(['page_view']);
  });

  it('without data-api-key it waits for eventlens.init', () => {
    const { net, api } = load('');
    expect(net.sent).toHaveLength(0);
    api.init({ apiKey: KEY, host: HOST, pageviews: false });
    api.track('manual');
    expect(names(net)).toEqual(['manual']);
  });

  it('skips an automated browser unless data-allow-automation is set', () => {
    const robot = load(`data-api-key="${KEY}" data-host="${HOST}"`, { webdriver: true });
    robot.api.track('nothing');
    expect(robot.net.sent).toHaveLength(0);
    const allowed = load(`data-api-key="${KEY}" data-host="${HOST}" data-allow-automation`, {
      webdriver: true,
    });
    expect(names(allowed.net)).toEqual(['page_view']);
    const off = load(`data-api-key="${KEY}" data-host="${HOST}" data-allow-automation="false"`, {
      webdriver: true,
    });
    expect(off.net.sent).toHaveLength(0);
  });

  it('data-hash-routing makes hash routes pages and keeps them in the url; without it the fragment is left out', async () => {
    const on = load(`data-api-key="${KEY}" data-host="${HOST}" data-hash-routing`);
    on.w.location.hash = '#/settings';
    on.w.dispatchEvent(new on.w.HashChangeEvent('hashchange'));
    // A navigation's view starts once the navigation's task is over.
    await new Promise((resolve) => on.w.setTimeout(resolve, 0));
    expect(on.net.events().map((e) => `${e.event_name} ${e.url}`)).toEqual([
      'page_view https://shop.example/',
      'page_leave https://shop.example/',
      'page_view https://shop.example/#/settings',
    ]);
    const off = load(`data-api-key="${KEY}" data-host="${HOST}"`);
    off.w.location.hash = '#/settings';
    off.w.dispatchEvent(new off.w.HashChangeEvent('hashchange'));
    off.api.track('here');
    expect(off.net.events().map((e) => `${e.event_name} ${e.url}`)).toEqual([
      'page_view https://shop.example/',
      'here https://shop.example/',
    ]);
  });
});
