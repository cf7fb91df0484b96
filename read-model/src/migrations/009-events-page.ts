/**
 * analytics 006 (file 009): `events.page`, the page of the event's URL as the reports name it,
 * written by the analytics projection (../pages.ts, `pagePath`: the path
 * without scheme, host, query or fragment, `/` when empty, plus a hash route), null when the event
 * has no URL. The ninth migration file and the sixth of the analytics kind.
 *
 * Why: every report on pages (`event:page` as a dimension or a filter, page goals, a funnel's page
 * steps) computed the page from the URL with regular expressions, for each event of the range, at
 * every request: at 10 million events the 24-hour top pages took 210 ms and the 30-day ones 5.4 s,
 * most of it in those expressions (README.md, "Performance"). A column written once per event turns
 * that into a read.
 *
 * The events projected before this migration get their page here, from the same rule written in
 * SQL (the query side's expression until this migration). It rewrites every row of `events` that
 * has a URL: minutes on a very large table, inside the migrate transaction, which holds a lock that
 * stops the projection's inserts (not the query side's reads) until it commits; autovacuum then
 * reclaims the old row versions. A rebuild from the log writes the column from the start.
 */
import type { Knex } from 'knex';
import { ident } from '../catalog';

/** The page of `url` in SQL: the same rule as `pagePath`, frozen here as this migration applied it. */
const PAGE_OF_URL =
  "coalesce(nullif(regexp_replace(split_part(split_part(url, '#', 1), ?, 1), ?, ''), ''), '/')" +
  " || coalesce(substring(url from ?), '')";

export async function up(db: Knex, schema: string): Promise<void> {
  const s = ident(schema);
  await db.raw(`alter table ${s}.events add column page text`);
  await db.raw(`update ${s}.events set page = ${PAGE_OF_URL} where url is not null`, [
    '?',
    '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*',
    '^[^#]*(#!?/[^?]*)',
  ]);
}
