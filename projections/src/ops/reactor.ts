/**
 * The `ops` reactor. It runs in the worker loop like a projection (a batch and its checkpoints in
 * one PostgreSQL transaction) but it is not one: besides indexing every projection's DLQ topic
 * into ops tables (ops/dlq.ts), it follows the admin topic and acts on `DlqReplayRequested`
 * (appended by the command side for the console's "Replay" button) by running `replayDlq` for that
 * projection, which produces to Kafka. Its effects reach beyond its schema, so it is never rebuilt
 * from offset 0 (that would replay every request again); its tables are an index of the DLQs.
 *
 * Once per request id: the request id is inserted into ops.dlq_replay_requests and the DLQ
 * records are selected, re-injected (produced with acks = all) and marked `replayed_at` in the
 * batch transaction, the one that moves the admin topic's checkpoint. A request seen again (the
 * same event appended twice, or a batch redone after a crash before its commit) finds its id and
 * does nothing; a crash after producing and before the commit re-injects those records again on
 * the next attempt, which every consumer downstream absorbs (idempotent by event id; a record
 * failing again is indexed once per generation), the same argument as the router's forwards.
 *
 * Every other admin event is ignored. A request the worker cannot act on (not a uuid, an unknown
 * projection, an undecodable record) is a failed record: this worker has no retry topics, so it
 * is logged and dropped, and the partition keeps going.
 */
import { PROJECTIONS, type AnyEvent, type Codec, type DlqReplayRequested } from '@eventlens/contracts';
import { isUuid } from '../analytics/rows';
import { ident, type Queryable } from '../db';
import type { Producer } from '../kafka';
import type { Logger } from '@eventlens/service-kit';
import { ok, retry, type Outcome } from '../runtime/outcome';
import { prepareEvents, type ApplyResult, type Projection, type SourceRecord } from '../runtime/projection';
import { applyDlqRows, toDlqRow, type DlqRow } from './dlq';
import { replayDlq } from './replay';

export type OpsAction =
  { kind: 'dlq'; row: DlqRow } | { kind: 'replay'; request: DlqReplayRequested } | { kind: 'ignored' };

export interface OpsReactorDeps {
  schema: string;
  codec: Codec;
  producer: Producer;
  logger: Logger;
  /** DLQ topic → projection, for records without a projection header. */
  projectionOfTopic: ReadonlyMap<string, string>;
  /** The admin topic, read for replay requests. */
  adminTopic: string;
  /** Projection → its first retry topic, where a replay re-injects its DLQ records. */
  retryTopicOf: ReadonlyMap<string, string>;
  clock?: () => number;
}

/** Pure: an admin event to what the ops worker does with it. */
export function toOpsAction(event: AnyEvent, retryTopicOf: ReadonlyMap<string, string>): Outcome<OpsAction> {
  if (event.type !== 'DlqReplayRequested') return ok({ kind: 'ignored' });
  const { request_id, projection } = event.value;
  if (!isUuid(request_id)) {
    return retry({ code: 'INVALID_EVENT', message: `request_id is not a uuid: ${request_id.slice(0, 80)}` });
  }
  if (!retryTopicOf.has(projection)) {
    return retry({
      code: 'UNKNOWN_PROJECTION',
      message: `no DLQ to replay for projection "${projection.slice(0, 80)}" (one of ${PROJECTIONS.join(', ')})`,
    });
  }
  return ok({ kind: 'replay', request: { ...event.value, request_id: request_id.toLowerCase() } });
}

export function createOpsReactor(deps: OpsReactorDeps): Projection<OpsAction> {
  return {
    name: 'ops',
    async prepare(records) {
      const admin: SourceRecord[] = [];
      for (const record of records) if (record.topic === deps.adminTopic) admin.push(record);
      const decoded = await prepareEvents(deps.codec, admin, (event) =>
        toOpsAction(event, deps.retryTopicOf),
      );
      let next = 0;
      return records.map((record): Outcome<OpsAction> =>
        record.topic === deps.adminTopic
          ? decoded[next++]!
          : ok({ kind: 'dlq', row: toDlqRow(record, deps.projectionOfTopic) }),
      );
    },
    apply: (tx, rows) => applyOpsRows(tx, deps, rows),
    projectOf: (row) => (row.kind === 'dlq' ? row.row.project_id : null),
  };
}

async function applyOpsRows(
  tx: Queryable,
  deps: OpsReactorDeps,
  rows: readonly OpsAction[],
): Promise<ApplyResult> {
  let applied = 0;
  const dlqRows = rows.flatMap((r) => (r.kind === 'dlq' ? [r.row] : []));
  if (dlqRows.length > 0) applied += (await applyDlqRows(tx, deps.schema, dlqRows)).applied;
  for (const row of rows) {
    if (row.kind !== 'replay') continue;
    if (await replayRequested(tx, deps, row.request)) applied++;
  }
  return { applied, failed: [] };
}

/** Runs one replay request in the caller's transaction; false when its id was handled before. */
async function replayRequested(
  tx: Queryable,
  deps: OpsReactorDeps,
  request: DlqReplayRequested,
): Promise<boolean> {
  const s = ident(deps.schema);
  const inserted = await tx.query(
    `insert into ${s}.dlq_replay_requests (request_id, projection, requested_at, requested_by)
     values ($1, $2, to_timestamp($3 / 1000.0), $4)
     on conflict (request_id) do nothing
     returning request_id`,
    [request.request_id, request.projection, request.requested_at, request.requested_by],
  );
  if (inserted.rowCount === 0) {
    deps.logger.info('DLQ replay request already handled', { request_id: request.request_id });
    return false;
  }
  const { replayed } = await replayDlq({
    pool: tx,
    producer: deps.producer,
    opsSchema: deps.schema,
    projection: request.projection,
    retryTopic: deps.retryTopicOf.get(request.projection)!,
    logger: deps.logger,
    clock: deps.clock,
  });
  await tx.query(`update ${s}.dlq_replay_requests set replayed = $2 where request_id = $1`, [
    request.request_id,
    replayed,
  ]);
  deps.logger.info('DLQ replay requested through the admin topic', {
    request_id: request.request_id,
    projection: request.projection,
    requested_by: request.requested_by,
    replayed,
  });
  return true;
}
