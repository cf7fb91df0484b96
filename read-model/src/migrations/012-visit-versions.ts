/**
 * analytics 009 (file 012): each visit's browser and OS versions, from its entry event as its other
 * client fields, so that `visit:browser_version` and `visit:os_version` (Plausible's) are read from
 * the visits. The twelfth migration file and the ninth of the analytics kind.
 *
 * - `sessions.browser_version`, `sessions.os_version` (text): the entry event's (the one
 *   `entry_event_id` names; docs/DESIGN.md, "Visits"), as the command side derives them from the
 *   User-Agent: the browser's major version (`124`), the OS version (`14.4.1`); null where unknown.
 *   The analytics projection writes them with the visit's other entry fields
 *   (projections/src/analytics/visits.ts).
 *
 * The visits projected before this migration get them here, from their entry events in the table:
 * one join on the events' primary key per visit (1.9 million visits of 10 million events: minutes,
 * inside the migrate transaction, which stops the projection's inserts, not the query side's reads,
 * until it commits).
 */
import type { Knex } from 'knex';
import { ident } from '../catalog';

export async function up(db: Knex, schema: string): Promise<void> {
  const s = ident(schema);
  await db.raw(`alter table ${s}.sessions add column browser_version text, add column os_version text`);
  await db.raw(
    `update ${s}.sessions t set browser_version = e.browser_version, os_version = e.os_version
       from ${s}.events e
      where e.project_id = t.project_id and e.event_id = t.entry_event_id
        and (e.browser_version is not null or e.os_version is not null)`,
  );
}
