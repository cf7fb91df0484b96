export { loadConfig, PORT_ENV, REPO_ROOT, type StackConfig } from './config';
export { readDevFile, writeDevFile, DevFile } from './devfile';
export { stackForTests } from './testing';
export { StackError, type StackErrorCode } from './errors';
// Building blocks for tests that need a private component (e.g. a Kafka broker they may stop).
export { Supervisor } from './supervisor';
export { startKafka, startKafkaCluster, waitForKafka, type KafkaCluster } from './kafka';
export { ensureTopics, stackTopics } from './provision';
export { findJava } from './java';
export { REGISTRY_POOL } from './registry';
export { freePort, freePortRun } from './ports';
// Prometheus with the shipped monitoring/prometheus.yml (EVENTLENS_MONITORING=1, the monitoring tests).
export {
  findPrometheus,
  localTargets,
  MONITORING_DIR,
  prepareMonitoringDir,
  prometheusArgs,
  SCRAPE_JOBS,
  startPrometheus,
  type ScrapeJob,
  type ScrapeTargets,
} from './monitoring';
