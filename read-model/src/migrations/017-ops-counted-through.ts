/**
 * ops 002 (file 017): `counted_through`, per projection (as ops names it: `analytics`,
 * `analytics:rebuild`) and source partition, the offset below which every record has been counted
 * in the ops figures (`projection_throughput`, `projection_freshness`, `schema_versions_seen`). The
 * seventeenth migration file and the second of the ops kind.
 *
 * - **Why:** a rebuild swaps in a schema whose checkpoints may trail the live worker's (by at most
 *   its `maxLag`); the live worker then seeks back and applies those records again to the new
 *   schema, rightly, and counted them again in ops, which the swap does not touch: a rebuild under
 *   200 events/s added 90 and 100 records to the Pipeline's throughput and the Contracts' "records
 *   seen". The read model was exact.
 * - **Now** a batch reads the mark with its checkpoint, counts in ops only its records at or above
 *   it, and moves it in the statement that adds its throughput, all in its own transaction
 *   (projections/src/runtime/apply.ts), with no round trip more per batch. A record is counted once
 *   per ops name, however often it is applied. ops is not swapped, so the mark survives the rebuild; a rebuild's
 *   own name starts from no mark (its rows are deleted when it starts).
 */
import type { Knex } from 'knex';
import { ident } from '../catalog';

export async function up(db: Knex, schema: string): Promise<void> {
  await db.raw(
    `create table ${ident(schema)}.counted_through (
       projection text not null,
       topic text not null,
       partition integer not null,
       next_offset bigint not null,
       primary key (projection, topic, partition))`,
  );
}
