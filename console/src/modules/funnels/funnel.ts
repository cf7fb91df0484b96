/**
 * A funnel as the screen edits it and as POST /api/v2/funnel takes it (docs/stats-api.md,
 * "Funnels"): 2–8 steps, each a page (`/pricing`), a page pattern (`/blog/**`) or an event name,
 * over a range of calendar days in a time zone. In the URL as repeated `step=<kind>:<value>` and
 * `range=<preset>`, so a copied link runs the same funnel over the days before the day it is opened.
 */
import type { LocationQuery, LocationQueryRaw } from 'vue-router';
import type { FunnelQuery, FunnelStep } from '@/api/types';
import { dateIn } from '@/shared/time';

export const MIN_STEPS = 2;
export const MAX_STEPS = 8;

export type StepKind = 'page' | 'page_pattern' | 'event';

export interface StepDraft {
  kind: StepKind;
  value: string;
}

export const STEP_KINDS: ReadonlyArray<{ kind: StepKind; label: string; placeholder: string }> = [
  { kind: 'page', label: 'Page', placeholder: '/pricing' },
  { kind: 'page_pattern', label: 'Page pattern', placeholder: '/blog/**' },
  { kind: 'event', label: 'Event', placeholder: 'signup' },
];

/**
 * The ranges the screen offers: calendar days of the query's time zone up to today included, which
 * "Last 7 days" means on every screen (today and the 6 before; "Last 12 months" this month and the 11
 * before, whole). The Overview's rolling windows say "7 × 24 h" (shared/time.ts, PRESETS). The
 * screen says how they count above the steps; funnelDateRange turns them into dates.
 */
export const FUNNEL_RANGES = [
  { value: 'day', label: 'Today' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: '91d', label: 'Last 91 days' },
  { value: '12mo', label: 'Last 12 months' },
] as const;
export type FunnelRange = (typeof FUNNEL_RANGES)[number]['value'];

const isKind = (k: string): k is StepKind => STEP_KINDS.some((s) => s.kind === k);

export interface FunnelState {
  steps: StepDraft[];
  range: FunnelRange;
}

/** The URL's steps (at most MAX_STEPS, unknown kinds left out) and range (default 30d). */
export function funnelFromQuery(query: LocationQuery): FunnelState {
  const raw = query.step;
  const steps: StepDraft[] = [];
  for (const text of (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string')) {
    const at = text.indexOf(':');
    const kind = text.slice(0, at);
    if (at <= 0 || !isKind(kind)) continue;
    steps.push({ kind, value: text.slice(at + 1) });
  }
  const range = FUNNEL_RANGES.find((r) => r.value === query.range)?.value ?? '30d';
  return { steps: steps.slice(0, MAX_STEPS), range };
}

export function funnelToQuery(state: FunnelState): LocationQueryRaw {
  return { step: state.steps.map((s) => `${s.kind}:${s.value}`), range: state.range };
}

/** The longest event name and page the API takes (contracts' LIMITS, in UTF-16 code units). */
const EVENT_MAX = 200;
const PAGE_MAX = 2048;

/**
 * Why the steps cannot run yet, or null when they can: 2–8 steps, none blank, pages starting with
 * `/`, none longer than the API takes (what POST /api/v2/funnel refuses, said with the step's number).
 */
export function stepsProblem(steps: readonly StepDraft[]): string | null {
  if (steps.length < MIN_STEPS) return `A funnel has at least ${MIN_STEPS} steps.`;
  if (steps.length > MAX_STEPS) return `A funnel has at most ${MAX_STEPS} steps.`;
  for (const [i, step] of steps.entries()) {
    const value = step.value.trim();
    if (value === '') return `Step ${i + 1} is empty.`;
    if (step.kind === 'event' && value.length > EVENT_MAX)
      return `Step ${i + 1}: an event name has at most ${EVENT_MAX} characters.`;
    if (step.kind !== 'event' && !value.startsWith('/'))
      return `Step ${i + 1}: a page starts with / (such as /pricing).`;
    if (step.kind !== 'event' && value.length > PAGE_MAX)
      return `Step ${i + 1}: a page has at most ${PAGE_MAX.toLocaleString('en-US')} characters.`;
  }
  return null;
}

export function funnelStep(step: StepDraft): FunnelStep {
  const value = step.value.trim();
  if (step.kind === 'page') return { page: value };
  if (step.kind === 'page_pattern') return { page_pattern: value };
  return { event: value };
}

const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * The Stats API's `date_range` for `range` at `now` in `timeZone`: `day` (today) as it is, the others
 * as the pair of dates they cover up to today. The API's own `7d` is the 7 days *before* today
 * (Plausible's presets, docs/stats-api.md), which would leave out what was sent a minute ago.
 */
export function funnelDateRange(range: FunnelRange, timeZone: string, now: number): 'day' | [string, string] {
  if (range === 'day') return 'day';
  const today = dateIn(now, timeZone);
  if (range === '12mo') {
    const [y, m] = today.split('-').map(Number) as [number, number];
    return [new Date(Date.UTC(y, m - 12, 1)).toISOString().slice(0, 10), today];
  }
  const days = { '7d': 7, '30d': 30, '91d': 91 }[range];
  return [addDays(today, 1 - days), today];
}

export function funnelQuery(
  projectId: string,
  state: FunnelState,
  timeZone: string,
  now: number,
): FunnelQuery {
  return {
    site_id: projectId,
    date_range: funnelDateRange(state.range, timeZone, now),
    timezone: timeZone,
    steps: state.steps.map(funnelStep),
  };
}
