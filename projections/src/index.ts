/** The projections package's public surface: what the CLI, tests and the bench script use. */
export { loadConfig, type Config } from './config';
export { ConfigError } from '@eventlens/service-kit';
export {
  startProjections,
  runProjections,
  migrateAll,
  RUN_TARGETS,
  type RunTarget,
  type Service,
} from './service';
export { createApp } from './app';
export { rebuild, RebuildError } from './rebuild/rebuild';
export { replayDlq } from './ops/replay';
export { topology, allTopics, PROJECTION_NAMES, type Topology, type ProjectionTopology } from './topology';
export { migrate } from './schema/migrate';
export { HEADER as FAILURE_HEADERS } from './runtime/headers';
