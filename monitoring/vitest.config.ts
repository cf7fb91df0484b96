import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Files run in parallel: each Prometheus has its own free port and storage, and what the traffic
    // through the running stack leaves in the metrics is checked as "at least", never exactly. Vitest's
    // default of one worker per core but one keeps a 2-core machine at one file at a time.
  },
});
