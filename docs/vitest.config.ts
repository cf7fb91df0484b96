import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Some tests run ESLint or read every file: hang guards, generous since npm test runs packages side by side.
    testTimeout: 60_000,
  },
});
