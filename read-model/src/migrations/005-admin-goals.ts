/**
 * admin 003: `project_settings` gains what ProjectSettingsChanged v2 adds — the project's goals and
 * the client address ranges it excludes from its reports. The fifth migration file of the
 * repository and the third of the admin kind (names count per kind, files across kinds).
 *
 * - `goals` (jsonb): the goals in the order given, each as the API shows it — `{"name", "event_name"}`
 *   or `{"name", "page_path"}` — which the query side reads whole (GET /v1/projects/{id}/settings, and
 *   the Stats API's `event:goal`). A list read and written whole, never queried inside: jsonb
 *   rather than a table of its own, so a settings row stays one row replaced at once.
 * - `excluded_address_ranges` (text[]): normalised CIDR as the record carries it (validated by the
 *   command side); text rather than PostgreSQL's `cidr[]`, which the reader's driver would hand over
 *   unparsed, and which nothing here matches against.
 *
 * Both default to empty, which is exactly what a v1 record means, so rows written before this
 * migration need no backfill (adding a column with a constant default rewrites nothing).
 */
import type { Knex } from 'knex';
import { ident } from '../catalog';

export async function up(db: Knex, schema: string): Promise<void> {
  await db.raw(
    `alter table ${ident(schema)}.project_settings
       add column goals                   jsonb  not null default '[]',
       add column excluded_address_ranges text[] not null default '{}'`,
  );
}
