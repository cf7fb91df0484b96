/**
 * For the migrations' integration tests: a schema of one test's own on the running stack's
 * PostgreSQL, made as the releases before the version table made it (001's DDL), so that the test
 * can put rows in it before `migrate()` applies every analytics migration to them, as the
 * projections do at start. Not exported from the package.
 */
import knex from 'knex';
import pg from 'pg';
import { stackForTests } from '@eventlens/stack';
import { humanEvents, ident } from '../catalog';
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

/** [session, user id, anonymous id, minute after 2026-03-01T10:00Z, context] of a page view. */
export type OldPageView = [string, string | null, string | null, number, Record<string, string>?];

/**
 * Inserts `views` of `project` into the schema's events, then the visits the projection made of
 * them before any migration: one per session, of its human events only (first and last instant,
 * counts), with none of the columns later migrations add.
 */
export async function insertPageViewsAndVisits(
  owner: pg.Pool,
  schema: string,
  project: string,
  views: readonly OldPageView[],
): Promise<void> {
  const s = ident(schema);
  for (const [session, user, anonymous, minute, context = {}] of views) {
    await owner.query(
      `insert into ${s}.events (project_id, event_id, event_name, session_id, user_id, anonymous_id, ts, received_at, context)
       values ($1, gen_random_uuid(), 'page_view', $2, $3, $4, timestamptz '2026-03-01T10:00:00Z' + $5 * interval '1 minute', now(), $6)`,
      [project, session, user, anonymous, minute, JSON.stringify(context)],
    );
  }
  await owner.query(
    `insert into ${s}.sessions (project_id, session_id, first_seen, last_seen, event_count, page_views)
     select project_id, session_id, min(ts), max(ts), count(*), count(*) from ${s}.events e
      where ${humanEvents('e')} group by 1, 2`,
  );
}
