/**
 * Unit tests only (src/**\/*.unit.test.ts): the settings and the report's shape. The benchmarks
 * themselves load the machine for minutes and are never part of `npm test`.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.unit.test.ts'],
    // The seed's traffic tests check 20,000 generated events and their visits: about 2 s on a quiet
    // 2-core machine, past the 5 s default while the other packages' tests share the cores.
    testTimeout: 30_000,
  },
});
