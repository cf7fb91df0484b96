/**
 * A visit's attributes, all taken from its entry event: the earliest of the session by
 * (ts, event_id), the one `entry_event_id` names. Taking every attribute from that one event makes
 * them the same whatever order the session's events arrive in (across batches, partitions,
 * retries): when a later batch brings an earlier event, they all move with the entry together
 * (apply.ts's upsert). The rules are in docs/DESIGN.md, "Visits".
 */
import type { EventRow } from './rows';
import { sourceOf } from './sources';

/** The columns of `sessions` that hold the entry event's UTM values and client fields (EventTracked v2). */
export const VISIT_TEXT_FIELDS = [
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'device_type',
  'country',
] as const;

export type VisitFields = Record<(typeof VISIT_TEXT_FIELDS)[number], string | null> & {
  /** Path of the entry URL (`pagePath`: no query string, no in-page anchor), null when it has none. */
  entry_path: string | null;
  /** The entry event's referrer as sent. */
  entry_referrer: string | null;
  /** The source name (./sources.ts): `utm_source`, else the referrer's site, else `Direct / None`. */
  source: string;
};

/**
 * The visit attributes of an entry event. The v2 fields are null for a record written as v1 (its
 * `context` may hold a `utm_source` key, but the reports read the typed columns, as `events` does).
 */
export function visitOf(entry: EventRow): VisitFields {
  // Written out field by field: an object of one literal shape is several times faster to build
  // than one filled in a loop and spread (this runs once per visit and batch).
  const v2 = entry.v2;
  const utmSource = v2?.utm_source ?? null;
  return {
    entry_path: entry.page,
    entry_referrer: entry.referrer,
    source: sourceOf({ referrer: entry.referrer, url: entry.url, utm_source: utmSource }),
    utm_source: utmSource,
    utm_medium: v2?.utm_medium ?? null,
    utm_campaign: v2?.utm_campaign ?? null,
    utm_term: v2?.utm_term ?? null,
    utm_content: v2?.utm_content ?? null,
    browser: v2?.browser ?? null,
    browser_version: v2?.browser_version ?? null,
    os: v2?.os ?? null,
    os_version: v2?.os_version ?? null,
    device_type: v2?.device_type ?? null,
    country: v2?.country ?? null,
  };
}
