/**
 * Calendar arithmetic of the Stats API: a `date_range` becomes local dates of the query's IANA time
 * zone, and the instants PostgreSQL returned become labels in that zone.
 *
 * Turning a local date into an instant (the start of a day in a zone, which moves with daylight
 * saving time) is left to PostgreSQL (`date::timestamp at time zone tz`, see plan.ts), the same
 * tz database that buckets the rows; here only the other direction is needed, an instant's wall
 * clock in a zone, which `Intl.DateTimeFormat` answers. Everything here is pure: "today" comes in
 * as a parameter.
 */

import { outsideCalendar } from './calendar';

/** A calendar date, `YYYY-MM-DD`. */
export type LocalDate = string;

/**
 * What a `date_range` means, before the zone turns it into instants:
 * - `dates`: the local days `first` … `last`, both included (Plausible's presets and date pairs);
 * - `instants`: two ISO 8601 date-times with offsets, `to` included (Plausible's datetime pairs);
 * - `all`: from the start of the local day of the project's first event to the end of `last`.
 */
export type Period =
  | { kind: 'dates'; first: LocalDate; last: LocalDate }
  | { kind: 'instants'; from: string; to: string }
  | { kind: 'all'; last: LocalDate };

/**
 * The named presets of Plausible's Stats API v2, besides `<N>d` and `<N>mo` (resolvePeriod). `24h`
 * is EventLens's (the Overview's default range); Plausible's parser takes the others.
 */
export const DATE_RANGE_PRESETS = ['realtime', '30m', '24h', 'day', 'month', 'year', 'all'] as const;
export type DateRangePreset = (typeof DATE_RANGE_PRESETS)[number];

/** The largest N of `<N>d` and of `<N>mo`, Plausible's (api_query_parser.ex, parse_input_date_range). */
export const MAX_PRESET_DAYS = 5000;
export const MAX_PRESET_MONTHS = 100;

/** What a `date_range` string names, for messages: every form it can take. */
const PRESET_FORMS = `${DATE_RANGE_PRESETS.join(', ')}, <N>d (the N days before today, N up to ${MAX_PRESET_DAYS.toLocaleString('en-US')}) or <N>mo (the N months before this one, N up to ${MAX_PRESET_MONTHS})`;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A date-time with seconds optional, fractions optional, and a zone that is `Z` or ±hh:mm. */
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;

/**
 * The instant a local date's midnight would be in UTC; `setUTCFullYear` keeps years 0–99 as they
 * are (Date.UTC makes them 1900–1999).
 */
function utcMs(y: number, monthIndex: number, d: number): number {
  const t = new Date(0);
  t.setUTCFullYear(y, monthIndex, d);
  return t.getTime();
}

function dayMs(date: LocalDate): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return utcMs(y, m - 1, d);
}

function fromDayMs(ms: number): LocalDate {
  return new Date(ms).toISOString().slice(0, 10);
}

/** True for a real calendar date between 0001-01-01 and 9999-12-31 (2024-02-30 is not one). */
export function isLocalDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const [, y, mo, d] = m.map(Number) as [number, number, number, number];
  const date = new Date(utcMs(y, mo - 1, d));
  return y >= 1 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** True for an ISO 8601 date-time with a zone whose parts are real (no 25:00, no Feb 30). */
export function isZonedDateTime(text: string): boolean {
  if (!DATETIME.test(text) || !isLocalDate(text.slice(0, 10))) return false;
  const [h, mi, s] = [
    Number(text.slice(11, 13)),
    Number(text.slice(14, 16)),
    Number(text.slice(17, 19) || 0),
  ];
  return h < 24 && mi < 60 && s < 60 && !Number.isNaN(Date.parse(text));
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return fromDayMs(dayMs(date) + days * DAY_MS);
}

/** The first day of the month `months` after the month of `date` (negative: before). */
export function monthStart(date: LocalDate, months = 0): LocalDate {
  const [y, m] = date.split('-').map(Number) as [number, number];
  return fromDayMs(utcMs(y, m - 1 + months, 1));
}

export function monthEnd(date: LocalDate): LocalDate {
  return addDays(monthStart(date, 1), -1);
}

/** Monday of the ISO week holding `date` (PostgreSQL's `date_trunc('week', …)`). */
export function weekStart(date: LocalDate): LocalDate {
  const weekday = (new Date(dayMs(date)).getUTCDay() + 6) % 7; // Monday = 0
  return addDays(date, -weekday);
}

/**
 * A `date_range` as local dates, `today` being the current date in the query's zone and `nowMs` the
 * current instant, as Plausible's current Stats API resolves it (lib/plausible/stats/
 * query_period.ex): `realtime` and `30m` the last 5 and 30 minutes (to 5 s after now), `24h` the last
 * 24 hours; `day` is today; `<N>d` (`7d`, `28d`, `30d`, `91d`, any N from 1 to 5,000) the N whole
 * days before today, today left out; `<N>mo` (`6mo`, `12mo`, any N from 1 to 100) the N whole months
 * before the current one; `month` and `year` the whole current month or year (trimRelative cuts them
 * at today); `all` up to today. A pair of dates is both days included; a pair of date-times is taken
 * as given. Returns an error message for anything else.
 */
export function resolvePeriod(
  range: string | readonly string[],
  today: LocalDate,
  nowMs: number,
): Period | string {
  const last = (minutes: number, afterMs: number): Period => ({
    kind: 'instants',
    from: new Date(nowMs - minutes * 60_000).toISOString(),
    to: new Date(nowMs + afterMs).toISOString(),
  });
  if (typeof range === 'string') {
    switch (range) {
      case 'realtime':
        return last(5, 5000);
      case '30m':
        return last(30, 5000);
      case '24h':
        return last(24 * 60, 0);
      case 'day':
        return { kind: 'dates', first: today, last: today };
      case 'month':
        return { kind: 'dates', first: monthStart(today), last: monthEnd(today) };
      case 'year':
        return { kind: 'dates', first: `${today.slice(0, 4)}-01-01`, last: `${today.slice(0, 4)}-12-31` };
      case 'all':
        return { kind: 'all', last: today };
    }
    const relative = /^([1-9]\d{0,3})(d|mo)$/.exec(range);
    const n = relative ? Number(relative[1]) : 0;
    if (relative?.[2] === 'd' && n <= MAX_PRESET_DAYS)
      return { kind: 'dates', first: addDays(today, -n), last: addDays(today, -1) };
    if (relative?.[2] === 'mo' && n <= MAX_PRESET_MONTHS)
      return { kind: 'dates', first: monthStart(today, -n), last: addDays(monthStart(today), -1) };
    return `'${range}' is not one of ${PRESET_FORMS}, nor a [from, to] pair`;
  }
  if (range.length !== 2) return 'a pair must have exactly two elements, [from, to]';
  const [from, to] = range as [string, string];
  if (isLocalDate(from) && isLocalDate(to)) {
    const outside = outsideCalendar(from) ?? outsideCalendar(to);
    if (outside) return outside;
    return from <= to ? { kind: 'dates', first: from, last: to } : 'from must not be after to';
  }
  if (isZonedDateTime(from) && isZonedDateTime(to)) {
    // The date as written (its own offset's), which is within a day of any zone's.
    const outside = outsideCalendar(from.slice(0, 10)) ?? outsideCalendar(to.slice(0, 10));
    if (outside) return outside;
    return Date.parse(from) <= Date.parse(to) ? { kind: 'instants', from, to } : 'from must not be after to';
  }
  // Well formed, but no day of the calendar (2024-02-30): say which, not what the form is.
  const unreal = [from, to].find(
    (t) => typeof t === 'string' && DATE.test(t.slice(0, 10)) && !isLocalDate(t.slice(0, 10)),
  );
  if (unreal !== undefined) return `'${unreal.slice(0, 10)}' is not a day of the calendar`;
  return 'a pair must be two dates (YYYY-MM-DD) or two ISO 8601 date-times with an offset';
}

/**
 * `include.trim_relative_date_range`: a `month` or `year` preset ends today instead of at the end of
 * the month or year (Plausible's: its dashboard's charts stop at today). Any other range is as it was.
 */
export function trimRelative(range: string | readonly string[], period: Period, today: LocalDate): Period {
  if ((range === 'month' || range === 'year') && period.kind === 'dates' && period.last > today)
    return { ...period, last: today };
  return period;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    });
    if (formatters.size > 500) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock of `instant` in `timeZone`: `YYYY-MM-DDTHH:MM:SS` and the offset `+05:30`. */
export function wallClock(instant: Date, timeZone: string): { local: string; offset: string } {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  const gmt = parts.timeZoneName ?? 'GMT';
  const offset = gmt === 'GMT' ? '+00:00' : gmt.slice(3);
  return {
    local: `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`,
    offset,
  };
}

/** Today's date in `timeZone` at `nowMs`. */
export function localToday(nowMs: number, timeZone: string): LocalDate {
  return wallClock(new Date(nowMs), timeZone).local.slice(0, 10);
}

/** `instant` as Plausible echoes a range bound: `2024-01-01T00:00:00+05:30`. */
export function zonedIso(instant: Date, timeZone: string): string {
  const { local, offset } = wallClock(instant, timeZone);
  return `${local}${offset}`;
}

export type TimeUnit = 'minute' | 'hour' | 'day' | 'week' | 'month';

/**
 * The unit of Plausible's bare `time` dimension for a period (its query optimizer's
 * `resolve_time_dimension`), by the time from the period's first to its last second, in whole
 * units: up to 48 hours `hour`, up to 40 days `day`, up to 52 weeks `week`, longer `month` (so `7d`
 * is by day, `12mo` by week). A period of dates counts whole days (a clock change inside it does
 * not move it). `all` has no length until the project's first event is read: null.
 */
export function timeUnitOf(period: Period): Exclude<TimeUnit, 'minute'> | null {
  if (period.kind === 'all') return null;
  const spanMs =
    period.kind === 'dates'
      ? (daysBetween(period.first, period.last) + 1) * DAY_MS - 1000
      : Date.parse(period.to) - Date.parse(period.from);
  if (Math.floor(spanMs / 3_600_000) <= 48) return 'hour';
  if (Math.floor(spanMs / DAY_MS) <= 40) return 'day';
  if (Math.floor(spanMs / (7 * DAY_MS)) <= 52) return 'week';
  return 'month';
}

/** Days from `a` to `b` (negative when `b` is before `a`). */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return Math.round((dayMs(b) - dayMs(a)) / DAY_MS);
}

export type ComparisonMode = 'previous_period' | 'year_over_year' | 'custom';

/**
 * The period a query's `include.comparisons` compares with, as Plausible computes it
 * (lib/plausible/stats/comparisons.ex, get_comparison_date_range), in local days of the query's
 * zone:
 * - `previous_period`: the range's last day capped at `today`, then both ends shifted back by the
 *   number of days from the first day to that last day, plus one (a 7-day range: the 7 days before);
 * - `year_over_year`: both ends 365 days back (Plausible's `Date.add(-365)`: after a 29 February,
 *   one weekday later), the last day capped at `today` first;
 * - `custom`: the given pair of dates.
 * With `matchDayOfWeek` (Plausible's `match_day_of_week`), the first two then start on the weekday
 * the range starts on (matchDayOfWeek below); a custom pair is taken as given, as Plausible does.
 * Only a range of whole days has one (Plausible refuses `realtime` and `all`); returns an error
 * message otherwise.
 */
export function comparisonPeriod(
  period: Period,
  today: LocalDate,
  mode: ComparisonMode,
  custom?: readonly string[],
  matchDayOfWeek = false,
): Period | string {
  if (mode === 'custom') {
    if (!custom || custom.length !== 2 || !custom.every(isLocalDate))
      return 'a custom comparison needs date_range: two dates (YYYY-MM-DD)';
    const [first, last] = custom as [string, string];
    const outside = outsideCalendar(first) ?? outsideCalendar(last);
    if (outside) return outside;
    return first <= last ? { kind: 'dates', first, last } : 'from must not be after to';
  }
  if (custom !== undefined) return `date_range is only for the custom mode`;
  if (period.kind !== 'dates')
    return 'comparisons need a date_range of whole days (not realtime, 30m, 24h, date-times or all)';
  const last = period.last < today ? period.last : today;
  if (last < period.first) return 'the range starts after today: there is nothing to compare yet';
  const shift = mode === 'year_over_year' ? -365 : daysBetween(last, period.first) - 1;
  const compared = { first: addDays(period.first, shift), last: addDays(last, shift) };
  return { kind: 'dates', ...(matchDayOfWeek ? onWeekdayOf(period.first, compared) : compared) };
}

/** The day of the week of a local date: 0 Sunday … 6 Saturday. */
function weekday(date: LocalDate): number {
  return new Date(dayMs(date)).getUTCDay();
}

/**
 * `compared` moved, its length kept, to start on the weekday of `first` (Plausible's
 * `maybe_match_day_of_week` in comparisons.ex): unchanged when it already does; otherwise starting on
 * the next such weekday after its first day, or the one a week before that when the next one is
 * `first` itself (the two periods would start on the same day). The moved period may overlap the
 * range by a few days, as Plausible's does.
 */
function onWeekdayOf(
  first: LocalDate,
  compared: { first: LocalDate; last: LocalDate },
): { first: LocalDate; last: LocalDate } {
  const ahead = (weekday(first) - weekday(compared.first) + 7) % 7;
  if (ahead === 0) return compared;
  const moved = addDays(compared.first, ahead) === first ? ahead - 7 : ahead;
  return { first: addDays(compared.first, moved), last: addDays(compared.last, moved) };
}

/**
 * Every minute label from the instant `lo` up to, excluding, `hi`, on the wall clock of
 * `timeZone` (`2024-01-01 13:05:00`, the format of `time:minute`). A repeated wall-clock minute
 * (clocks back) is one label, as its rows are one bucket.
 */
export function minuteLabels(lo: Date, hi: Date, timeZone: string): string[] {
  const labels = new Set<string>();
  const start = Math.floor(lo.getTime() / 60_000) * 60_000;
  for (let ms = start; ms < hi.getTime(); ms += 60_000) {
    const { local } = wallClock(new Date(ms), timeZone);
    labels.add(`${local.slice(0, 10)} ${local.slice(11, 16)}:00`);
  }
  return [...labels];
}

/**
 * The wall-clock hours that exist on the local day `day` in `timeZone`, as `time:hour` labels
 * (`2024-01-01 13:00:00`): 24, but 23 on the day clocks go forward (the skipped hour never happens
 * there, so it is no bucket and no label) and still 24 on the day they go back (the repeated hour is
 * one bucket). Only a day whose offset changes is scanned, every 15 minutes (offsets are whole
 * quarter hours: Asia/Kathmandu +05:45).
 */
export function hoursOfDay(day: LocalDate, timeZone: string): string[] {
  const all = Array.from({ length: 24 }, (_, h) => `${day} ${String(h).padStart(2, '0')}:00:00`);
  // Any instant of the local day lies within 14 hours of the UTC day (offsets are -12:00…+14:00).
  const lo = Date.parse(`${day}T00:00:00Z`) - 14 * 3_600_000;
  const hi = Date.parse(`${addDays(day, 1)}T00:00:00Z`) + 14 * 3_600_000;
  const same = (a: number, b: number) =>
    wallClock(new Date(a), timeZone).offset === wallClock(new Date(b), timeZone).offset;
  if (same(lo, hi) && same(lo, (lo + hi) / 2)) return all;
  const seen = new Set<string>();
  for (let ms = lo; ms < hi; ms += 15 * 60_000) {
    const { local } = wallClock(new Date(ms), timeZone);
    if (local.startsWith(day)) seen.add(`${day} ${local.slice(11, 13)}:00:00`);
  }
  return all.filter((label) => seen.has(label));
}

/**
 * Every bucket label of `unit` from the one holding the local day `first` to the one holding the
 * local day `last`, in the format the rows' time dimensions use (`2024-01-01`, hours
 * `2024-01-01 13:00:00`; a week the Monday it starts on, the first week `first`). Hours are the
 * wall-clock hours that exist in `timeZone` (hoursOfDay): a skipped hour (clocks forward) has no
 * label, a repeated hour (clocks back) is one label for both.
 */
export function timeLabels(
  unit: Exclude<TimeUnit, 'minute'>,
  first: LocalDate,
  last: LocalDate,
  timeZone: string,
): string[] {
  const labels: string[] = [];
  if (unit === 'month') {
    for (let d = monthStart(first); d <= last; d = monthStart(d, 1)) labels.push(d);
  } else if (unit === 'week') {
    // The first week starts on the first day (Plausible's weekstart_not_before), the rest on Mondays.
    for (let d = first; d <= last; d = addDays(weekStart(d), 7)) labels.push(d);
  } else {
    for (let d = first; d <= last; d = addDays(d, 1)) {
      if (unit === 'day') labels.push(d);
      else labels.push(...hoursOfDay(d, timeZone));
    }
  }
  return labels;
}
