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
  EVENT_STAGE_BUCKETS_SECONDS,
  EVENT_STAGES,
  eventStageHistogram,
  Gauge,
  Histogram,
  HTTP_DURATION_BUCKETS_SECONDS,
  httpMetrics,
  Registry,
  registryCacheMetrics,
  sendMetrics,
  type EventStage,
  type HttpMetricsOptions,
  type RegistryOptions,
} from './metrics';
export {
  ConfigError,
  KafkaBrokers,
  parseEnv,
  readPemFile,
  RegistryUrl,
  TrustedProxies,
  trustedProxies,
  type ParseEnvOptions,
} from './config';
export {
  createLogger,
  describeError,
  kafkaLogCreator,
  LOG_ENV,
  logOptionsFrom,
  recordingLogger,
  silentLogger,
  type KafkaLogEntry,
  type RecordedLine,
  type LogFields,
  type LogFormat,
  type Logger,
  type LoggerOptions,
  type LogLevel,
} from './logger';
export {
  healthHandlers,
  readinessAnswer,
  runChecks,
  type CheckResult,
  type HealthOptions,
  type ReadinessAnswer,
  type ReadinessCheck,
} from './health';
export { closeServer, onShutdown, type ShutdownOptions } from './shutdown';
export { retry, type RetryOptions } from './retry';
export {
  restartAfterCrash,
  type ConsumerCrashEvent,
  type RestartableConsumer,
  type RestartOptions,
} from './consumer-restart';
export {
  ACCEPTED_BODY_ENCODINGS,
  bodyParserError,
  pathDecodeError,
  malformedQuery,
  MalformedQueryError,
  rejectMalformedQuery,
  createErrorHandler,
  errorBody,
  sendError,
  type BodyErrorCode,
  type ErrorAnswer,
  type ErrorBody,
  type ErrorHandlerOptions,
  type FieldError,
} from './http-errors';
export {
  allowedMethods,
  methodNotAllowed,
  unroutedHandler,
  type MethodNotAllowed,
  type UnroutedOptions,
  type UnroutedRequest,
} from './method-not-allowed';
export {
  linkFromHeaders,
  SpanKind,
  startTracing,
  traceHeaders,
  tracesExporterConfigured,
  tracingActive,
  withSpan,
  type Attributes,
  type Link,
  type Span,
  type SpanOptions,
  type Tracing,
} from './tracing';
