/** sdk/serve.js: the demo page and the script-tag build, served by a real Node HTTP server. */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS without types, on purpose (not part of the package)
import { createDemoHandler, DEMO_PATHS } from '../serve.js';

type Handler = (req: unknown, res: unknown) => boolean;
const KEY = 'el_demo_0123456789abcdef';
let server: Server;
let base: string;

beforeAll(async () => {
  const demo: Handler = createDemoHandler({ apiKey: KEY, host: 'http://127.0.0.1:4000/ignored/path' });
  server = createServer((req, res) => {
    if (!demo(req, res)) res.writeHead(404).end('not mine');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('createDemoHandler', () => {
  it('serves the demo page with the write key and the ingestion origin filled in, under a strict CSP', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy')!;
    const directives = csp.split(';').map((d) => d.trim());
    expect(directives).toContain("script-src 'self'");
    expect(csp).toContain('connect-src http://127.0.0.1:4000');
    const html = (await res.text()).replace(/\s+/g, ' ');
    expect(html).toContain(
      `<script src="/demo/eventlens.min.js" data-api-key="${KEY}" data-host="http://127.0.0.1:4000" data-hash-routing data-allow-automation defer></script>`,
    );
    expect(html).toContain('<script src="/demo/demo.js" defer></script>');
    expect(html).not.toContain('__EVENTLENS_');
    // What the demo must show: buttons, a link, a form, a plain div, the signup_cta button, SPA links.
    expect(html).toContain('data-eventlens="signup_cta" data-eventlens-plan="pro"');
    for (const part of [
      '<form',
      'id="plain"',
      '<a id="about" href="/demo/about"',
      '<a href="/demo/pricing" data-spa',
      '<a href="#/settings"',
      '<a id="external" href="https://example.com/"',
      '<button id="add-to-cart"',
      '<demo-help',
    ])
      expect(html).toContain(part);
    // Every link of the site stays under its base; the icon is empty data (`data:,`), so the browser
    // asks for no /favicon.ico outside it (img-src allows data:).
    for (const [, href] of html.matchAll(/href="([^"]*)"/g))
      expect(href).toMatch(/^(\/demo\/|#|https:\/\/example\.com\/|data:,$)/);
    expect(html).toContain('<link rel="icon" href="data:," />');
    // No inline script: every <script> has a src.
    expect(html.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull();
  });

  it("serves the page at every path, so that a reload after pushState works: 200 at the demo's pages, 404 elsewhere", async () => {
    const page = await (await fetch(`${base}/`)).text();
    for (const path of DEMO_PATHS as string[]) {
      const res = await fetch(base + path + '?x=1');
      expect(res.status, path).toBe(200);
      expect(await res.text()).toBe(page);
    }
    const missing = await fetch(`${base}/no/such/page`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await missing.text()).toBe(page);
  });

  it('has a section in the page for each of its pages', () => {
    const html = readFileSync(new URL('../demo/index.html', import.meta.url), 'utf8');
    const sections = [...html.matchAll(/<section data-page="([^"]+)"/g)].map((m) => m[1]);
    const pages = (DEMO_PATHS as string[]).filter((p) => p != '/index.html' && p != '/app/');
    expect(sections.sort()).toEqual([...pages, '404'].sort());
  });

  it('mounts at another base, and leaves out data-allow-automation when told to', async () => {
    const other = createDemoHandler({
      apiKey: KEY,
      host: 'http://127.0.0.1:4000',
      base: '/',
      allowAutomation: false,
    }) as Handler;
    let body = '';
    const res = { writeHead: () => res, end: (b: string) => (body = b) };
    expect(other({ method: 'GET', url: '/pricing', headers: {} }, res)).toBe(true);
    expect(body).toContain('<script src="/eventlens.min.js"');
    expect(body).toContain('<a href="/pricing" data-spa');
    expect(body).not.toContain('data-allow-automation');
    expect(() => createDemoHandler({ apiKey: KEY, host: 'http://x', base: 'demo' })).toThrow(TypeError);
    expect(() => createDemoHandler({ apiKey: KEY, host: 'http://x', base: '/a"b/' })).toThrow(TypeError);
  });

  it('serves dist/eventlens.min.js as JavaScript, revalidated by ETag', async () => {
    const res = await fetch(`${base}/eventlens.min.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe(readFileSync(new URL('../dist/eventlens.min.js', import.meta.url), 'utf8'));
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const again = await fetch(`${base}/eventlens.min.js`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('serves /demo.js, the page behaviour kept out of line', async () => {
    const res = await fetch(`${base}/demo.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await res.text()).toContain('history.pushState');
  });

  it('answers HEAD without a body', async () => {
    const res = await fetch(`${base}/eventlens.min.js`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(1000);
    expect(await res.text()).toBe('');
  });

  it('leaves every other method alone (returns false)', async () => {
    expect(await (await fetch(`${base}/v1/events`, { method: 'POST', body: '{}' })).text()).toBe('not mine');
    expect(await (await fetch(`${base}/`, { method: 'POST', body: '{}' })).text()).toBe('not mine');
  });

  it('escapes the values it puts into the page, and refuses a host that is not an http(s) URL', async () => {
    const evil = createDemoHandler({
      apiKey: 'el_"><script>alert(1)</script>',
      host: 'https://ingest.example',
    }) as Handler;
    let body = '';
    const res = { writeHead: () => res, end: (b: string) => (body = b) };
    expect(evil({ method: 'GET', url: '/', headers: {} }, res)).toBe(true);
    expect(body).not.toContain('<script>alert');
    expect(body).toContain('data-api-key="el_&#34;&#62;&#60;script&#62;');
    expect(() => createDemoHandler({ apiKey: KEY, host: 'javascript:alert(1)' })).toThrow(TypeError);
    expect(() => createDemoHandler({ apiKey: KEY, host: 'not a url' })).toThrow();
    expect(() => createDemoHandler({ apiKey: '', host: 'https://ingest.example' })).toThrow(TypeError);
  });
});
