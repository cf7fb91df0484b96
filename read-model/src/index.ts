/**
 * `@eventlens/read-model`: the contract between the projections (which create and write the read
 * models) and the query side (which reads them): the catalog of schemas and tables, the rows the
 * query side reads, the freshness histogram's buckets, and the migrations with their runner.
 */
export {
  ident,
  MIGRATIONS_TABLE,
  READ_MODEL_KINDS,
  DIRECT_SOURCE,
  EXCLUDED_CONTEXT_KEY,
  humanEvents,
  indexedPage,
  longPage,
  PAGE_INDEX_MAX_BYTES,
  visitSpan,
  readerTables,
  SCHEMA_PREFIX_PATTERN,
  schemaNames,
  SCHEMAS,
  TABLES,
  type ReaderTables,
  type ReadModelKind,
} from './catalog';
export type * from './rows';
export {
  bucketValue,
  FRESHNESS_MAX_MS,
  FRESHNESS_RELATIVE_ACCURACY,
  freshnessBucket,
  freshnessHistogram,
  histogramQuantile,
  MAX_BUCKET,
  minuteOf,
  type FreshnessBucket,
} from './freshness';
export { escapeForKnex, MIGRATIONS, type ReadModelMigration } from './migrations';
export { pagePath } from './pages';
export { LEAVE_DURATION_MAX_MS, PAGE_LEAVE, pageLeaveMeasures, type PageLeaveMeasures } from './page-leaves';
export { channelSql, SOURCE_CATEGORIES, type SourceCategory } from './channels';
export { COUNTRY_NAMES, countryNameSql } from './countries';
export {
  grantRead,
  grantReadStatements,
  IrreversibleMigrationError,
  migrateReadModel,
  migrationSource,
  migratorConfig,
  type MigrateOptions,
  type MigrateResult,
  type SqlRunner,
} from './migrate';
