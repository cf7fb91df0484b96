import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Files run in parallel: each integration file starts its processes in a scratch home of its own,
    // on free ports, with databases named for the run. Vitest's default of one worker per core but
    // one keeps a 2-core machine at one file (and its Java processes) at a time.
  },
});
