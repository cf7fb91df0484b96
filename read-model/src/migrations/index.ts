/**
 * The migrations of each kind's schema, in order. The version table of a schema
 * (`<schema>.schema_migrations`, knex's format: id, name, batch, migration_time) records the names
 * applied, and `migrateReadModel` (migrate.ts) applies the rest in order.
 *
 * Adding a migration: append `{ name, up }` to its kind's list, named `NNN_what` with the kind's next
 * number (names sort in order and are never renamed once released); files are numbered across kinds. `up(db, schema)` runs inside the
 * migrate transaction with `db` bound to it, and must name the schema only through `schema` (a
 * rebuild migrates `<schema>_rebuild`). Never edit a released migration: a rename, a drop or a
 * backfill is a new one. There is no `down`: read models move forward, and a mistake is undone by
 * another migration or by a rebuild from the log. docs/CONVENTIONS.md, "Read-model migrations".
 */
import type { Knex } from 'knex';
import type { ReadModelKind } from '../catalog';
import { adminDdl, analyticsDdl, opsDdl } from './001-initial';
import * as eventsPageViews from './002-events-page-views';
import * as visits from './003-visits';
import * as projectSettings from './004-admin-project-settings';
import * as goals from './005-admin-goals';
import * as reportIndexes from './006-report-indexes';
import * as excludedEvents from './007-excluded-events';
import * as publicLinks from './008-admin-public-links';
import * as eventsPage from './009-events-page';
import * as visitVisitors from './010-visit-visitors';
import * as pageIndexes from './011-page-indexes';
import * as visitVersions from './012-visit-versions';
import * as eventsVacuum from './013-events-vacuum';
import * as pageLeaveMeasures from './014-page-leave-measures';
import * as visitKey from './015-visit-key';
import * as pageViewsHourKey from './016-page-views-hour-key';
import * as countedThrough from './017-ops-counted-through';

export interface ReadModelMigration {
  /** `NNN_what`: the name the version table records. */
  readonly name: string;
  /** Applies the change to `schema`, inside the migrate transaction (`db` is bound to it). */
  up(db: Knex, schema: string): Promise<void>;
}

/**
 * SQL text as knex's `raw` must be given it to send it unchanged: knex reads each `?` as a
 * placeholder (the jsonb operators `?`, `?|`, `?&` included), and `\?` is its escape for a literal one.
 */
export function escapeForKnex(sql: string): string {
  return sql.replaceAll('?', '\\?');
}

/** SQL text of several statements, sent as one simple query. */
async function runSql(db: Knex, sql: string): Promise<void> {
  await db.raw(escapeForKnex(sql));
}

const initial = (ddl: (schema: string) => string): ReadModelMigration => ({
  name: '001_initial',
  up: (db, schema) => runSql(db, ddl(schema)),
});

export const MIGRATIONS: Readonly<Record<ReadModelKind, readonly ReadModelMigration[]>> = {
  analytics: [
    initial(analyticsDdl),
    { name: '002_events_page_views', up: eventsPageViews.up },
    { name: '003_visits', up: visits.up },
    { name: '004_excluded_events', up: excludedEvents.up },
    { name: '005_report_indexes', up: reportIndexes.up },
    { name: '006_events_page', up: eventsPage.up },
    { name: '007_visit_visitors', up: visitVisitors.up },
    { name: '008_page_indexes', up: pageIndexes.up },
    { name: '009_visit_versions', up: visitVersions.up },
    { name: '010_events_vacuum', up: eventsVacuum.up },
    { name: '011_page_leave_measures', up: pageLeaveMeasures.up },
    { name: '012_visit_key', up: visitKey.up },
    { name: '013_page_views_hour_key', up: pageViewsHourKey.up },
  ],
  admin: [
    initial(adminDdl),
    { name: '002_project_settings', up: projectSettings.up },
    { name: '003_goals', up: goals.up },
    { name: '004_public_links', up: publicLinks.up },
  ],
  ops: [initial(opsDdl), { name: '002_counted_through', up: countedThrough.up }],
};
