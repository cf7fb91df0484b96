/**
 * analytics 013 (file 016): `page_views_hour` keyed by a digest of its page, so that every page an
 * event may carry fits its key. The sixteenth migration file and the thirteenth of the analytics kind.
 *
 * - **Why:** the table's primary key was (project_id, hour, path), and a btree entry holds at most
 *   2,704 bytes. A URL may have 2,048 UTF-16 units (contracts' LIMITS), so a path of about 900 CJK
 *   characters (2,700 bytes of UTF-8 that do not compress) made the projection's upsert fail: the
 *   event was accepted (202), then dead-lettered with `index row size … exceeds btree version 4
 *   maximum 2704`, and missing from every read model.
 * - **Now** the unique key is `page_views_hour_key` on (project_id, hour, md5(path)): 16 + 8 + 33
 *   bytes whatever the page, and the projection's upsert names that key (`on conflict (project_id,
 *   hour, md5(path))`). md5 is the digest PostgreSQL marks immutable, which an index on an
 *   expression needs (sha256 of text needs `convert_to`, only stable); two pages of one hour with
 *   one digest would be counted as one, at 2^-128 a pair, only between paths made to collide, and
 *   only in the project that sent them. Reads (the Overview's top pages, `event:page` by page views
 *   from the hours) scan (project_id, hour) ranges and read `path` and `views` from the table, as
 *   they did under the primary key, which did not hold `views`.
 * - The table has no primary key after this; its rows are unique by the key above.
 */
import type { Knex } from 'knex';
import { ident } from '../catalog';

export async function up(db: Knex, schema: string): Promise<void> {
  const s = ident(schema);
  await db.raw(`alter table ${s}.page_views_hour drop constraint page_views_hour_pkey`);
  await db.raw(
    `create unique index page_views_hour_key on ${s}.page_views_hour (project_id, hour, md5(path))`,
  );
}
