/**
 * The production bundle stays within two budgets, measured on the real build (dist/, which
 * `npm test` builds first when it is missing or stale) in gzip bytes at level 9, as
 * server/static.ts sends them, with 1 KB = 1024 bytes:
 *
 * - the initial JavaScript, what a first page load executes before any screen (the entry chunk of
 *   index.html and every chunk it imports statically, transitively, read from Vite's manifest):
 *   at most 150 KB = 153,600 bytes. Each screen, and ECharts and papaparse with the screens that
 *   use them, is loaded when it is opened;
 * - every JS and CSS file of dist/ together (ECharts included): at most 310 KB = 317,440 bytes. It
 *   catches a whole library pulled in where a part would do (all of ECharts is about 150 KB more
 *   than the two charts and three components used); it was 300 KB until the explorer's "Counted
 *   only" switch, its row badges and the "Other" bar's drill-down took the build to 300.5 KB.
 *
 * Both figures and the files behind them are printed, largest first.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Manifest } from 'vite';
import { describe, expect, test } from 'vitest';
import { initialChunks, kb, readBuild, sum, table } from './bundle';

const INITIAL_JS_BUDGET = 150 * 1024;
const TOTAL_BUDGET = 310 * 1024;
const dist = fileURLToPath(new URL('../dist', import.meta.url));

describe('initialChunks', () => {
  // A manifest of the shape Vite writes: the entry, a vendor chunk it imports and that imports a
  // helper back (a cycle), and a screen loaded on demand that imports a heavy library.
  const manifest: Manifest = {
    'index.html': {
      file: 'assets/index.js',
      src: 'index.html',
      isEntry: true,
      imports: ['_vendor.js'],
      dynamicImports: ['src/Screen.vue'],
      css: ['assets/index.css'],
    },
    '_vendor.js': { file: 'assets/vendor.js', imports: ['_helper.js'] },
    '_helper.js': { file: 'assets/helper.js', imports: ['_vendor.js'] },
    'src/Screen.vue': {
      file: 'assets/Screen.js',
      src: 'src/Screen.vue',
      isDynamicEntry: true,
      imports: ['_heavy.js', '_vendor.js'],
    },
    '_heavy.js': { file: 'assets/heavy.js' },
  };

  test('given the entry, when its static imports are followed, then the dynamic ones are left out', () => {
    expect(initialChunks(manifest)).toEqual(['index.html', '_vendor.js', '_helper.js']);
  });

  test('given a screen imported statically, then it and its imports are initial', () => {
    const eager: Manifest = {
      ...manifest,
      'index.html': { ...manifest['index.html']!, imports: ['src/Screen.vue'] },
    };
    expect(initialChunks(eager).sort()).toEqual([
      '_heavy.js',
      '_helper.js',
      '_vendor.js',
      'index.html',
      'src/Screen.vue',
    ]);
  });

  test('a manifest with no entry, or an import it does not list, is refused', () => {
    const { 'index.html': _entry, ...noEntry } = manifest;
    expect(() => initialChunks(noEntry)).toThrow('expected one entry in the manifest, found 0');
    const dangling: Manifest = {
      ...manifest,
      '_vendor.js': { file: 'assets/vendor.js', imports: ['_gone.js'] },
    };
    expect(() => initialChunks(dangling)).toThrow('the manifest imports _gone.js');
  });
});

describe('bundle budget (the real build)', () => {
  test(`the initial JavaScript stays within ${INITIAL_JS_BUDGET / 1024} KB gzipped`, () => {
    const build = readBuild(dist);
    const initial = sum(build.initialJs);
    const report = table(build.initialJs);
    console.log(
      `console initial JS: ${kb(initial)} gzipped in ${build.initialJs.length} files ` +
        `(plus ${kb(sum(build.initialCss))} CSS)\n${report}`,
    );
    expect(initial, `the initial JS is ${kb(initial)} gzipped:\n${report}`).toBeLessThanOrEqual(
      INITIAL_JS_BUDGET,
    );
  });

  test('index.html loads exactly the initial chunks: the entry script and its modulepreloads', () => {
    const build = readBuild(dist);
    const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script[^>]+src="\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
    const preloads = [...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/(assets\/[^"]+)"/g)].map(
      (m) => m[1]!,
    );
    expect(scripts).toHaveLength(1);
    expect([...scripts, ...preloads].sort()).toEqual(build.initialJs.map((a) => a.file).sort());
  });

  test(`all JS and CSS together stay within ${TOTAL_BUDGET / 1024} KB gzipped`, () => {
    const { assets } = readBuild(dist);
    const total = sum(assets);
    const report = table(assets);
    console.log(`console bundle: ${kb(total)} gzipped in ${assets.length} files\n${report}`);
    expect(assets.length).toBeGreaterThan(5);
    expect(total, `the bundle is ${kb(total)} gzipped:\n${report}`).toBeLessThanOrEqual(TOTAL_BUDGET);
  });

  test('routes are lazy: the initial chunks hold neither ECharts nor the views', () => {
    const build = readBuild(dist);
    for (const asset of build.initialJs) {
      expect(asset.text, `${asset.file} is loaded with the first page`).not.toMatch(/_echarts_instance_/);
      expect(asset.text, `${asset.file} is loaded with the first page`).not.toContain(
        'Dead-lettered records',
      );
    }
    expect(build.assets.some((a) => /_echarts_instance_/.test(a.text))).toBe(true);
    const entry = Object.values(build.manifest).find((chunk) => chunk.isEntry)!;
    expect(entry.dynamicImports).toEqual(
      expect.arrayContaining([
        'src/modules/overview/OverviewView.vue',
        'src/modules/pipeline/PipelineView.vue',
      ]),
    );
  });
});
