import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Files run in parallel: each *.int.test.ts creates and drops its own database on the shared
    // PostgreSQL (the logout test also its own topics and groups). They mostly wait on PostgreSQL,
    // so two at a time, although vitest's default on a 2-core machine is one.
    maxWorkers: 2,
    // Hang guards, not timings: generous, since npm test runs packages side by side.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
