import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Files run in parallel: each integration file makes its own topics, consumer groups and projects.
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
