/**
 * From a decoded `EventTracked` to a row of `analytics.events`: pure validation and mapping.
 * Everything PostgreSQL would reject for one record (a non-uuid id, a NUL character, JSON that is
 * not an object, a timestamp out of range) is caught here, so one bad record fails alone instead
 * of failing the bulk statement of its batch.
 */
import { LIMITS, type AnyEvent, type EventTracked } from '@eventlens/contracts';
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
  referrer: string | null;
  metadata: Record<string, unknown>;
  context: Record<string, string>;
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

/** The v2 fields of a decoded record (absent in a value built as v1: null). */
function v2Of(event: EventTracked): V2Fields {
  const text = Object.fromEntries(V2_TEXT_FIELDS.map((f) => [f, event[f] ?? null])) as Record<
    (typeof V2_TEXT_FIELDS)[number],
    string | null
  >;
  return {
    ...text,
    screen_width: event.screen_width ?? null,
    screen_height: event.screen_height ?? null,
    client_sent_at: event.client_sent_at ?? null,
  };
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
  for (const [field, id] of [
    ['session_id', event.session_id],
    ['user_id', event.user_id],
    ['anonymous_id', event.anonymous_id],
  ] as const) {
    if (id !== null && id.length > LIMITS.idMaxLength) return invalid(`${field} is too long`, projectId);
  }
  if (event.url !== null && event.url.length > LIMITS.urlMaxLength)
    return invalid('url is too long', projectId);
  for (const ts of [event.timestamp, event.received_at]) {
    if (!Number.isSafeInteger(ts) || ts < MIN_TS || ts >= MAX_TS) {
      return invalid(`timestamp out of range: ${ts}`, projectId);
    }
  }
  const v2 = v2Of(event);
  const texts = [
    event.event_name,
    event.session_id,
    event.user_id,
    event.anonymous_id,
    event.url,
    event.referrer,
    ...V2_TEXT_FIELDS.map((f) => v2[f]),
  ];
  if (texts.some(hasNul) || Object.entries(event.context).some(([k, v]) => hasNul(k) || hasNul(v))) {
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
    referrer: event.referrer,
    metadata: metadata as Record<string, unknown>,
    context: event.context,
    v2,
  });
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
