/**
 * Time ranges, bucket intervals and formatting in a chosen time zone. Pure functions: the clock is
 * always a parameter.
 */
import type { Interval } from '@/api/types';
import { currentZoneName, currentZoneNames } from './timeZones';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * The instants a custom range may span: the Stats API's calendar (docs/stats-api.md, "EventLens's
 * calendar": local days from 1999-01-01 to 2100-12-31, around events' timestamps of 2000-01-01 to
 * 2100-01-01), less a day at each end so that the days are in it in every zone (`to` excluded: a
 * range may end at 2100-12-31T00:00Z, the end of 2100-12-30). A range outside is one the API refuses.
 */
export const CALENDAR = { from: Date.UTC(1999, 0, 2), to: Date.UTC(2100, 11, 31) } as const;

/** Why a custom range [from, to] (epoch ms) is outside CALENDAR, or null. */
export function outsideCalendar(from: number, to: number): string | null {
  return from < CALENDAR.from || to > CALENDAR.to
    ? 'is outside 1999-01-02 to 2100-12-30 (EventLens keeps events of 2000 to 2100)'
    : null;
}

/**
 * The Overview's and Goals' presets: rolling windows that end now, so their labels count hours
 * ("7 × 24 h"). "Last 7 days" is kept for calendar days, which the Funnels screen means (today
 * and the 6 days before): one label, one window. The URL keeps the keys.
 */
export const PRESETS = {
  '30m': { label: 'Last 30 minutes, to now', short: '30 min', ms: 30 * MINUTE },
  '24h': { label: 'Last 24 hours, to now', short: '24 h', ms: DAY },
  '7d': { label: 'Last 7 × 24 hours, to now', short: '7 × 24 h', ms: 7 * DAY },
  '30d': { label: 'Last 30 × 24 hours, to now', short: '30 × 24 h', ms: 30 * DAY },
} as const;

export type Preset = keyof typeof PRESETS;

export const isPreset = (value: unknown): value is Preset => typeof value === 'string' && value in PRESETS;

export type RangeSpec = { kind: 'preset'; preset: Preset } | { kind: 'custom'; from: number; to: number };

export interface Range {
  from: number;
  to: number;
}

/**
 * The last instant of a minute typed as a range's end. A datetime-local input has minute resolution,
 * so a typed "To" takes in the whole minute it names, up to 1 ms before the next: "to 23:59" ends
 * the day and a range of whole days is expressible (without it, two days to 23:59 were 2,879
 * minutes). The dashboard's custom range and the explorer's "To" both end so.
 */
export const endOfMinute = (minute: number): number => minute + MINUTE - 1;

/**
 * The instants a spec counts over, both included (as the Stats API's `date_range`). A custom range's
 * ends are the minutes typed in the picker: `to` is the end of its minute (`endOfMinute`).
 */
export function resolveRange(spec: RangeSpec, now: number): Range {
  if (spec.kind === 'custom') return { from: spec.from, to: endOfMinute(spec.to) };
  return { from: now - PRESETS[spec.preset].ms, to: now };
}

/** A custom range that ended before `now` (its last minute too): its data can no longer change (late events aside). */
export function isInThePast(spec: RangeSpec, now: number): boolean {
  return spec.kind === 'custom' && resolveRange(spec, now).to < now;
}

/** Minute buckets up to 3 hours, hours up to 7 days (168), days beyond. */
export function intervalFor(range: Range): Interval {
  const span = range.to - range.from;
  if (span <= 3 * HOUR) return 'minute';
  if (span <= 7 * DAY + HOUR) return 'hour';
  return 'day';
}

export function sameSpec(a: RangeSpec, b: RangeSpec): boolean {
  if (a.kind === 'preset' && b.kind === 'preset') return a.preset === b.preset;
  if (a.kind === 'custom' && b.kind === 'custom') return a.from === b.from && a.to === b.to;
  return false;
}

/** 'local' is the browser's zone. */
export type TimeZoneChoice = string;

/** The browser's zone by its current IANA name (Chromium says `Asia/Calcutta`: `Asia/Kolkata`). */
export function browserTimeZone(): string {
  return currentZoneName(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
}

export function effectiveZone(choice: TimeZoneChoice): string {
  return choice === 'local' ? browserTimeZone() : choice;
}

/** The choice that follows the project's zone (the browser's while the project has none). */
export const PROJECT_ZONE = 'project';

/** The zone a choice ('project', 'local' or a zone name) stands for, given the project's zone. */
export function chosenZone(choice: TimeZoneChoice, projectZone: string | null): string {
  return choice === PROJECT_ZONE ? (projectZone ?? browserTimeZone()) : effectiveZone(choice);
}

/**
 * The chosen zone as the range line names it: "Asia/Kolkata, the project’s zone", "Europe/Paris, the
 * browser’s zone", a picked zone by its name. No brackets of its own: the range line and a column
 * header put it in theirs ("(UTC (project))" read as a typo).
 */
export function chosenZoneLabel(choice: TimeZoneChoice, projectZone: string | null): string {
  const browser = `${browserTimeZone()}, the browser’s zone`;
  if (choice === PROJECT_ZONE) return projectZone ? `${projectZone}, the project’s zone` : browser;
  return choice === 'local' ? browser : choice;
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${zone}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', ...options });
    formatters.set(key, f);
  }
  return f;
}

const toMs = (value: string | number | Date) =>
  typeof value === 'number' ? value : new Date(value).getTime();

/** 2025-03-01 14:05:09 in the zone. */
export function formatDateTime(value: string | number | Date, zone: string, withMs = false): string {
  const ms = toMs(value);
  if (Number.isNaN(ms)) return String(value);
  const p = parts(ms, zone);
  const base = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
  return withMs ? `${base}.${String(ms % 1000).padStart(3, '0')}` : base;
}

/** Bucket labels: 14:05 for minutes, 03-01 14:00 for hours, 2025-03-01 for days. */
export function formatBucket(value: string | number, interval: Interval, zone: string): string {
  const p = parts(toMs(value), zone);
  if (interval === 'minute') return `${p.hour}:${p.minute}`;
  if (interval === 'hour') return `${p.month}-${p.day} ${p.hour}:00`;
  return `${p.year}-${p.month}-${p.day}`;
}

/** "3 s ago", "5 min ago", … relative to `now`. */
export function formatAgo(value: string | number, now: number): string {
  const s = Math.max(0, Math.round((now - toMs(value)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function parts(
  ms: number,
  zone: string,
): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string> {
  const out: Record<string, string> = {};
  for (const part of formatter(zone, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(ms)) {
    out[part.type] = part.value;
  }
  return out as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string>;
}

/** The zone's offset from UTC at `ms`, in milliseconds (Europe/Paris in summer: +2 h). */
export function zoneOffset(ms: number, zone: string): number {
  const p = parts(ms, zone);
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The calendar date (YYYY-MM-DD) of the instant `ms` in `zone`. */
export function dateIn(ms: number, zone: string): string {
  const p = parts(ms, zone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** `YYYY-MM-DDTHH:mm` (a datetime-local input's value) of `ms` in the zone. */
export function toInputValue(ms: number, zone: string): string {
  const p = parts(ms, zone);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** The instant a datetime-local value means in the zone, or undefined when it is not one. */
export function fromInputValue(value: string, zone: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m) return undefined;
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  // Two passes settle the offset around a DST change.
  let guess = wall - zoneOffset(wall, zone);
  guess = wall - zoneOffset(guess, zone);
  return Number.isNaN(guess) ? undefined : guess;
}

/** The zones to offer: UTC and every zone Intl knows, by current IANA names (shared/timeZones.ts). */
export function timeZones(): string[] {
  return currentZoneNames([browserTimeZone()]);
}

/**
 * A bucket label from the Stats API's time dimension, which is the bucket's wall-clock start in the
 * query's zone (`2025-03-01 14:00:00`, `2025-03-01`): 03-01 14:00 for hours, 2025-03-01 for days,
 * weeks and months. Shown as sent, so the label is the bucket, in half-hour zones and on DST days.
 */
export function formatStatsBucket(value: string, unit: 'hour' | 'day' | 'week' | 'month'): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?/.exec(value);
  if (!m) return value;
  if (unit === 'hour') return `${m[2]}-${m[3]} ${m[4] ?? '00'}:${m[5] ?? '00'}`;
  if (unit === 'month') return `${m[1]}-${m[2]}`;
  return `${m[1]}-${m[2]}-${m[3]}`;
}
