import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    // The integration files register every published version on the real registry in `beforeAll`.
    // That took over vitest's 10 s hook default once in CI, with every package's tests sharing two
    // cores; the other packages that talk to the stack give their hooks 60 s or more.
    hookTimeout: 60_000,
  },
});
