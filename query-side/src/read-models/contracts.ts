/**
 * The contracts as the operator sees them: each event record's registry subject, the compatibility
 * level the registry enforces on it, its versions with their schema ids, and per version how many
 * records each projection took. Read from ops only, never from the registry: the projections'
 * status refresher keeps the registry's catalog there (ops.contract_subjects, ops.contract_versions,
 * replaced whole every 30 s), and their workers count records per writer schema id in each batch's
 * transaction (ops.schema_versions_seen; projections/src/ops/contracts.ts).
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import type {
  ContractSubjectsRow,
  ContractVersionsRow,
  ReaderTables,
  SchemaVersionsSeenRow,
} from '@eventlens/read-model';
import { defineRoute, type AnyRoute } from '../http/route';
import { Timestamp, toCount, toIsoOrNull } from './schemas';

const Seen = z
  .array(
    z.object({
      projection: z.string().meta({ description: 'A rebuild counts under `<projection>:rebuild`.' }),
      records: z.number().int(),
    }),
  )
  .meta({
    description:
      'Per projection that took records of this schema id: how many (duplicates by event id included), ' +
      'by projection name.',
  });

export const Contracts = z
  .object({
    refreshed_at: Timestamp.nullable().meta({
      description: 'When the projections last stored the registry’s catalog; null before the first time.',
    }),
    subjects: z.array(
      z.object({
        record: z.string().meta({ description: 'The Avro record name, e.g. `EventTracked`.' }),
        subject: z.string().meta({ description: 'Its registry subject (record-name strategy).' }),
        compatibility: z
          .string()
          .nullable()
          .meta({ description: 'The level the registry enforces, e.g. `FULL_TRANSITIVE`; null: none.' }),
        versions: z
          .array(z.object({ version: z.number().int(), schema_id: z.number().int(), seen: Seen }))
          .meta({
            description: 'Registered versions, oldest first; none when the subject is not registered.',
          }),
      }),
    ),
    unlisted: z.array(z.object({ schema_id: z.number().int(), seen: Seen })).meta({
      description:
        'Writer schema ids the projections took records of that the stored catalog does not list ' +
        '(another subject, or a catalog not refreshed yet), by id.',
    }),
  })
  .meta({ id: 'Contracts' });

type Out = z.input<typeof Contracts>;

export async function contracts(db: Knex, tables: ReaderTables): Promise<Out> {
  const [subjects, versions, seen] = await Promise.all([
    db(tables.contractSubjects)
      .select<ContractSubjectsRow[]>('record', 'subject', 'compatibility', 'refreshed_at')
      .orderBy('record'),
    db(tables.contractVersions)
      .select<ContractVersionsRow[]>('subject', 'version', 'schema_id')
      .orderBy(['subject', 'version']),
    db(tables.schemaVersionsSeen)
      .select<SchemaVersionsSeenRow[]>('projection', 'schema_id', 'records')
      .orderBy(['schema_id', 'projection']),
  ]);
  const seenById = new Map<number, Out['unlisted'][number]['seen']>();
  for (const row of seen) {
    const list = seenById.get(row.schema_id) ?? [];
    list.push({ projection: row.projection, records: toCount(row.records) });
    seenById.set(row.schema_id, list);
  }
  const listed = new Set<number>();
  const refreshed = subjects.reduce<Date | null>(
    (latest, s) => (latest === null || s.refreshed_at > latest ? s.refreshed_at : latest),
    null,
  );
  return {
    refreshed_at: toIsoOrNull(refreshed),
    subjects: subjects.map((s) => ({
      record: s.record,
      subject: s.subject,
      compatibility: s.compatibility,
      versions: versions
        .filter((v) => v.subject === s.subject)
        .map((v) => {
          listed.add(v.schema_id);
          return { version: v.version, schema_id: v.schema_id, seen: seenById.get(v.schema_id) ?? [] };
        }),
    })),
    unlisted: [...seenById.entries()]
      .filter(([id]) => !listed.has(id))
      .map(([schema_id, list]) => ({ schema_id, seen: list })),
  };
}

export function contractRoutes(db: Knex, tables: ReaderTables): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/contracts',
      tag: 'pipeline',
      summary: 'Event contracts: subjects, compatibility, versions and the records each projection took',
      description:
        'Install-wide (ops.contract_subjects, ops.contract_versions, ops.schema_versions_seen), so any read key ' +
        'or console session may read it. The catalog is what the schema registry held when the projections ' +
        'last stored it (every 30 s); the counts are exact up to the last committed batch.',
      auth: 'caller',
      response: { status: 200, description: 'Every event record’s subject and versions.', schema: Contracts },
      handle: async () => contracts(db, tables),
    }),
  ];
}
