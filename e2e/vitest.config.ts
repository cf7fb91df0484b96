import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The fault tests under load: each drives a steady rate against services of its own, kills or stops
 * a process, and reports throughput and latency figures. They are the project `load`, which
 * `npm run test:load` runs one file at a time; the root `npm test` runs it after every package's other
 * tests (scripts/test.sh), so no other test takes CPU from the rate they measure (or from the rate
 * they must keep offering). `npm test` here runs the rest, the project `e2e`.
 */
const LOAD_TESTS = [
  'src/kafka-failover.int.test.ts',
  'src/kafka-outage.int.test.ts',
  'src/projections-worker-loss.int.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 180_000,
    hookTimeout: 180_000,
    projects: [
      {
        extends: true,
        test: {
          // Isolated from each other: topics, consumer groups, schemas, projects and keys of their
          // own, private servers on free ports.
          name: 'e2e',
          include: ['src/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...LOAD_TESTS],
          // Two at a time (vitest's default on 2 cores is one): the image test mostly waits on
          // buildah and podman, and the other files on the services.
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
