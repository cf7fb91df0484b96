/**
 * From a decoded `EventTracked` to a row of `analytics.events`: pure validation and mapping.
 * Everything PostgreSQL would reject for one record (a non-uuid id, a NUL character, JSON that is
 * not an object, a timestamp out of range) is caught here, so one bad record fails alone instead
 * of failing the bulk statement of its batch.
 */
import { LIMITS, type AnyEvent, type EventTracked } from '@eventlens/contracts';
import { pageLeaveMeasures, pagePath } from '@eventlens/read-model';
import { ok, retry, type Outcome } from '../runtime/outcome';

export interface EventRow {
  project_id: string;
  event_id: string;
  event_name: string;
  session_id: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  /** Epoch ms. */
  ts: number;
  received_at: number;
  url: string | null;
  /**
   * The page of `url` (read-model's `pagePath`), null without a URL: worked out once here for the
   * events row, the page views per hour and the visit's entry and exit pages.
   */
  page: string | null;
  referrer: string | null;
  /**
   * The event's `metadata_json` as sent, checked to be a JSON object PostgreSQL's jsonb accepts; it
   * goes to the database as this text (parsed once, to check it, never serialised again).
   */
  metadata_json: string;
  context: Record<string, string>;
  /**
   * A page leave's `metadata.duration_ms` (ms) and `metadata.scroll_depth` (percent) when usable, null
   * otherwise and on every other event (read-model's `pageLeaveMeasures`): worked out here, where the
   * metadata is parsed anyway, for the reports' time on page and scroll depth.
   */
  leave_duration_ms: number | null;
  leave_scroll_depth: number | null;
  /** The EventTracked v2 fields (docs/contracts.md); all null for a record written as v1, absent: null. */
  v2?: V2Fields;
}

/** Text columns of `events` that hold EventTracked v2 fields. */
export const V2_TEXT_FIELDS = [
  'page_title',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'language',
  'time_zone',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'device_type',
  'country',
] as const;

export type V2Fields = Record<(typeof V2_TEXT_FIELDS)[number], string | null> & {
  screen_width: number | null;
  screen_height: number | null;
  /** Epoch ms. */
  client_sent_at: number | null;
};

/**
 * The v2 fields of a decoded record (absent in a value built as v1: null). Written out field by
 * field: this runs once per event, and building the object from V2_TEXT_FIELDS allocated an array
 * of pairs per event (a visible share of the projection's CPU).
 */
function v2Of(event: EventTracked): V2Fields {
  return {
    page_title: event.page_title ?? null,
    utm_source: event.utm_source ?? null,
    utm_medium: event.utm_medium ?? null,
    utm_campaign: event.utm_campaign ?? null,
    utm_term: event.utm_term ?? null,
    utm_content: event.utm_content ?? null,
    language: event.language ?? null,
    time_zone: event.time_zone ?? null,
    browser: event.browser ?? null,
    browser_version: event.browser_version ?? null,
    os: event.os ?? null,
    os_version: event.os_version ?? null,
    device_type: event.device_type ?? null,
    country: event.country ?? null,
    screen_width: event.screen_width ?? null,
    screen_height: event.screen_height ?? null,
    client_sent_at: event.client_sent_at ?? null,
  } satisfies Record<keyof V2Fields, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Years 1000 to 9999: what ISO strings and timestamptz agree on without surprises. */
const MIN_TS = Date.UTC(1000, 0, 1);
const MAX_TS = Date.UTC(10000, 0, 1);

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** PostgreSQL text and jsonb cannot hold NUL. */
export function hasNul(value: string | null): boolean {
  return value !== null && value.includes('\u0000');
}

const invalid = (message: string, projectId: string | null = null) =>
  retry({ code: 'INVALID_EVENT', message, projectId });

export function toEventRow(event: EventTracked): Outcome<EventRow> {
  if (!isUuid(event.project_id)) return invalid(`project_id is not a uuid: ${event.project_id.slice(0, 80)}`);
  const projectId = event.project_id.toLowerCase();
  if (!isUuid(event.event_id)) {
    return invalid(`event_id is not a uuid: ${event.event_id.slice(0, 80)}`, projectId);
  }
  if (event.event_name.length === 0) return invalid('event_name is empty', projectId);
  // The ingestion API enforces these limits; a record that got past it must not reach an index.
  if (event.event_name.length > LIMITS.eventNameMaxLength)
    return invalid('event_name is too long', projectId);
  // Checked one by one rather than over arrays built per event: this runs once per event.
  const tooLong = (id: string | null) => id !== null && id.length > LIMITS.idMaxLength;
  if (tooLong(event.session_id)) return invalid('session_id is too long', projectId);
  if (tooLong(event.user_id)) return invalid('user_id is too long', projectId);
  if (tooLong(event.anonymous_id)) return invalid('anonymous_id is too long', projectId);
  if (event.url !== null && event.url.length > LIMITS.urlMaxLength)
    return invalid('url is too long', projectId);
  if (!inRange(event.timestamp)) return invalid(`timestamp out of range: ${event.timestamp}`, projectId);
  if (!inRange(event.received_at)) return invalid(`timestamp out of range: ${event.received_at}`, projectId);
  const v2 = v2Of(event);
  if (
    hasNul(event.event_name) ||
    hasNul(event.session_id) ||
    hasNul(event.user_id) ||
    hasNul(event.anonymous_id) ||
    hasNul(event.url) ||
    hasNul(event.referrer) ||
    V2_TEXT_FIELDS.some((f) => hasNul(v2[f])) ||
    contextHasNul(event.context)
  ) {
    return invalid('a text field contains a NUL character', projectId);
  }
  let metadata: unknown;
  try {
    metadata = JSON.parse(event.metadata_json);
  } catch {
    return invalid('metadata_json is not JSON', projectId);
  }
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    return invalid('metadata_json is not a JSON object', projectId);
  }
  // jsonb rejects \u0000 even escaped; the text test is cheap, the walk is exact.
  if (event.metadata_json.includes('\\u0000') && containsNul(metadata)) {
    return invalid('metadata contains a NUL character', projectId);
  }
  const leave = pageLeaveMeasures(event.event_name, metadata as Record<string, unknown>);
  return ok({
    project_id: projectId,
    event_id: event.event_id.toLowerCase(),
    event_name: event.event_name,
    session_id: event.session_id,
    user_id: event.user_id,
    anonymous_id: event.anonymous_id,
    ts: event.timestamp,
    received_at: event.received_at,
    url: event.url,
    page: event.url === null ? null : pagePath(event.url),
    referrer: event.referrer,
    metadata_json: event.metadata_json,
    context: event.context,
    leave_duration_ms: leave.durationMs,
    leave_scroll_depth: leave.scrollDepth,
    v2,
  });
}

const inRange = (ts: number) => Number.isSafeInteger(ts) && ts >= MIN_TS && ts < MAX_TS;

function contextHasNul(context: Record<string, string>): boolean {
  for (const key in context) if (hasNul(key) || hasNul(context[key]!)) return true;
  return false;
}

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(containsNul);
  return Object.entries(value).some(([key, inner]) => key.includes('\u0000') || containsNul(inner));
}

/** The analytics projection reads EventTracked only. */
export function toRow(event: AnyEvent): Outcome<EventRow> {
  if (event.type !== 'EventTracked') {
    return retry({
      code: 'UNEXPECTED_EVENT_TYPE',
      message: `${event.type} does not belong on the events topic`,
    });
  }
  return toEventRow(event.value);
}

/** `toRow` over a list: the pure step the projection's `prepare` is made of. */
export function toRows(events: readonly AnyEvent[]): Outcome<EventRow>[] {
  return events.map(toRow);
}
