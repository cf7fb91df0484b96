/**
 * What the Stats API takes of time: the calendar its dates lie in, and how long a range each fine
 * time unit may bucket. The arithmetic is dates.ts's; this is only the bounds and their messages.
 */
import { EARLIEST_TIMESTAMP_MS, LATEST_TIMESTAMP_MS } from '@eventlens/contracts';
import type { LocalDate, TimeUnit } from './dates';

/**
 * The days the Stats API takes, in `date_range`, `date` and a custom comparison: the whole years
 * around the instants an event's timestamp may name (contracts, 2000-01-01 to 2100-01-01 UTC), so
 * that any zone's local day of any event is in it. Days outside hold no events; they are refused
 * rather than computed, since a calendar of 10,000 years has no ISO 8601 form for its far end
 * (9999-12-31 + 1 day) and older days carry the zones' local-mean-time offsets (+05:53:28).
 */
export const FIRST_DAY: LocalDate = `${new Date(EARLIEST_TIMESTAMP_MS).getUTCFullYear() - 1}-01-01`;
export const LAST_DAY: LocalDate = `${new Date(LATEST_TIMESTAMP_MS).getUTCFullYear()}-12-31`;

/** Why `date` (a real calendar date) is not taken, naming the calendar; undefined when it is. */
export function outsideCalendar(date: LocalDate): string | undefined {
  return date < FIRST_DAY || date > LAST_DAY
    ? `'${date}' is outside EventLens's calendar, ${FIRST_DAY} to ${LAST_DAY} (events' timestamps are from ${new Date(EARLIEST_TIMESTAMP_MS).toISOString().slice(0, 10)} to ${new Date(LATEST_TIMESTAMP_MS).toISOString().slice(0, 10)})`
    : undefined;
}

/**
 * The longest range, in days, each fine time unit buckets, so that a series has at most about
 * 10,000 buckets (the largest page, query.ts's MAX_LIMIT) and `time_labels` at most as many
 * labels: minutes over 2 days (2,880), hours over 400 days (9,600), days over 10,000 days (27
 * years). Weeks and months over the whole calendar (FIRST_DAY to LAST_DAY) are fewer. `all` is
 * checked once the project's first day is known (api.ts).
 */
export const MAX_RANGE_DAYS: Readonly<Partial<Record<TimeUnit, number>>> = {
  minute: 2,
  hour: 400,
  day: 10_000,
};

/** The message of a range too long for `unit`, with the unit to use instead. */
export function rangeTooLong(unit: TimeUnit, maxDays: number): string {
  const coarser = { minute: 'time:hour', hour: 'time:day', day: 'time:week or time:month' } as Record<
    TimeUnit,
    string
  >;
  return `time:${unit} needs a date_range of at most ${maxDays.toLocaleString('en-US')} days: use ${coarser[unit]} for a longer one`;
}
