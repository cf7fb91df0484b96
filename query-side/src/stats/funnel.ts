/**
 * Funnels (`POST /api/v2/funnel`, an EventLens extension: Plausible's public Stats API has none):
 * ordered steps within a visit, with the drop-off at each step, over the same date ranges, zones and
 * filters as the Stats API.
 *
 * A visit completes step n when its events, in the order (ts, event_id), have matches of steps
 * 1 … n in that order: the earliest match of step 1, then the earliest match of step 2 after it,
 * and so on (taking the earliest match at each step never loses a later step). A visitor — the
 * visit's `coalesce(user_id, anonymous_id)` in analytics.sessions, its latest ids (docs/DESIGN.md,
 * "Visits") — completes step n when one of their visits does, as Plausible counts funnel visitors. The events are the visit's human events in the range; filters
 * select visits as they do for visit metrics (`visit:*` the visit's own, `event:*` a visit with such
 * an event).
 */
import { pagePatternRegex } from '@eventlens/contracts';
import { PagePath } from '@eventlens/contracts';
import { humanEvents, type ProjectGoalRow } from '@eventlens/read-model';
import { z } from 'zod';
import { filterSql } from './clauses';
import type { StatsTables } from './plan';
import { boundsSql, rangeEnds } from './range-sql';
import { DateRange, parseQuery, type StatsQuery, type StatsRequest } from './query';
import { SiteId } from './site';
import { Binder, eventSql } from './sql';

export const MAX_STEPS = 8;

const Step = z
  .union(
    [
      z.strictObject({ page: PagePath }),
      z.strictObject({ page_pattern: PagePath }),
      z.strictObject({ event: z.string().min(1).max(200) }),
    ],
    {
      // Zod's own word for an object no option's keys fit is "Invalid input": say what a step is instead.
      // (An object whose keys fit one option, `{"page": ""}`, is told that option's error.)
      error: 'a step is exactly one of {"page": "/path"}, {"page_pattern": "/blog/**"} or {"event": "name"}',
    },
  )
  .meta({
    description:
      'A page view of a page (`{"page": "/pricing"}`, the path as `event:page` has it), of pages matching a wildcard pattern (`{"page_pattern": "/blog/**"}`: `*` any characters but `/`, `**` any characters), or an event by name (`{"event": "signup"}`).',
  });
export type Step = z.output<typeof Step>;

export const FunnelRequest = z
  .strictObject({
    site_id: SiteId,
    date_range: DateRange.meta({
      description: 'As the Stats API’s (a preset or a `[from, to]` pair), in `timezone`.',
      example: '7d',
    }),
    date: z
      .string()
      .max(10)
      .optional()
      .meta({ description: 'As the Stats API’s: the day the presets count from (`YYYY-MM-DD`).' }),
    timezone: z
      .string()
      .max(64)
      .optional()
      .meta({ description: 'An IANA zone (default: the project’s zone, UTC when it has none).' }),
    filters: z.array(z.array(z.unknown())).max(30).optional().meta({
      description: 'As the Stats API’s; they select visits, as for visit metrics.',
    }),
    steps: z.array(Step).min(2).max(MAX_STEPS),
  })
  .meta({ id: 'FunnelQuery' });
export type FunnelRequest = z.output<typeof FunnelRequest>;

export const FunnelResponse = z
  .object({
    steps: z.array(
      z.object({
        label: z.string().meta({ description: 'The step’s page, pattern or event name.' }),
        visitors: z.number().int().meta({ description: 'Visitors with a visit that completed this step.' }),
        visits: z.number().int().meta({ description: 'Visits that completed this step.' }),
        conversion_rate: z
          .number()
          .meta({ description: 'Visitors as % of step 1’s, two decimals (step 1: 100, or 0 when none).' }),
        drop_off: z
          .number()
          .int()
          .meta({ description: 'Visitors of the previous step who did not reach this one.' }),
        drop_off_rate: z
          .number()
          .meta({ description: 'drop_off as % of the previous step’s visitors, two decimals.' }),
      }),
    ),
    query: z.object({
      site_id: z.string(),
      date_range: z.array(z.string()).meta({ description: 'The resolved range, both ends included.' }),
      timezone: z.string(),
    }),
  })
  .meta({ id: 'FunnelResult' });
export type FunnelResponse = z.input<typeof FunnelResponse>;

export function stepLabel(step: Step): string {
  return 'page' in step ? step.page : 'page_pattern' in step ? step.page_pattern : step.event;
}

export interface Funnel {
  query: StatsQuery;
  steps: Step[];
}

/**
 * The request as a funnel, or a `QueryError` naming the field (the Stats API's parser checks the
 * rest). `goals`: the project's, for `event:goal` filters.
 */
export function parseFunnel(
  body: FunnelRequest,
  projectId: string,
  nowMs: number,
  goals: readonly ProjectGoalRow[] = [],
): Funnel {
  const request: StatsRequest = {
    site_id: body.site_id,
    metrics: ['visits'],
    date_range: body.date_range,
    ...(body.date === undefined ? {} : { date: body.date }),
    ...(body.timezone === undefined ? {} : { timezone: body.timezone }),
    ...(body.filters === undefined ? {} : { filters: body.filters }),
  };
  return { query: parseQuery(request, projectId, nowMs, goals), steps: body.steps };
}

export interface FunnelPlan {
  sql: string;
  bindings: unknown[];
}

/**
 * One statement for the funnel. Its rows: `lo`, `hi` (the range's instants) on each, and per step
 * `step` (1-based), `visitors`, `visits`.
 *
 * - `m`: the human events in the range that match some step, of the visits that pass the filters,
 *   numbered in each visit by (ts, event_id) (`seq`), with one boolean per step;
 * - `v`: per visit, the array of positions matching each step (`a1`, `a2`, …);
 * - `r`: per visit, `k1` the first position of step 1, `k<n>` the first position of step n after
 *   `k<n-1>` (null when there is none, and then for every later step), so a step before the
 *   previous one never counts and a repeated step counts once;
 * - the visits and distinct visitors with each `k<n>`.
 */
export function planFunnel(funnel: Funnel, tables: StatsTables): FunnelPlan {
  const { query: q, steps } = funnel;
  const b = new Binder();
  const bounds = `bounds as (${boundsSql(q, b, tables)})`;
  // Whether an event matches a step; each call binds its values afresh, in the order of the text.
  const stepMatch = (step: Step) => {
    if ('event' in step) return `(e.event_name = ${b.bind(step.event, 'text')})`;
    const page = eventSql('event:page', 'e', b)!;
    const test =
      'page' in step
        ? `${page} = ${b.bind(step.page, 'text')}`
        : `${page} ~ ${b.bind(pagePatternRegex(step.page_pattern), 'text')}`;
    return `(e.event_name = 'page_view' and coalesce(${test}, false))`;
  };
  // The range's ends inline, not `bounds.lo`: the planner then estimates the range's events and
  // reads them by index (with the CTE's columns it read every event of the project).
  const range = rangeEnds(q, b);
  const matches = steps.map((step, k) => `${stepMatch(step)} as s${k + 1}`);
  // A visit with an event of the range is active since the range's start: only those are joined.
  const visitOfEvent = `s.project_id = e.project_id and s.session_id = e.session_id and s.last_seen >= ${range.lo()}`;
  const where = [
    `e.project_id = ${b.bind(q.projectId, 'uuid')}`,
    `e.ts >= ${range.lo()}`,
    `e.ts < ${range.hi()}`,
    humanEvents('e'),
    'not s.is_bot',
    ...q.filters.map((f) => filterSql(f, 'visits', q, b, tables.events)),
    // Only the events of some step: the order among them is all the steps need, and the other
    // events (most of a range's) were read, numbered and grouped for nothing.
    `(${steps.map(stepMatch).join(' or ')})`,
  ];
  // Per visit, the positions (seq, among its events of some step) of the events matching each
  // step; then, step by step, the first position of step k after the one chosen for step k-1 (null
  // once a step is missing). Linear
  // in the events: one sort for seq, one group by, and small unnests per visit — no self-join, whose
  // estimates the planner gets wrong (a nested loop over thousands of visits).
  const m =
    `m as (select e.session_id, coalesce(s.user_id, s.anonymous_id) as visitor, ` +
    `row_number() over (partition by e.session_id order by e.ts, e.event_id) as seq, ${matches.join(', ')}` +
    ` from ${tables.events} e join ${tables.sessions} s on ${visitOfEvent}` +
    ` cross join bounds where ${where.join(' and ')})`;
  const arrays = steps.map((_, k) => `array_agg(seq) filter (where s${k + 1}) as a${k + 1}`);
  const v = `v as (select session_id, visitor, ${arrays.join(', ')} from m group by session_id, visitor)`;
  const laterals = steps.map((_, k) =>
    k === 0
      ? ` cross join lateral (select min(x) as k1 from unnest(v.a1) x) l1`
      : ` cross join lateral (select min(x) as k${k + 1} from unnest(v.a${k + 1}) x where x > l${k}.k${k}) l${k + 1}`,
  );
  const reached = `r as (select v.visitor, ${steps.map((_, k) => `l${k + 1}.k${k + 1}`).join(', ')} from v${laterals.join('')})`;
  const ctes = [bounds, m, v, reached];
  const counts = steps
    .map(
      (_, k) =>
        `select ${k + 1} as step, count(distinct visitor) filter (where k${k + 1} is not null) as visitors,` +
        ` count(*) filter (where k${k + 1} is not null) as visits from r`,
    )
    .join(' union all ');
  ctes.push(`c as (${counts})`);
  const sql = `with ${ctes.join(', ')} select bounds.lo, bounds.hi, c.step, c.visitors, c.visits from bounds cross join c order by c.step`;
  return { sql, bindings: b.bindings };
}

const percent = (part: number, whole: number) =>
  whole === 0 ? 0 : Math.round((10_000 * part) / whole) / 100;

/** The steps' figures from each step's visitors and visits (in step order). */
export function funnelSteps(
  steps: Step[],
  counts: Array<{ visitors: number; visits: number }>,
): FunnelResponse['steps'] {
  const entered = counts[0]?.visitors ?? 0;
  return steps.map((step, k) => {
    const { visitors, visits } = counts[k]!;
    const previous = k === 0 ? visitors : counts[k - 1]!.visitors;
    return {
      label: stepLabel(step),
      visitors,
      visits,
      conversion_rate: percent(visitors, entered),
      drop_off: previous - visitors,
      drop_off_rate: percent(previous - visitors, previous),
    };
  });
}
