import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each *.int.test.ts creates and drops its own database on the shared PostgreSQL.
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
