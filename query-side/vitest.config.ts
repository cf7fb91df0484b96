import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Files run in parallel: each *.int.test.ts creates and drops its own database on the shared
    // PostgreSQL (the logout test also its own topics and groups). They mostly wait on PostgreSQL,
    // so two at a time, although vitest's default on a 2-core machine is one.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
