/**
 * Creates or upgrades a projection's schema with the read models' migrations
 * (`@eventlens/read-model`: the version table inside the schema, one transaction, an advisory lock
 * per schema, adoption of schemas made before the version table) and makes it readable by the
 * query side's role.
 *
 * The workers use node-postgres directly; knex's migrator needs a knex instance, so each call
 * opens one connection of its own with the pool's settings (URL, TLS, timeouts, application name)
 * and closes it when done. Migrations run at start-up and at a rebuild only.
 */
import knex from 'knex';
import { migrateReadModel, type MigrateOptions, type MigrateResult } from '@eventlens/read-model';
import type { Pool } from '../db';

/**
 * Migrates `options.schema` (of `options.kind`) to the latest migration and grants
 * `options.readerRole` read access. Resolves with the migrations applied; rejects with the error of
 * a failed migration (nothing of the call is committed then) or of the connection.
 */
export async function migrate(pool: Pool, options: MigrateOptions): Promise<MigrateResult> {
  // The pool's client settings (its own ones are ignored by a client); no custom type parsers are set.
  const { types: _types, ...connection } = pool.options;
  const db = knex({
    client: 'pg',
    connection,
    pool: { min: 0, max: 1 },
    // Errors reach the caller as rejections; knex's own console output would break JSON logs.
    log: {
      warn: () => undefined,
      error: () => undefined,
      deprecate: () => undefined,
      debug: () => undefined,
    },
  });
  try {
    return await migrateReadModel(db, options);
  } finally {
    await db.destroy();
  }
}
