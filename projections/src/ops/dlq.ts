/**
 * The `ops` DLQ indexer: reads every projection's DLQ topic into ops.dlq_records, so the console
 * can list failed records (and dlq:replay can re-inject them) without talking to Kafka. It keeps
 * ops.failure_counts' `dlq` stage: counted from the rows actually inserted, so a record forwarded
 * twice (see runtime/router.ts) is indexed and counted once.
 */
import { isUuid } from '../analytics/rows';
import { ident, type Queryable } from '../db';
import { readFailureHeaders } from '../runtime/headers';
import { ok, type Outcome } from '../runtime/outcome';
import type { ApplyResult, Projection, SourceRecord } from '../runtime/projection';

export interface DlqRow {
  projection: string;
  dlq_partition: number;
  dlq_offset: number;
  project_id: string | null;
  original_topic: string;
  original_partition: number;
  original_offset: number;
  error_code: string;
  error_message: string;
  attempts: number;
  failed_at: number;
  key: string | null;
  value_base64: string | null;
  generation: number;
}

const noNul = (text: string) => text.replaceAll('\u0000', '\uFFFD');

/** Pure: a DLQ record to its index row. Never fails: missing headers get defaults. */
export function toDlqRow(record: SourceRecord, projectionOfTopic: ReadonlyMap<string, string>): DlqRow {
  const self = { topic: record.topic, partition: record.partition, offset: record.offset };
  const info = readFailureHeaders(record.headers, self);
  return {
    projection: info.projection || projectionOfTopic.get(record.topic) || record.topic,
    dlq_partition: record.partition,
    dlq_offset: record.offset,
    project_id: info.projectId !== null && isUuid(info.projectId) ? info.projectId.toLowerCase() : null,
    original_topic: noNul(info.original.topic),
    original_partition: info.original.partition,
    original_offset: info.original.offset,
    error_code: noNul(info.errorCode),
    error_message: noNul(info.errorMessage),
    attempts: info.attempt,
    failed_at: info.failedAt || record.timestamp,
    key: record.key === null ? null : noNul(record.key.toString('utf8')),
    value_base64: record.value === null ? null : record.value.toString('base64'),
    generation: info.generation,
  };
}

export function createDlqIndexer(deps: {
  schema: string;
  /** DLQ topic → projection, for records without a projection header. */
  projectionOfTopic: ReadonlyMap<string, string>;
}): Projection<DlqRow> {
  return {
    name: 'ops',
    prepare: async (records) =>
      records.map((record): Outcome<DlqRow> => ok(toDlqRow(record, deps.projectionOfTopic))),
    apply: (tx, rows) => applyDlqRows(tx, deps.schema, rows),
  };
}

export async function applyDlqRows(
  tx: Queryable,
  schema: string,
  rows: readonly DlqRow[],
): Promise<ApplyResult> {
  const s = ident(schema);
  const result = await tx.query<{ projection: string; n: string }>(
    `with inserted as (
       insert into ${s}.dlq_records
         (projection, dlq_partition, dlq_offset, project_id, original_topic, original_partition, original_offset,
          error_code, error_message, attempts, failed_at, key, value_base64, generation)
       select projection, dlq_partition, dlq_offset, project_id, original_topic, original_partition, original_offset,
              error_code, error_message, attempts, to_timestamp(failed_at / 1000.0), key, value_base64, generation
         from json_to_recordset($1::json) as x(projection text, dlq_partition int, dlq_offset bigint, project_id uuid,
              original_topic text, original_partition int, original_offset bigint, error_code text,
              error_message text, attempts int, failed_at bigint, key text, value_base64 text, generation int)
       on conflict do nothing
       returning projection
     ), counted as (
       select projection, count(*) as n from inserted group by projection
     ), bump as (
       insert into ${s}.failure_counts as f (projection, stage, count)
       select projection, 'dlq', n from counted order by projection
       on conflict (projection, stage) do update set count = f.count + excluded.count
     )
     select projection, n from counted`,
    [JSON.stringify(rows)],
  );
  return { applied: result.rows.reduce((sum, row) => sum + Number(row.n), 0), failed: [] };
}
