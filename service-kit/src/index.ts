/** The shared service kit: what every EventLens service builds on and no domain knows of. */
export {
  checkingIntervalMs,
  createHttpServer,
  DEFAULT_HTTP_LIMITS,
  startHttpServer,
  type HttpLimits,
  type ListenOptions,
} from './listener';
export {
  Counter,
  createMetricsRegistry,
  DROPPED_DEFAULT_METRICS,
  Gauge,
  Histogram,
  HTTP_DURATION_BUCKETS_SECONDS,
  httpMetrics,
  Registry,
  registryCacheMetrics,
  sendMetrics,
  type HttpMetricsOptions,
  type RegistryOptions,
} from './metrics';
