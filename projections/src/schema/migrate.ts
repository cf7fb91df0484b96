/**
 * Creates (or upgrades) a projection's schema and makes it readable by the query side's role.
 * Idempotent; concurrent callers (several workers starting at once) serialise on an advisory lock.
 */
import { adminDdl, analyticsDdl, opsDdl } from './ddl';
import { ident, transaction, type Pool, type Queryable } from '../db';

export type SchemaKind = 'analytics' | 'admin' | 'ops';

const DDL: Record<SchemaKind, (schema: string) => string> = {
  analytics: analyticsDdl,
  admin: adminDdl,
  ops: opsDdl,
};

export async function migrate(
  pool: Pool,
  options: { kind: SchemaKind; schema: string; readerRole: string },
): Promise<void> {
  await transaction(pool, async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`eventlens.migrate:${options.schema}`]);
    await tx.query(DDL[options.kind](options.schema));
    await grantRead(tx, options.schema, options.readerRole);
  });
}

/**
 * The reader role may use the schema and select from every table in it, including tables added
 * later by a migration (default privileges). Grants live on the objects, so they travel with a
 * schema when a rebuild renames it; the swap grants again anyway.
 */
export async function grantRead(db: Queryable, schema: string, role: string): Promise<void> {
  const s = ident(schema);
  const r = ident(role);
  await db.query(`grant usage on schema ${s} to ${r}`);
  await db.query(`grant select on all tables in schema ${s} to ${r}`);
  await db.query(`alter default privileges in schema ${s} grant select on tables to ${r}`);
}
