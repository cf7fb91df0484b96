/**
 * Every package whose tests talk to the running stack (`*.int.test.*`) gives vitest's hooks at least
 * 60 s (docs/CONVENTIONS.md, "Tests"). A `beforeAll` that registers schemas, makes topics or starts a
 * server waits on Kafka, the registry or PostgreSQL; vitest's 10 s default once failed a whole file in
 * CI while every package's tests shared two cores.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const MIN_HOOK_TIMEOUT_MS = 60_000;

/** The `hookTimeout` a vitest config's text sets, in ms (`60_000` or `60000`), or undefined. */
export function hookTimeoutOf(configText: string): number | undefined {
  const match = /\bhookTimeout\s*:\s*([\d_]+)/.exec(configText);
  return match ? Number(match[1]!.replaceAll('_', '')) : undefined;
}

/** Whether `dir` holds an integration test file, outside node_modules and build output. */
function hasIntegrationTests(dir: string): boolean {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', 'server-dist', '.turbo'].includes(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() ? hasIntegrationTests(full) : /\.int\.test\.[cm]?[jt]s$/.test(entry.name)) {
      return true;
    }
  }
  return false;
}

const workspaces = (
  JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[] }
).workspaces;

describe('hook timeouts of the packages with integration tests', () => {
  it('reads the figure a config sets, and none where it sets none', () => {
    expect(hookTimeoutOf('test: { testTimeout: 30_000, hookTimeout: 60_000 }')).toBe(60_000);
    expect(hookTimeoutOf('test: { hookTimeout: 120000 }')).toBe(120_000);
    expect(hookTimeoutOf('test: { testTimeout: 30_000 }')).toBeUndefined();
  });

  const withIntegrationTests = workspaces.filter((w) => hasIntegrationTests(path.join(root, w)));

  it('finds the packages that talk to the stack', () => {
    expect(withIntegrationTests).toEqual(
      expect.arrayContaining(['contracts', 'projections', 'query-side', 'e2e']),
    );
  });

  it.each(withIntegrationTests)('%s gives its hooks at least 60 s', (workspace) => {
    const config = ['vitest.config.ts', 'vitest.config.mjs', 'vitest.config.js']
      .map((name) => path.join(root, workspace, name))
      .find((file) => existsSync(file));
    expect(config, `${workspace} has no vitest config`).toBeDefined();
    expect(hookTimeoutOf(readFileSync(config!, 'utf8')) ?? 10_000).toBeGreaterThanOrEqual(
      MIN_HOOK_TIMEOUT_MS,
    );
  });
});
