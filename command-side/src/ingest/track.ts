/** From a validated tracked event to the fact appended to the log: pure, no I/O. */
import { BOT_CONTEXT_KEY, metadataJson, type BatchItem, type EventTracked } from '@eventlens/contracts';
import type { ClientFields } from './client';
import { EXCLUDED_CONTEXT_KEY } from './excluded';

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
  /** Why the event is the project's own traffic (`excluded.ts`: `address`), when it is. */
  excluded?: string | undefined;
  /** What the server derived from the request (`client.ts`): browser, OS, device type, country. */
  client?: ClientFields | undefined;
  newId: () => string;
}

/** The typed page context of EventTracked v2 (the fields the client's `context` map carries). */
export type PageContext = Pick<
  EventTracked,
  | 'page_title'
  | 'utm_source'
  | 'utm_medium'
  | 'utm_campaign'
  | 'utm_term'
  | 'utm_content'
  | 'screen_width'
  | 'screen_height'
  | 'language'
  | 'time_zone'
>;

const SCREEN = /^([1-9][0-9]{0,4})x([1-9][0-9]{0,4})$/;

/**
 * The typed page context read from the client's context map, whose keys the SDK sends (`title`,
 * `screen` as `<width>x<height>` CSS pixels, `language`, `time_zone`, `utm_source` … `utm_content`).
 * A key that is absent, or a screen not in that form, gives null: nothing is refused for it (the
 * context map keeps every value exactly as sent, for v1 readers too). An SDK from before v2 sends
 * all but `title` and `time_zone` already.
 */
export function pageContextOf(context: Record<string, string> | undefined): Required<PageContext> {
  const c = context ?? {};
  const at = (key: string) => (Object.hasOwn(c, key) ? c[key]! : null);
  const screen = SCREEN.exec(at('screen') ?? '');
  return {
    page_title: at('title'),
    utm_source: at('utm_source'),
    utm_medium: at('utm_medium'),
    utm_campaign: at('utm_campaign'),
    utm_term: at('utm_term'),
    utm_content: at('utm_content'),
    screen_width: screen ? Number(screen[1]) : null,
    screen_height: screen ? Number(screen[2]) : null,
    language: at('language'),
    time_zone: at('time_zone'),
  };
}

const UNKNOWN_CLIENT: ClientFields = {
  browser: null,
  browser_version: null,
  os: null,
  os_version: null,
  device_type: null,
  country: null,
};

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
 * `sent_at`), each when the client sent it, `bot` (what the User-Agent was recognised as) for
 * bot traffic, and `excluded` (`address`) for traffic from the project's excluded address ranges;
 * the read models keep the last two out of every report. The contract refuses all four keys from
 * clients (SERVER_CONTEXT_KEYS), so each is the server's own.
 */
export function contextOf(
  item: Pick<BatchItem, 'context' | 'timestamp'>,
  sentAt: number | undefined,
  bot?: string,
  excluded?: string,
): Record<string, string> {
  const context = item.context ?? {};
  if (item.timestamp === undefined && sentAt === undefined && bot === undefined && excluded === undefined) {
    return context;
  }
  return {
    ...context,
    ...(item.timestamp === undefined ? {} : { client_timestamp: String(item.timestamp) }),
    ...(sentAt === undefined ? {} : { client_sent_at: String(sentAt) }),
    ...(bot === undefined ? {} : { [BOT_CONTEXT_KEY]: bot }),
    ...(excluded === undefined ? {} : { [EXCLUDED_CONTEXT_KEY]: excluded }),
  };
}

/** The EventTracked v2 appended for one accepted event: the v1 fields as before, then the v2 ones. */
export function toEventTracked(item: BatchItem, stamp: Stamp): Required<EventTracked> {
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
    context: contextOf(item, stamp.sentAt, stamp.bot, stamp.excluded),
    ...pageContextOf(item.context),
    client_sent_at: stamp.sentAt ?? null,
    ...(stamp.client ?? UNKNOWN_CLIENT),
  };
}
