/**
 * admin 004: `public_links`, a project's public dashboard links (PublicLinkCreated, and
 * PublicLinkRevoked setting `revoked_at`). The eighth migration file of the repository and the fourth
 * of the admin kind (names count per kind, files across kinds).
 *
 * The query side reads it to exchange a link's token for a grant (by `token_hash`, the hex SHA-256
 * of the token: unique, and its index serves that lookup), to check on every request of a grant that
 * its link is not revoked (by `link_id`, the primary key), and to list a project's links for the
 * console (`public_links_project`). The token itself is never stored, the password only as its
 * scrypt hash. No foreign key to `projects`, for the reason 002 gives (a rebuild must not depend on
 * the order of statements within a batch).
 */
import type { Knex } from 'knex';
import { ident } from '../catalog';

export async function up(db: Knex, schema: string): Promise<void> {
  const table = `${ident(schema)}.public_links`;
  await db.raw(
    `create table ${table} (
       link_id       uuid        primary key,
       project_id    uuid        not null,
       token_hash    text        not null unique,
       token_prefix  text        not null,
       password_hash text,
       created_at    timestamptz not null,
       created_by    text,
       revoked_at    timestamptz,
       revoked_by    text
     )`,
  );
  await db.raw(`create index public_links_project on ${table} (project_id, created_at desc, link_id desc)`);
}
