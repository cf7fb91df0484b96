/**
 * Creates or upgrades one projection kind's schema with knex's migrator, and makes it readable by
 * the query side's role.
 *
 * - The version table lives inside the schema it describes (`<schema>.schema_migrations`, and
 *   knex's lock table `<schema>.schema_migrations_lock`), so a rebuild that migrates
 *   `<schema>_rebuild` and renames it into place takes its history with it, and each schema (each
 *   prefix, each rebuild) has its own.
 * - Everything runs in one transaction: the schema, the migrations, their record and the grants
 *   commit together or not at all.
 * - Concurrent callers (several workers starting at once, a rebuild beside a live worker) queue on
 *   a transaction-scoped advisory lock per schema, `eventlens.migrate:<schema>` (the key the
 *   releases before the version table took, so they queue with those too); knex's own lock row is
 *   then always free, since the one holding it holds the advisory lock.
 * - Adoption: a schema made by the `if not exists` DDL of earlier releases has no version table.
 *   Migration 001 is that DDL, still idempotent, so it runs as a no-op on such a schema (adding
 *   only what an older release lacked) and is recorded; nothing is dropped or rewritten.
 */
import type { Knex } from 'knex';
import { ident, MIGRATIONS_TABLE, type ReadModelKind } from './catalog';
import { MIGRATIONS, type ReadModelMigration } from './migrations';

export interface MigrateOptions {
  kind: ReadModelKind;
  /** The schema to migrate: `<prefix><kind>`, or `<prefix><kind>_rebuild` during a rebuild. */
  schema: string;
  /** The query side's role, granted read access to the schema (grantRead). */
  readerRole: string;
}

export interface MigrateResult {
  /** Names of the migrations applied by this call, in order; empty when the schema was current. */
  applied: string[];
}

/** Thrown when a migration is asked to run backwards: read models only move forward. */
export class IrreversibleMigrationError extends Error {
  override readonly name = 'IrreversibleMigrationError';
}

/**
 * knex's migration source for one kind, bound to one schema: knex asks it for the list (in order)
 * and for each migration's `up`. `down` refuses (IrreversibleMigrationError).
 */
export function migrationSource(
  kind: ReadModelKind,
  schema: string,
): Knex.MigrationSource<ReadModelMigration> {
  return {
    getMigrations: async () => [...MIGRATIONS[kind]],
    getMigrationName: (migration) => migration.name,
    getMigration: async (migration) => ({
      up: (db: Knex) => migration.up(db, schema),
      down: async () => {
        throw new IrreversibleMigrationError(
          `${schema}: ${migration.name} cannot be undone; add a migration or rebuild the read model from the log`,
        );
      },
    }),
  };
}

/** The migrator's options for a schema: the version table inside it. */
export function migratorConfig(kind: ReadModelKind, schema: string): Knex.MigratorConfig {
  return {
    migrationSource: migrationSource(kind, schema),
    schemaName: schema,
    tableName: MIGRATIONS_TABLE,
  };
}

/**
 * Migrates `options.schema` to the latest migration of its kind and grants the reader role read
 * access, in one transaction on `db` (a pool of the schema owner's role). Resolves with the
 * migrations it applied. A migration that fails rolls everything back and rejects with its error.
 * Waits for the schema's advisory lock (bounded by the connection's lock_timeout, if any); a
 * migration itself may run past the connection's statement_timeout (a new index on a large table).
 */
export async function migrateReadModel(db: Knex, options: MigrateOptions): Promise<MigrateResult> {
  const { kind, schema, readerRole } = options;
  return db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`eventlens.migrate:${schema}`]);
    await trx.raw('set local statement_timeout = 0');
    // knex creates its version table inside the schema, so the schema comes first.
    await trx.raw(`create schema if not exists ${ident(schema)}`);
    const [, applied] = (await trx.migrate.latest(migratorConfig(kind, schema))) as [number, string[]];
    await grantRead(trx, schema, readerRole);
    return { applied };
  });
}

/** What runs SQL text: a knex instance or transaction (`raw`), or a node-postgres client or pool (`query`). */
export type SqlRunner =
  { raw(sql: string): PromiseLike<unknown> } | { query(sql: string): PromiseLike<unknown> };

/** The statements that let `role` read every table of `schema`, present and future. */
export function grantReadStatements(schema: string, role: string): string[] {
  const s = ident(schema);
  const r = ident(role);
  return [
    `grant usage on schema ${s} to ${r}`,
    `grant select on all tables in schema ${s} to ${r}`,
    `alter default privileges in schema ${s} grant select on tables to ${r}`,
  ];
}

/**
 * The reader role may use the schema and select from every table in it, including tables added
 * later by a migration (default privileges). Grants live on the objects, so they travel with a
 * schema when a rebuild renames it; the swap grants again anyway.
 */
export async function grantRead(db: SqlRunner, schema: string, role: string): Promise<void> {
  for (const statement of grantReadStatements(schema, role)) {
    if ('raw' in db) await db.raw(statement);
    else await db.query(statement);
  }
}
