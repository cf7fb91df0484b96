/**
 * Dead-lettered records, from ops.dlq_records (kept by the projections' ops worker): the caller's
 * project's records newest first, keyset-paged by (failed_at, projection, dlq partition, offset).
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { PROJECTIONS } from '@eventlens/contracts';
import type { DlqRecordsRow, ReaderTables } from '@eventlens/read-model';
import { cursorTimestampSql, decodeCursor, encodeCursor } from '../http/cursor';
import { cursorParam, limitParam } from '../http/params';
import { defineRoute, type AnyRoute } from '../http/route';
import { NextCursor, Timestamp, Uuid, toCount, toIso, toIsoOrNull } from './schemas';

export const DlqQuery = z.strictObject({
  // An enum, not any text: a misspelt name is a 400 naming the field, not an empty list that reads
  // as "no dead letters".
  projection: z
    .enum(PROJECTIONS)
    .optional()
    .meta({ description: `Only this projection’s DLQ: one of ${PROJECTIONS.join(', ')}.` }),
  cursor: cursorParam,
  limit: limitParam(50),
});

export const DlqRecord = z
  .object({
    projection: z.string(),
    dlq_partition: z.number().int(),
    dlq_offset: z.number().int(),
    project_id: Uuid.nullable().meta({
      description: 'Null when the record could not be attributed (console only).',
    }),
    original_topic: z.string(),
    original_partition: z.number().int(),
    original_offset: z.number().int(),
    error_code: z.string(),
    error_message: z.string(),
    attempts: z.number().int(),
    failed_at: Timestamp,
    key: z.string().nullable(),
    value_base64: z.string().nullable().meta({ description: 'The raw record, decodable or not.' }),
    replayed_at: Timestamp.nullable(),
  })
  .meta({ id: 'DlqRecord' });

export const DlqPage = z
  .object({ items: z.array(DlqRecord), next_cursor: NextCursor })
  .meta({ id: 'DlqPage' });

type DlqRow = Omit<DlqRecordsRow, 'generation'> & { failed_at_key: string };

export interface DlqInput {
  projectId: string;
  /** Console sessions also see records that could not be attributed to a project. */
  includeUnattributed: boolean;
  projection?: string;
  cursor?: string;
  limit: number;
}

export async function listDlq(
  db: Knex,
  tables: ReaderTables,
  input: DlqInput,
): Promise<z.input<typeof DlqPage>> {
  const q = db(tables.dlqRecords).select<DlqRow[]>([
    'projection',
    'dlq_partition',
    'dlq_offset',
    'project_id',
    'original_topic',
    'original_partition',
    'original_offset',
    'error_code',
    'error_message',
    'attempts',
    'failed_at',
    'key',
    'value_base64',
    'replayed_at',
    db.raw(`${cursorTimestampSql('failed_at')} as failed_at_key`),
  ]);
  q.where((w) => {
    w.where('project_id', input.projectId);
    if (input.includeUnattributed) w.orWhereNull('project_id');
  });
  if (input.projection !== undefined) q.where('projection', input.projection);
  if (input.cursor !== undefined) {
    const [failedAt, projection, partition, offset] = decodeCursor('dlq', input.cursor);
    q.whereRaw('(failed_at, projection, dlq_partition, dlq_offset) < (?::timestamptz, ?, ?, ?)', [
      failedAt,
      projection,
      partition,
      offset,
    ]);
  }
  const rows = await q
    .orderBy([
      { column: 'failed_at', order: 'desc' },
      { column: 'projection', order: 'desc' },
      { column: 'dlq_partition', order: 'desc' },
      { column: 'dlq_offset', order: 'desc' },
    ])
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      projection: r.projection,
      dlq_partition: r.dlq_partition,
      dlq_offset: toCount(r.dlq_offset),
      project_id: r.project_id,
      original_topic: r.original_topic,
      original_partition: r.original_partition,
      original_offset: toCount(r.original_offset),
      error_code: r.error_code,
      error_message: r.error_message,
      attempts: r.attempts,
      failed_at: toIso(r.failed_at),
      key: r.key,
      value_base64: r.value_base64,
      replayed_at: toIsoOrNull(r.replayed_at),
    })),
    next_cursor:
      rows.length > input.limit && last
        ? encodeCursor('dlq', [
            last.failed_at_key,
            last.projection,
            last.dlq_partition,
            toCount(last.dlq_offset),
          ])
        : null,
  };
}

export function dlqRoutes(db: Knex, tables: ReaderTables): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/dlq',
      tag: 'pipeline',
      summary: 'Dead-lettered records',
      description:
        "The caller's project's records, newest first; console sessions also see records that could not be " +
        'attributed to any project (project_id null).',
      auth: 'project',
      query: DlqQuery,
      response: { status: 200, description: 'A page of DLQ records.', schema: DlqPage },
      handle: async ({ auth, query }) =>
        listDlq(db, tables, {
          projectId: auth.projectId,
          includeUnattributed: auth.caller.kind === 'console',
          limit: query.limit,
          ...(query.projection !== undefined ? { projection: query.projection } : {}),
          ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
        }),
    }),
  ];
}
