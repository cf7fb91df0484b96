/**
 * Size budgets, measured as the README reports them: gzip level 9 (zlib), after `npm run build`.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const gzip = (code: string | Buffer) => gzipSync(code, { level: 9 }).length;
const sdk = new URL('..', import.meta.url).pathname;

/** What an app's bundler makes of `entry` (resolving `eventlens-js` through the package's exports map). */
const bundle = async (entry: string) => {
  const result = await build({
    stdin: { contents: entry, resolveDir: sdk, loader: 'js' },
    bundle: true,
    minify: true,
    treeShaking: true,
    format: 'esm',
    target: 'es2020',
    write: false,
  });
  return result.outputFiles[0]!.text;
};

describe('size', () => {
  // 2,412 bytes before client clocks (sent_at), the keepalive budget, code-point cuts, shadow roots, the
  // submit-button rule, hash routing and the automation switch; they add about 250, and the page title
  // and time zone of EventTracked v2 about 55, the visitor's localStorage switches (eventlens_ignore,
  // plausible_ignore) about 23. 2,741 with all of them; 2,722 since the plain-http UUID comes from a blob
  // URL; 2,788 with the page leave's scroll_depth (66); 2,736 with the same features since the plugins
  // reach the client as a list (one start for both inits) and the store's set is shortened too; 2,740 since
  // an SPA navigation's view starts after the navigation's task (it carries the title the app sets); 2,799
  // since the retry queue drops only the events a 400 names (one bad event took every queued one with it)
  // and frees its lock when a retry fails (a reload waited out the lock's 30 s); 2,817 since a page leave
  // sent offline goes to the retry queue (a beacon then is lost though sendBeacon answers true); 2,840 since
  // a host without a scheme is that host (as a relative URL every event went to the page itself); 2,870
  // since input buttons are buttons (their clicks went unseen, their submissions without text); 2,970
  // since a second copy on the page sends nothing (24 of it the console warning), reset ends the open
  // view, optOut works before init, metadata JSON cannot write is left out (the event was lost), object
  // names and ids are ignored ("[object Object]" was sent) and a form's id is its attribute. Every
  // feature left costs 10 to 110 bytes and tighter minifier settings gain nothing (README, "Sizes";
  // `npm run sizes` prints the breakdown): the budget holds today's size, not a target below it.
  it('the script-tag build (every default feature, minified IIFE) is at most 2,975 bytes gzipped', () => {
    const size = gzip(readFileSync(new URL('../dist/eventlens.min.js', import.meta.url)));
    console.log(`dist/eventlens.min.js: ${size} bytes gzip -9`);
    expect(size).toBeLessThanOrEqual(2975);
  });

  // 1,361 before a page leave sent offline is queued and a host without a scheme is that host (+45);
  // 1,406 before a second copy on the page sends nothing, unwritable metadata is left out and object
  // names are ignored (+64).
  it('a track-only import tree-shakes to at most 1,475 bytes gzipped', async () => {
    const code = await bundle(`import { init, track } from 'eventlens-js/core';
      init({ apiKey: 'el_0123456789abcdef', host: 'https://ingest.example' });
      track('signup');`);
    const size = gzip(code);
    console.log(`init + track from eventlens-js/core: ${size} bytes gzip -9`);
    // Tree-shaken for real: none of the plugins, none of the other functions came along.
    for (const left_out of ['pushState', 'button_click', 'el_l', '/v1/batch', 'el_q:'])
      expect(code).not.toContain(left_out);
    expect(size).toBeLessThanOrEqual(1475);
  });

  it('each plugin only adds its own code to a core bundle', async () => {
    const base = await bundle(`export { init, track } from 'eventlens-js/core';`);
    const sizes: Record<string, number> = {};
    for (const p of ['retry', 'autocapture', 'pageviews']) {
      const code = await bundle(
        `export { init, track } from 'eventlens-js/core'; export { ${p} } from 'eventlens-js/${p}';`,
      );
      sizes[p] = gzip(code) - gzip(base);
      expect(sizes[p]).toBeGreaterThan(100);
      expect(sizes[p]).toBeLessThan(600);
    }
    const full = await bundle(`export * from 'eventlens-js';`);
    console.log(
      `plugins add (gzip -9): ${JSON.stringify(sizes)}; everything from eventlens-js: ${gzip(full)}`,
    );
    expect(full).toContain('pushState');
    expect(full).toContain('button_click');
    expect(full).toContain('/v1/batch');
  });
});
