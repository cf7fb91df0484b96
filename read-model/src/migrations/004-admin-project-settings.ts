/**
 * admin 002: `project_settings`, each project's settings from its latest ProjectSettingsChanged —
 * the default time zone of its reports and the domains it declares (the Stats API takes a domain as
 * `site_id`). The fourth migration file of the repository and the second of the admin kind: the
 * numbers of migration names count per kind (migrations.unit.test.ts), file names across kinds.
 *
 * A project without a row has the defaults, which the columns' defaults spell out (UTC, no domains).
 * `updated_at` is the record's `changed_at`: the projection keeps the row of the latest one, so a
 * record read again (a retry, a rebuild) changes nothing. The GIN index serves "which project
 * declares this domain" (`domains @> array[$1]`), the Stats API's lookup. No foreign key to
 * `projects`: admin history has one partition, so a project's creation is applied first anyway, and
 * a rebuild must not depend on the order of statements within a batch.
 */
import type { Knex } from 'knex';
import { ident } from '../catalog';

export async function up(db: Knex, schema: string): Promise<void> {
  const table = `${ident(schema)}.project_settings`;
  await db.raw(
    `create table ${table} (
       project_id uuid        primary key,
       time_zone  text        not null default 'UTC',
       domains    text[]      not null default '{}',
       updated_at timestamptz not null
     )`,
  );
  await db.raw(`create index project_settings_domains on ${table} using gin (domains)`);
}
