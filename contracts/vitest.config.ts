import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // A registration may be tried again for up to 75 s while the registry is starved (test/registered.ts).
    testTimeout: 90_000,
    // The integration files register every published version on the real registry in `beforeAll`.
    // That took over vitest's 10 s hook default once in CI, with every package's tests sharing two
    // cores; the other packages that talk to the stack give their hooks 60 s or more.
    hookTimeout: 90_000,
  },
});
