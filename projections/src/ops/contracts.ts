/**
 * What the operator sees of the contracts (docs/contracts.md, "See the contracts"), kept in the ops
 * schema so the query side answers without talking to the registry:
 *
 * - `ops.schema_versions_seen (projection, schema_id, records)`: per projection and writer schema
 *   id (the Confluent wire format's id, `writerSchemaIdOf`), how many records the projection took
 *   so far — the rows handed to it and not refused by it, duplicates by event id included (the
 *   same records as the freshness histogram of ops/activity.ts). Written by
 *   `recordSchemaVersions` in the batch's own transaction, beside the checkpoint: a batch that
 *   rolls back counts nothing and is counted when applied again, so the counts are exact. A
 *   record is counted by the worker that applies it: the source worker, or the retry worker
 *   (same projection name) once it is due. A rebuild writes under `<name>:rebuild`.
 * - `ops.contract_subjects (record, subject, compatibility, refreshed_at)` and
 *   `ops.contract_versions (subject, version, schema_id)`: what the registry holds
 *   (`describeSubjects` of @eventlens/contracts), replaced in one transaction by the status
 *   refresher every CATALOG_REFRESH_MS (ops/status.ts). A registry outage leaves the last catalog.
 */
import { writerSchemaIdOf, type SubjectState } from '@eventlens/contracts';
import { ident, transaction, type Pool, type Queryable } from '../db';

/** How often the refresher asks the registry for the catalog: a few requests a minute at most. */
export const CATALOG_REFRESH_MS = 30_000;

/** Pure: records per writer schema id, sorted by id; values not in the wire format are left out. */
export function countBySchemaId(
  values: Iterable<Buffer | null>,
): Array<{ schemaId: number; records: number }> {
  const counts = new Map<number, number>();
  for (const value of values) {
    const id = writerSchemaIdOf(value);
    if (id !== null) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([schemaId, records]) => ({ schemaId, records }));
}

/**
 * Adds a batch's records per writer schema id to the projection's counts, in the caller's (the
 * batch's) transaction: one statement, nothing when the batch took no record in the wire format.
 */
export async function recordSchemaVersions(
  db: Queryable,
  opsSchema: string,
  batch: { projection: string; values: Iterable<Buffer | null> },
): Promise<void> {
  const counts = countBySchemaId(batch.values);
  if (counts.length === 0) return;
  // Ids in order, so concurrent batches of one projection lock the shared rows in one order.
  await db.query(
    `insert into ${ident(opsSchema)}.schema_versions_seen as s (projection, schema_id, records)
     select $1, x.schema_id, x.records from unnest($2::int[], $3::bigint[]) as x(schema_id, records)
      order by x.schema_id
     on conflict (projection, schema_id) do update set records = s.records + excluded.records`,
    [batch.projection, counts.map((c) => c.schemaId), counts.map((c) => c.records)],
  );
}

/**
 * Replaces the stored catalog with `subjects` (one transaction: a reader sees the old catalog or
 * the new one, never a mix). Returns the number of versions stored.
 */
export async function storeCatalog(
  pool: Pool,
  opsSchema: string,
  subjects: readonly SubjectState[],
): Promise<number> {
  const ops = ident(opsSchema);
  const versions = subjects.flatMap((s) =>
    s.versions.map((v) => ({ subject: s.subject, version: v.version, schema_id: v.id })),
  );
  await transaction(pool, async (tx) => {
    await tx.query(`delete from ${ops}.contract_versions`);
    await tx.query(`delete from ${ops}.contract_subjects`);
    await tx.query(
      `insert into ${ops}.contract_subjects (record, subject, compatibility, refreshed_at)
       select record, subject, compatibility, clock_timestamp()
         from json_to_recordset($1::json) as x(record text, subject text, compatibility text)`,
      [
        JSON.stringify(
          subjects.map((s) => ({ record: s.record, subject: s.subject, compatibility: s.level })),
        ),
      ],
    );
    await tx.query(
      `insert into ${ops}.contract_versions (subject, version, schema_id)
       select subject, version, schema_id
         from json_to_recordset($1::json) as x(subject text, version int, schema_id int)`,
      [JSON.stringify(versions)],
    );
  });
  return versions.length;
}
