/**
 * On a server (SSR: no window), importing the SDK does nothing and calling it throws nothing, from the
 * sources and from the built ESM and CommonJS files that npm would install.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type * as Index from '../src/index.js';

const require = createRequire(import.meta.url);
type Api = typeof Index;

const callEverything = (api: Api) => {
  api.init({ apiKey: 'el_test_0123456789abcdef', host: 'https://ingest.example' });
  api.track('e', { a: 1 });
  api.identify('u');
  api.reset();
  api.page();
  api.optOut();
  api.optIn();
};

describe('on a server', () => {
  it('has no window to begin with', () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
  });

  it.each([
    ['sources', () => import('../src/index.js')],
    ['dist ESM', () => import('../dist/index.js' as string) as Promise<Api>],
    ['dist CJS', async () => require('../dist/cjs/index.js') as Api],
    ['dist ESM core', () => import('../dist/core.js' as string) as Promise<Api>],
    ['dist CJS core', async () => require('../dist/cjs/core.js') as Api],
  ])('%s: import and every call do nothing and throw nothing', async (_name, load) => {
    const api = await load();
    expect(Object.keys(api).sort()).toEqual(
      expect.arrayContaining(['identify', 'init', 'optIn', 'optOut', 'page', 'reset', 'track']),
    );
    expect(() => callEverything(api)).not.toThrow();
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
  });

  it('the plugins load too, and each is a function', async () => {
    for (const name of ['autocapture', 'pageviews', 'retry']) {
      expect(typeof (await import(`../dist/${name}.js`))[name]).toBe('function');
      expect(typeof require(`../dist/cjs/${name}.js`)[name]).toBe('function');
    }
  });
});
