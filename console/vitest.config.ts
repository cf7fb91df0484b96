/**
 * Three kinds of tests, by cost:
 * - dom: components and stores in happy-dom, on a fake API client (src/**\/*.test.ts);
 * - node: the console server, the bundle budget, the no-v-html rule (server/, test/*.test.ts);
 * - browser: real Chromium against the running stack (test/*.browser.test.ts).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        extends: './vite.config.ts',
        test: {
          name: 'dom',
          environment: 'happy-dom',
          include: ['src/**/*.test.ts'],
          restoreMocks: true,
          // A file's first test mounts the whole app and compiles its views: seconds on a busy
          // 2-core machine, beyond the 5 s default.
          testTimeout: 15_000,
        },
      },
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['server/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/**/*.browser.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'browser',
          environment: 'node',
          include: ['test/**/*.browser.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // A screen's answer polled for (expect.poll) may take seconds while every package's tests
          // run at once on 2 cores, beyond the poll's default second; how fast it answers is the
          // bench's to measure, not these tests'.
          expect: { poll: { timeout: 15_000 } },
          fileParallelism: false,
        },
      },
    ],
  },
});
