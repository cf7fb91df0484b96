/**
 * The dimensions a Stats API query names (time buckets, event and visit properties) and
 * `parseDimension`, which checks a name against them; shared by the request (query.ts) and the
 * filters (filters.ts).
 */
import { QueryError } from './errors';

export const TIME_DIMENSIONS = ['time:minute', 'time:hour', 'time:day', 'time:week', 'time:month'] as const;
export type TimeDimension = (typeof TIME_DIMENSIONS)[number];

/**
 * Dimensions of an event (from analytics.events). `event:props:<key>` is one too. `event:goal` is
 * the name of each of the project's goals the event reaches (its settings; an event reaching none
 * has no `event:goal` row).
 */
export const EVENT_DIMENSIONS = ['event:page', 'event:name', 'event:hostname', 'event:goal'] as const;
/** Dimensions of a visit (from analytics.sessions, also for event metrics: the event's visit). */
export const VISIT_DIMENSIONS = [
  'visit:source',
  'visit:channel',
  'visit:referrer',
  'visit:entry_page',
  'visit:exit_page',
  'visit:entry_page_hostname',
  'visit:exit_page_hostname',
  'visit:utm_source',
  'visit:utm_medium',
  'visit:utm_campaign',
  'visit:utm_term',
  'visit:utm_content',
  'visit:browser',
  'visit:browser_version',
  'visit:os',
  'visit:os_version',
  'visit:device',
  'visit:screen',
  'visit:country',
  'visit:country_name',
] as const;

export type VisitDimension = (typeof VISIT_DIMENSIONS)[number];
export type PropertyDimension = (typeof EVENT_DIMENSIONS)[number] | VisitDimension | `event:props:${string}`;
export type Dimension = TimeDimension | PropertyDimension;

export function parseDimension(name: string, field: string, allowTime: boolean): Dimension {
  if ((TIME_DIMENSIONS as readonly string[]).includes(name)) {
    if (!allowTime) throw new QueryError(field, `${name} cannot be filtered on: use date_range`);
    return name as TimeDimension;
  }
  if (
    (EVENT_DIMENSIONS as readonly string[]).includes(name) ||
    (VISIT_DIMENSIONS as readonly string[]).includes(name)
  )
    return name as Dimension;
  if (name.startsWith('event:props:') && name.length > 'event:props:'.length) return name as Dimension;
  if (name === 'time') throw new QueryError(field, "'time' cannot be filtered on: use date_range");
  throw new QueryError(field, `unknown or unsupported dimension '${name}'`);
}
