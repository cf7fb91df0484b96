/** From a validated tracked event to the fact appended to the log: pure, no I/O. */
import { BOT_CONTEXT_KEY, metadataJson, type BatchItem, type EventTracked } from '@eventlens/contracts';

/** Keyed by project and session (or the best stand-in) so a session's events stay in one partition, in order. */
export function recordKey(
  projectId: string,
  event: Pick<EventTracked, 'session_id' | 'anonymous_id' | 'event_id'>,
): string {
  return `${projectId}:${event.session_id ?? event.anonymous_id ?? event.event_id}`;
}

export interface Stamp {
  projectId: string;
  /** The server's clock when the request arrived, epoch ms. */
  receivedAt: number;
  /** The request's `sent_at`: the client's clock when it sent the request, epoch ms. */
  sentAt?: number | undefined;
  /** What the request's User-Agent was recognised as (`bots.ts`), when it is bot traffic. */
  bot?: string | undefined;
  newId: () => string;
}

/**
 * When the event happened, on the server's clock.
 *
 * - Without a client timestamp: the arrival time.
 * - With `sent_at`, the client's clock offset is removed (a derived timestamp, as Segment and
 *   Snowplow do): `timestamp + (receivedAt − sentAt)`. The event keeps its age relative to the
 *   request however old it is (an offline queue may hold events for days), only moved onto the
 *   server's clock.
 * - Never later than the arrival time (a clock in the future, or no `sent_at` to correct it).
 */
export function derivedTimestamp(
  clientTimestamp: number | undefined,
  sentAt: number | undefined,
  receivedAt: number,
): number {
  if (clientTimestamp === undefined) return receivedAt;
  const corrected = sentAt === undefined ? clientTimestamp : clientTimestamp + (receivedAt - sentAt);
  return Math.min(corrected, receivedAt);
}

/**
 * The context appended: the client's own, plus its clock readings as decimal epoch-ms strings,
 * `client_timestamp` (the event's timestamp as sent) and `client_sent_at` (the request's
 * `sent_at`), each when the client sent it, and `bot` (what the User-Agent was recognised as) for
 * bot traffic, which the read models keep out of every report. The contract refuses these keys
 * from clients.
 */
export function contextOf(
  item: Pick<BatchItem, 'context' | 'timestamp'>,
  sentAt: number | undefined,
  bot?: string,
): Record<string, string> {
  const context = item.context ?? {};
  if (item.timestamp === undefined && sentAt === undefined && bot === undefined) return context;
  return {
    ...context,
    ...(item.timestamp === undefined ? {} : { client_timestamp: String(item.timestamp) }),
    ...(sentAt === undefined ? {} : { client_sent_at: String(sentAt) }),
    ...(bot === undefined ? {} : { [BOT_CONTEXT_KEY]: bot }),
  };
}

export function toEventTracked(item: BatchItem, stamp: Stamp): EventTracked {
  return {
    event_id: item.event_id ?? stamp.newId(),
    project_id: stamp.projectId,
    event_name: item.event_name,
    session_id: item.session_id ?? null,
    user_id: item.user_id ?? null,
    anonymous_id: item.anonymous_id ?? null,
    timestamp: derivedTimestamp(item.timestamp, stamp.sentAt, stamp.receivedAt),
    received_at: stamp.receivedAt,
    url: item.url ?? null,
    referrer: item.referrer ?? null,
    metadata_json: metadataJson(item.metadata),
    context: contextOf(item, stamp.sentAt, stamp.bot),
  };
}
