/**
 * A funnel as the screen edits it and as POST /api/v2/funnel takes it (docs/stats-api.md,
 * "Funnels"): 2–8 steps, each a page (`/pricing`), a page pattern (`/blog/**`) or an event name,
 * over a Stats API preset range in a time zone. In the URL as repeated `step=<kind>:<value>` and
 * `range=<preset>`, so a copied link runs the same funnel.
 */
import type { LocationQuery, LocationQueryRaw } from 'vue-router';
import type { FunnelQuery, FunnelStep } from '@/api/types';

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
 * The Stats API's presets the screen offers, counted in the query's time zone. They are calendar
 * days up to today (docs/stats-api.md: `7d` is today and the 6 days before, `30d` today and the 30
 * before), which "Last 7 days" means on every screen; the Overview's rolling windows say "7 × 24 h"
 * (shared/time.ts, PRESETS). The screen says how they count above the steps.
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

/** Why the steps cannot run yet, or null when they can: 2–8 steps, none blank. */
export function stepsProblem(steps: readonly StepDraft[]): string | null {
  if (steps.length < MIN_STEPS) return `A funnel has at least ${MIN_STEPS} steps.`;
  if (steps.length > MAX_STEPS) return `A funnel has at most ${MAX_STEPS} steps.`;
  const blank = steps.findIndex((s) => s.value.trim() === '');
  return blank >= 0 ? `Step ${blank + 1} is empty.` : null;
}

export function funnelStep(step: StepDraft): FunnelStep {
  const value = step.value.trim();
  if (step.kind === 'page') return { page: value };
  if (step.kind === 'page_pattern') return { page_pattern: value };
  return { event: value };
}

export function funnelQuery(projectId: string, state: FunnelState, timeZone: string): FunnelQuery {
  return {
    site_id: projectId,
    date_range: state.range,
    timezone: timeZone,
    steps: state.steps.map(funnelStep),
  };
}
