/**
 * The `analytics` projection: eventlens.events → events, volume_minute, sessions, page_views_hour,
 * daily_users and event_names, all in the batch's one transaction.
 */
import type { Codec } from '@eventlens/contracts';
import { prepareEvents, type Projection } from '../runtime/projection';
import { applyEvents } from './apply';
import { toRow, type EventRow } from './rows';

export function createAnalyticsProjection(deps: { codec: Codec; schema: string }): Projection<EventRow> {
  return {
    name: 'analytics',
    prepare: (records) => prepareEvents(deps.codec, records, toRow),
    apply: (tx, rows) => applyEvents(tx, deps.schema, rows),
    projectOf: (row) => row.project_id,
    receivedAtOf: (row) => row.received_at,
  };
}
