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
 *
 * One replay takes the records the DLQ held when it began, and no later ones: each DLQ partition's
 * last indexed offset is read first, and every chunk stays at or below it. Without that bound, a
 * replayed record that failed again and came back (the retry delays' sum later: 71 s by default,
 * 1.2 s in the tests) while later chunks were still being sent was a new unreplayed row, replayed
 * in the same run as the next generation, and so on: a DLQ of 4 still-bad records was once replayed
 * as 16 (generations 0 to 3) on a loaded machine.
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
  // The DLQ as it stands now: each partition's last indexed offset (as text: a bigint).
  const { rows: ends } = await deps.pool.query<{ dlq_partition: number; last: string }>(
    `select dlq_partition, max(dlq_offset)::text as last from ${ops}.dlq_records
      where projection = $1 group by dlq_partition`,
    [deps.projection],
  );
  const partitions = ends.map((e) => e.dlq_partition);
  const lasts = ends.map((e) => e.last);
  let replayed = 0;
  for (;;) {
    const { rows } = await deps.pool.query<DlqRecordRow>(
      `select d.dlq_partition, d.dlq_offset, d.project_id, d.original_topic, d.original_partition,
              d.original_offset, d.error_code, d.error_message, d.attempts, d.failed_at, d.key,
              d.value_base64, d.generation
         from ${ops}.dlq_records d
         join unnest($3::int[], $4::bigint[]) as b(dlq_partition, last)
           on b.dlq_partition = d.dlq_partition and d.dlq_offset <= b.last
        where d.projection = $1 and d.replayed_at is null
        order by d.dlq_partition, d.dlq_offset
        limit $2`,
      [deps.projection, chunkSize, partitions, lasts],
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
