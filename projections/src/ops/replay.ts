/**
 * `dlq:replay <projection>`: re-injects the projection's DLQ records that were not replayed yet.
 * Each goes to retry.1, due now, with its original key, value and coordinates and its generation
 * bumped; the retry consumer applies it like any retry (idempotent by event id). If it fails
 * again it walks the retry topics to the DLQ once more and gets a new ops.dlq_records row (the
 * generation is part of that row's identity).
 *
 * Order: produce (acks = all), then mark `replayed_at`. A crash in between replays those records
 * again next time; re-applying is idempotent and a second failure of the same generation is
 * indexed once.
 */
import { ident, type Queryable } from '../db';
import type { Producer } from '../kafka';
import type { Logger } from '@eventlens/service-kit';
import { writeFailureHeaders } from '../runtime/headers';

export const REPLAYED_FROM_HEADER = 'eventlens-replayed-from';

export interface ReplayDeps {
  /** A pool, or the ops worker's batch transaction (replays requested through the admin topic). */
  pool: Queryable;
  producer: Producer;
  opsSchema: string;
  projection: string;
  /** The projection's first retry topic. */
  retryTopic: string;
  logger: Logger;
  clock?: () => number;
  chunkSize?: number;
}

interface DlqRecordRow {
  dlq_partition: number;
  dlq_offset: string;
  project_id: string | null;
  original_topic: string;
  original_partition: number;
  original_offset: string;
  error_code: string;
  error_message: string;
  attempts: number;
  failed_at: Date;
  key: string | null;
  value_base64: string | null;
  generation: number;
}

export async function replayDlq(deps: ReplayDeps): Promise<{ replayed: number }> {
  const clock = deps.clock ?? Date.now;
  const ops = ident(deps.opsSchema);
  const chunkSize = deps.chunkSize ?? 500;
  let replayed = 0;
  for (;;) {
    const { rows } = await deps.pool.query<DlqRecordRow>(
      `select dlq_partition, dlq_offset, project_id, original_topic, original_partition, original_offset,
              error_code, error_message, attempts, failed_at, key, value_base64, generation
         from ${ops}.dlq_records
        where projection = $1 and replayed_at is null
        order by dlq_partition, dlq_offset
        limit $2`,
      [deps.projection, chunkSize],
    );
    if (rows.length === 0) break;
    const now = clock();
    await deps.producer.sendBatch({
      acks: -1,
      topicMessages: [
        {
          topic: deps.retryTopic,
          messages: rows.map((row) => ({
            key: row.key,
            value: row.value_base64 === null ? null : Buffer.from(row.value_base64, 'base64'),
            headers: {
              ...writeFailureHeaders({
                projection: deps.projection,
                errorCode: row.error_code,
                errorMessage: row.error_message,
                attempt: row.attempts,
                original: {
                  topic: row.original_topic,
                  partition: row.original_partition,
                  offset: Number(row.original_offset),
                },
                failedAt: row.failed_at.getTime(),
                dueAt: now,
                projectId: row.project_id,
                generation: row.generation + 1,
              }),
              [REPLAYED_FROM_HEADER]: `${row.dlq_partition}/${row.dlq_offset}`,
            },
          })),
        },
      ],
    });
    await deps.pool.query(
      `update ${ops}.dlq_records set replayed_at = now()
        where projection = $1 and (dlq_partition, dlq_offset) in (select * from unnest($2::int[], $3::bigint[]))`,
      [deps.projection, rows.map((r) => r.dlq_partition), rows.map((r) => r.dlq_offset)],
    );
    replayed += rows.length;
    deps.logger.info('replayed DLQ records', {
      projection: deps.projection,
      count: rows.length,
      to: deps.retryTopic,
    });
  }
  return { replayed };
}
