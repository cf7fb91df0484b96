/**
 * The overview's counters over the aggregate read models: events, unique users, sessions, page views,
 * and what every report leaves out, counted apart: bot traffic and the project's own traffic (from
 * its excluded address ranges), also on their own (`notCounted`). Each counter keeps its own
 * table's resolution (see stats.ts).
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import type { ReaderTables } from '@eventlens/read-model';
import { fromParam, iso, toParam, type Range } from '../http/params';
import { Timestamp, toCount } from './schemas';

const BotEvents = z
  .number()
  .int()
  .meta({
    description:
      'Bot traffic (crawlers, automated browsers) over the UTC days the range touches (bot_events_day): ' +
      'counted apart and left out of every other figure.',
  });
const ExcludedEvents = z
  .number()
  .int()
  .meta({
    description:
      "The project's own traffic: events received from its excluded address ranges (settings' " +
      '`excluded_address_ranges`, marked `context.excluded` at ingestion) over the UTC days the range ' +
      'touches (excluded_events_day): counted apart and left out of every other figure. An event that is ' +
      'also bot traffic counts in bot_events only.',
  });

export const OverviewQuery = z.strictObject({ from: fromParam, to: toParam });
export const Overview = z
  .object({
    from: Timestamp,
    to: Timestamp,
    events: z
      .number()
      .int()
      .meta({ description: 'Events in minutes overlapping the range (volume_minute).' }),
    unique_users: z.number().int().meta({
      description:
        'Distinct user keys (user_id, else anonymous_id) over the UTC days the range touches (daily_users).',
    }),
    sessions: z.number().int().meta({
      description: 'Sessions active in the range: first_seen < to and last_seen >= from.',
    }),
    page_views: z
      .number()
      .int()
      .meta({ description: 'Page views in hours overlapping the range (page_views_hour).' }),
    bot_events: BotEvents,
    excluded_events: ExcludedEvents,
  })
  .meta({ id: 'Overview' });

export const NotCounted = z
  .object({ from: Timestamp, to: Timestamp, bot_events: BotEvents, excluded_events: ExcludedEvents })
  .meta({ id: 'NotCounted' });

/** The first row's `n` of `sql` as a count (0 for none). */
async function count(db: Knex, sql: string, bindings: string[]): Promise<number> {
  const { rows } = await db.raw<{ rows: Array<{ n: string | null }> }>(sql, bindings);
  return toCount(rows[0]?.n);
}

/** A sum over a per-day table (bot_events_day, excluded_events_day): the UTC days `from`–`to` touches. */
const dayCount = (db: Knex, table: string, projectId: string, from: string, to: string) =>
  count(
    db,
    `select sum(count) as n from ${table}
       where project_id = ? and day >= (?::timestamptz)::date
         and day <= (?::timestamptz - interval '1 millisecond')::date`,
    [projectId, from, to],
  );

/**
 * What every report leaves out in `range`, counted apart: bot traffic and the project's own
 * (`NotCounted`). Two sums over per-day rows: what the Overview shows of the counters, without the
 * distinct count of users and the scan of sessions the whole `overview` makes.
 */
export async function notCounted(db: Knex, tables: ReaderTables, projectId: string, range: Range) {
  const from = iso(range.from);
  const to = iso(range.to);
  const [botEvents, excludedEvents] = await Promise.all([
    dayCount(db, tables.botEventsDay, projectId, from, to),
    dayCount(db, tables.excludedEventsDay, projectId, from, to),
  ]);
  return { from, to, bot_events: botEvents, excluded_events: excludedEvents };
}

export async function overview(db: Knex, tables: ReaderTables, projectId: string, range: Range) {
  const from = iso(range.from);
  const to = iso(range.to);
  const one = (sql: string, bindings: string[]) => count(db, sql, bindings);
  // Independent counters: run side by side on the pool rather than one after the other.
  const [events, uniqueUsers, sessions, pageViews, apart] = await Promise.all([
    one(
      `select sum(count) as n from ${tables.volumeMinute}
       where project_id = ? and minute >= date_trunc('minute', ?::timestamptz) and minute < ?::timestamptz`,
      [projectId, from, to],
    ),
    // select distinct (a hash aggregate) is several times faster here than count(distinct) (a sort).
    one(
      `select count(*) as n from (select distinct user_key from ${tables.dailyUsers}
         where project_id = ? and day >= (?::timestamptz)::date
           and day <= (?::timestamptz - interval '1 millisecond')::date) as u`,
      [projectId, from, to],
    ),
    one(
      `select count(*) as n from ${tables.sessions}
       where project_id = ? and last_seen >= ?::timestamptz and first_seen < ?::timestamptz`,
      [projectId, from, to],
    ),
    one(
      `select sum(views) as n from ${tables.pageViewsHour}
       where project_id = ? and hour >= date_trunc('hour', ?::timestamptz) and hour < ?::timestamptz`,
      [projectId, from, to],
    ),
    notCounted(db, tables, projectId, range),
  ]);
  return {
    from,
    to,
    events,
    unique_users: uniqueUsers,
    sessions,
    page_views: pageViews,
    bot_events: apart.bot_events,
    excluded_events: apart.excluded_events,
  };
}
