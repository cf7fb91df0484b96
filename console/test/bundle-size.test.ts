/**
 * The production bundle stays within its budget: 300 KB gzipped for every JS and CSS file of
 * dist/ together (ECharts included), with the routes split so the first page loads less.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';

const BUDGET = 300 * 1024;
const dist = fileURLToPath(new URL('../dist', import.meta.url));

function assets(): Array<{ name: string; raw: number; gzip: number; text: string }> {
  let names: string[];
  try {
    names = readdirSync(path.join(dist, 'assets'));
  } catch {
    throw new Error('console/dist is missing: run "npm run build -w console" (npm test builds it first)');
  }
  return names
    .filter((n) => n.endsWith('.js') || n.endsWith('.css'))
    .map((name) => {
      const body = readFileSync(path.join(dist, 'assets', name));
      return { name, raw: body.length, gzip: gzipSync(body).length, text: body.toString('utf8') };
    });
}

describe('bundle budget', () => {
  test(`all JS and CSS together stay within ${BUDGET / 1024} KB gzipped`, () => {
    const files = assets();
    const total = files.reduce((sum, f) => sum + f.gzip, 0);
    const report = files
      .sort((a, b) => b.gzip - a.gzip)
      .map((f) => `${(f.gzip / 1024).toFixed(1).padStart(7)} KB  ${f.name}`)
      .join('\n');
    console.log(
      `console bundle: ${(total / 1024).toFixed(1)} KB gzipped in ${files.length} files\n${report}`,
    );
    expect(files.length).toBeGreaterThan(5);
    expect(total, `bundle is ${(total / 1024).toFixed(1)} KB gzipped:\n${report}`).toBeLessThanOrEqual(
      BUDGET,
    );
  });

  test('routes are lazy: the entry chunk holds neither ECharts nor the views', () => {
    const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
    const entries = [...html.matchAll(/<script[^>]+src="\/assets\/([^"]+)"/g)].map((m) => m[1]!);
    const preloaded = [...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/assets\/([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    expect(entries).toHaveLength(1);
    const files = assets();
    for (const name of [...entries, ...preloaded]) {
      const file = files.find((f) => f.name === name)!;
      expect(file.text, `${name} is loaded with the first page`).not.toMatch(/_echarts_instance_/);
      expect(file.text).not.toContain('Dead-lettered records');
    }
    expect(files.some((f) => /_echarts_instance_/.test(f.text))).toBe(true);
  });
});
