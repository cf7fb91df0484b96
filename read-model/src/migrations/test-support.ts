/**
 * For the migrations' integration tests: a schema of one test's own on the running stack's
 * PostgreSQL, made as the releases before the version table made it (001's DDL), so that the test
 * can put rows in it before `migrate()` applies every analytics migration to them, as the
 * projections do at start. Not exported from the package.
 */
import knex from 'knex';
import pg from 'pg';
import { stackForTests } from '@eventlens/stack';
import { ident } from '../catalog';
import { migrateReadModel } from '../migrate';
import { analyticsDdl } from './001-initial';

export interface OldSchema {
  /** Owner connections (2). */
  owner: pg.Pool;
  /** The query side's read-only role's URL. */
  readerUrl: string;
  /** Applies every analytics migration, then grants the reader its reads. */
  migrate(): Promise<void>;
  /** Drops the schema and closes the connections. */
  drop(): Promise<void>;
}

/** Creates `schema` (a name of the test's own, `rmN_<id>_analytics`) with 001's DDL. */
export async function oldAnalyticsSchema(schema: string): Promise<OldSchema> {
  const dev = await stackForTests();
  const s = ident(schema);
  const owner = new pg.Pool({ connectionString: dev.databaseUrl, max: 2 });
  const db = knex({ client: 'pg', connection: dev.databaseUrl, pool: { min: 0, max: 2 } });
  await owner.query(analyticsDdl(schema));
  const readerRole = decodeURIComponent(new URL(dev.readerDatabaseUrl).username);
  return {
    owner,
    readerUrl: dev.readerDatabaseUrl,
    async migrate() {
      await migrateReadModel(db, { kind: 'analytics', schema, readerRole });
    },
    async drop() {
      await owner.query(`drop schema if exists ${s} cascade`);
      await db.destroy();
      await owner.end();
    },
  };
}
