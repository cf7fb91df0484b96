import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Integration files make schemas of their own on the shared PostgreSQL.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
