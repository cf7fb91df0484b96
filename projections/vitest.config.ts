import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The tests under load: worker processes of their own, a steady produce load, and kills whose
 * timing matters (the session timeout, a batch transaction open at the kill). They are the project
 * `load`, which `npm run test:load` runs one file at a time; the root `npm test` runs it after every
 * package's other tests (scripts/test.sh), so no other test takes CPU from the workers they watch.
 */
const LOAD_TESTS = ['src/runtime/crash.int.test.ts', 'src/runtime/rebalance.int.test.ts'];

export default defineConfig({
  test: {
    // Hang guards, not timings: the tests under load drive worker processes for minutes on a
    // machine that also runs other packages' tests (npm test runs them side by side).
    testTimeout: 300_000,
    hookTimeout: 180_000,
    projects: [
      {
        extends: true,
        test: {
          // Isolated from each other: topics, consumer groups and schemas (or a database) of their
          // own through the fixture. They mostly wait on Kafka and PostgreSQL, so two at a time,
          // although vitest's default on a 2-core machine is one.
          name: 'projections',
          include: ['src/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...LOAD_TESTS],
          maxWorkers: 2,
        },
      },
      {
        extends: true,
        test: {
          name: 'load',
          include: LOAD_TESTS,
          fileParallelism: false,
        },
      },
    ],
  },
});
