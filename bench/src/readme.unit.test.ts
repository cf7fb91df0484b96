/** The README's table is the saved run's, and only the lines between the markers change. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { README_END, README_START, renderReadmeTable, replaceReadmeTable, type SavedRun } from './readme';

const run: SavedRun = {
  at: '2026-11-30T16:05:12.345Z',
  machine: '2 cores, 24 GiB, load 1.9',
  rows: [
    { figure: 'a', value: 200, unit: 'ms', aim: { atMost: 250 } },
    { figure: 'b', value: 300, unit: 'ms', aim: { atMost: 250 } },
    { figure: 'c', value: 1, unit: 'ms' },
  ],
};

describe('renderReadmeTable', () => {
  test('when, where, how many aims were met, then the table', () => {
    const lines = renderReadmeTable(run);
    expect(lines.slice(0, 2)).toEqual([
      'Run 2026-11-30 16:05 UTC on 2 cores, 24 GiB, load 1.9, the whole stack and the load on that machine:',
      '1 of 2 aims met.',
    ]);
    expect(lines.filter((l) => l.startsWith('| '))).toHaveLength(4);
  });

  test('a run of one benchmark says which', () => {
    expect(renderReadmeTable({ ...run, only: 'e2e' })[0]).toMatch(
      /^`BENCH_ONLY=e2e` run 2026-11-30 16:05 UTC/,
    );
  });
});

describe('replaceReadmeTable', () => {
  const readme = ['# T', README_START, 'old', README_END, 'after'].join('\n');

  test('replaces what is between the markers, nothing else', () => {
    expect(replaceReadmeTable(readme, ['new 1', 'new 2'])).toBe(
      ['# T', README_START, 'new 1', 'new 2', README_END, 'after'].join('\n'),
    );
  });

  test('missing, repeated or reversed markers throw', () => {
    expect(() => replaceReadmeTable('# T', [])).toThrow(/needs exactly one/);
    expect(() => replaceReadmeTable(`${readme}\n${README_START}`, [])).toThrow(/needs exactly one/);
    expect(() => replaceReadmeTable([README_END, README_START].join('\n'), [])).toThrow(/needs exactly one/);
  });
});

test("the repository's README holds the table of bench/results/readme.json", async () => {
  const root = path.join(import.meta.dirname, '..', '..');
  const saved = JSON.parse(
    await readFile(path.join(root, 'bench', 'results', 'readme.json'), 'utf8'),
  ) as SavedRun;
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  expect(replaceReadmeTable(readme, renderReadmeTable(saved))).toBe(readme);
});
