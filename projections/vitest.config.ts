import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration files spawn workers and share the stack's two cores: one file at a time.
    fileParallelism: false,
  },
});
