/**
 * Unit tests only (src/**\/*.unit.test.ts): the settings and the report's shape. The benchmarks
 * themselves load the machine for minutes and are never part of `npm test`.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.unit.test.ts'],
  },
});
