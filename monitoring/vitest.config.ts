import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The integration files start a Prometheus each: one at a time on a 2-core machine.
    fileParallelism: false,
  },
});
