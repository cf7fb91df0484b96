export {
  TrackEvent,
  TrackBatch,
  BatchItem,
  CreateProject,
  IssueApiKey,
  RevokeApiKey,
  RegisterUser,
  ReplayDlq,
  ApiKeyKind,
  writeKeyPattern,
  jsonDepth,
  metadataJson,
  SERVER_CONTEXT_KEYS,
  EXCLUDED_CONTEXT_KEY,
  BOT_CONTEXT_KEY,
  EARLIEST_TIMESTAMP_MS,
  LATEST_TIMESTAMP_MS,
} from './commands';
export {
  CreatePublicLink,
  ProjectSettings,
  Goal,
  Goals,
  AddressRange,
  TimeZoneName,
  Hostname,
  isCanonicalTimeZone,
  CANONICAL_TIME_ZONE,
  PagePath,
  type ProjectGoal,
  type ProjectSettingsInput,
} from './settings';
export {
  parseJsonExact,
  checkExact,
  stringProblem,
  formatPath,
  EXACT_MESSAGES,
  RESERVED_KEY,
  type ExactIssue,
  type ExactOptions,
  type ExactParseResult,
  type PathSegment,
} from './exact';
export {
  AVRO_SCHEMAS,
  EVENT_SCHEMAS,
  EVENT_TYPES,
  AVRO_NAMESPACE,
  subjectOf,
  type EventType,
  type EventOf,
  type AnyEvent,
  type EventTracked,
  type ProjectCreated,
  type ProjectSettingsChanged,
  type ProjectGoalRecord,
  type ApiKeyIssued,
  type ApiKeyRevoked,
  type UserRegistered,
  type DlqReplayRequested,
  type ConsoleSessionStarted,
  type ConsoleSessionRevoked,
  type PublicLinkCreated,
  type PublicLinkRevoked,
  type AvroRecordSchema,
} from './events';
export { AVRO_HISTORY } from './avro-history.generated';
export {
  COMPATIBILITY_LEVELS,
  SUBJECT_COMPATIBILITY,
  checkKeptFields,
  checkVersions,
  resolutionProblem,
  rulesOf,
  type CompatibilityLevel,
  type Incompatibility,
  type ResolutionProblem,
} from './compatibility';
export {
  checkAgainstRegistry,
  describeSubjects,
  type RegistryCheckOptions,
  type RegistryCheckResult,
  type SubjectState,
} from './registry-check';
export { LIMITS } from './limits';
export { pagePatternRegex, matchesPagePattern } from './goals';
export {
  ADDRESS_RANGE_MAX_LENGTH,
  compileAddressRanges,
  normaliseAddressRange,
  type AddressRangeResult,
  type AddressRanges,
} from './address-ranges';
export {
  TOPICS,
  PROJECTIONS,
  RETRY_DELAYS_MS,
  retryTopic,
  dlqTopic,
  topicSpecs,
  type TopicSpec,
  type ProjectionName,
} from './topics';
export {
  CACHE_LOOKUPS,
  createCodec,
  CodecError,
  writerSchemaIdOf,
  type CacheLookup,
  type Codec,
  type CodecErrorCode,
  type CodecOptions,
  type RegistryAuth,
} from './codec';
export {
  CONNECTION_ENV,
  checkConnectionEnv,
  kafkaSecurityFrom,
  registryAuthFrom,
  kafkaClientOptions,
  type KafkaSecurity,
} from './kafka-client';
export {
  SESSION_COOKIE,
  CSRF_HEADER,
  SESSION_TTL_MS,
  USER_AGENT_MAX,
  issueSessionToken,
  verifySessionToken,
  type ConsoleSession,
  type TokenPurpose,
} from './session';
export {
  SHARE_AUTH_SCHEME,
  SHARE_GRANT_TTL_MS,
  SHARE_TOKEN_PATTERN,
  SHARE_TOKEN_PREFIX_LENGTH,
  generateShareToken,
  hashShareToken,
  issueShareGrant,
  verifyShareGrant,
  type ShareGrant,
} from './share';
export { hashApiKey, generateApiKey, KEY_PREFIX_LENGTH } from './keys';
export { hashPassword, verifyPassword, type PasswordHashOptions } from './password';
