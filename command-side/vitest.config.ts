import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Files run in parallel: each integration file makes its own topics, consumer groups and projects.
    // Hang guards, not timings: generous, since npm test runs packages side by side.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
