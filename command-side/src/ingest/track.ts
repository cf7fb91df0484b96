/** From a validated tracked event to the fact appended to the log: pure, no I/O. */
import type { BatchItem, EventTracked } from '@eventlens/contracts';

/** Keyed by project and session (or the best stand-in) so a session's events stay in one partition, in order. */
export function recordKey(
  projectId: string,
  event: Pick<EventTracked, 'session_id' | 'anonymous_id' | 'event_id'>,
): string {
  return `${projectId}:${event.session_id ?? event.anonymous_id ?? event.event_id}`;
}

export interface Stamp {
  projectId: string;
  receivedAt: number;
  newId: () => string;
}

export function toEventTracked(item: BatchItem, stamp: Stamp): EventTracked {
  return {
    event_id: item.event_id ?? stamp.newId(),
    project_id: stamp.projectId,
    event_name: item.event_name,
    session_id: item.session_id ?? null,
    user_id: item.user_id ?? null,
    anonymous_id: item.anonymous_id ?? null,
    timestamp: item.timestamp ?? stamp.receivedAt,
    received_at: stamp.receivedAt,
    url: item.url ?? null,
    referrer: item.referrer ?? null,
    metadata_json: JSON.stringify(item.metadata ?? {}),
    context: item.context ?? {},
  };
}
