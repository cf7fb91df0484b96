/**
 * analytics 003: sessions as visits, for the web-analytics reports (visitors, visits, bounce rate,
 * visit duration, entry and exit pages, sources, UTM values, devices, countries).
 *
 * A visit is a session (`session_id`, given by the SDK). Its attributes are all the entry event's —
 * the earliest by (ts, event_id), the one `entry_event_id` already names — so they are the same
 * whatever order the events arrive in; the projection moves them together with the entry
 * (projections/src/analytics/visits.ts). The rules (bounce, engagement, source names, visitor
 * identity) are in docs/DESIGN.md, "Visits".
 * - `entry_path`, `exit_path`: the path of entry_url / exit_url, computed as page_views_hour's
 *   `path` is (no query string, no in-page anchor, hash routes kept).
 * - `entry_referrer`: the entry event's referrer as sent; `source`: its normalised source name
 *   (`utm_source` first, `Direct / None` when neither says where the visit came from).
 * - `utm_*`, `browser`, `os`, `device_type`, `country`: the entry event's EventTracked v2 fields.
 * - `is_bot`: whether the visit is bot traffic. The projection keeps bot-marked events out of every
 *   aggregate (they are counted in bot_events_day), so a visit is never made of them and the column
 *   is false on every row; it is there so that the reports' queries state the rule they rely on.
 * - `engagement_events`: events other than page_view and page_leave; `bounced` follows from it.
 *
 * Rows written before this migration get null attributes and 0 engagement events (so `bounced`
 * is true for their one-page visits): only the log knows them. `npm run projections -- rebuild
 * analytics` fills them, as for any new derived column.
 *
 * The index serves "visits that started in a range" (a visit counts where it starts), the time
 * axis of every visit report. No partial predicate on `is_bot`: it would exclude nothing.
 */
import type { Knex } from 'knex';
import { ident } from '../catalog';

export async function up(db: Knex, schema: string): Promise<void> {
  const sessions = `${ident(schema)}.sessions`;
  await db.raw(
    `alter table ${sessions}
       add column entry_path        text,
       add column exit_path         text,
       add column entry_referrer    text,
       add column source            text,
       add column utm_source        text,
       add column utm_medium        text,
       add column utm_campaign      text,
       add column utm_term          text,
       add column utm_content       text,
       add column browser           text,
       add column os                text,
       add column device_type       text,
       add column country           text,
       add column is_bot            boolean not null default false,
       add column engagement_events bigint  not null default 0,
       add column bounced           boolean generated always as (page_views = 1 and engagement_events = 0) stored`,
  );
  await db.raw(`create index sessions_started on ${sessions} (project_id, first_seen)`);
}
