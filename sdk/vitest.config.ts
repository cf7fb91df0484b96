import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Two kinds of tests, by cost:
 * - unit: the SDK's modules, the build, the package and its size (src/, test/*.test.ts);
 * - browser: real Chromium against the demo site and the running stack (test/*.browser.test.ts).
 *   Their deadlines are for a 2-core machine running every package's tests at once: a navigation
 *   or a round trip through Kafka that takes 50 ms when quiet can take seconds then, and how fast
 *   those are is the bench's to measure, not these tests'.
 */
const BROWSER = ['test/**/*.browser.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...BROWSER],
          environment: 'node',
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: BROWSER,
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          expect: { poll: { timeout: 15_000 } },
        },
      },
    ],
  },
});
