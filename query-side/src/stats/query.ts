/**
 * The Stats API request (Plausible's Stats API v2 body, `POST /api/v2/query`): its Zod schema (the
 * shapes, documented in the OpenAPI document) and `parseQuery`, which checks the names (metrics,
 * dimensions, filters, order_by) against what EventLens implements and answers a message naming the
 * field for anything else.
 */
import { isCanonicalTimeZone } from '@eventlens/contracts';
import type { ProjectGoalRow } from '@eventlens/read-model';
import { z } from 'zod';
import {
  comparisonPeriod,
  daysBetween,
  localToday,
  resolvePeriod,
  type ComparisonMode,
  type Period,
} from './dates';
import { SiteId } from './site';

export const METRICS = [
  'visitors',
  'visits',
  'pageviews',
  'views_per_visit',
  'bounce_rate',
  'visit_duration',
  'events',
  'percentage',
  'conversion_rate',
  'group_conversion_rate',
] as const;
export type Metric = (typeof METRICS)[number];

/** The metrics that divide by the visitors a goal could have had: they need `event:goal`. */
export const CONVERSION_METRICS: readonly Metric[] = ['conversion_rate', 'group_conversion_rate'];

/** Plausible metrics EventLens does not compute (named in the 400). */
const UNSUPPORTED_METRICS = ['scroll_depth', 'time_on_page', 'average_revenue', 'total_revenue', 'exit_rate'];

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
  'visit:referrer',
  'visit:entry_page',
  'visit:exit_page',
  'visit:utm_source',
  'visit:utm_medium',
  'visit:utm_campaign',
  'visit:utm_term',
  'visit:utm_content',
  'visit:browser',
  'visit:os',
  'visit:device',
  'visit:country',
] as const;

export type PropertyDimension =
  (typeof EVENT_DIMENSIONS)[number] | (typeof VISIT_DIMENSIONS)[number] | `event:props:${string}`;
export type Dimension = TimeDimension | PropertyDimension;

export const FILTER_OPERATORS = [
  'is',
  'is_not',
  'contains',
  'contains_not',
  'matches',
  'matches_not',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export type Filter =
  | { op: FilterOperator; dimension: PropertyDimension; values: string[]; caseSensitive: boolean }
  | { op: 'and' | 'or'; filters: Filter[] }
  | { op: 'not'; filter: Filter };

export interface StatsQuery {
  projectId: string;
  /** The project's goals (admin.project_settings), for `event:goal`; empty when the query names none. */
  goals: readonly ProjectGoalRow[];
  metrics: Metric[];
  dimensions: Dimension[];
  filters: Filter[];
  /** Explicit order, each a metric or dimension of the query; empty: the default order. */
  orderBy: Array<{ key: Metric | Dimension; direction: 'asc' | 'desc' }>;
  limit: number;
  offset: number;
  period: Period;
  timeZone: string;
  include: {
    timeLabels: boolean;
    totalRows: boolean;
    /** `include.comparisons`: the mode and the period compared with; null without. */
    comparison: { mode: ComparisonMode; period: Period } | null;
  };
}

/** The longest range `time:minute` buckets: 2 days, 2,880 labels. */
export const MAX_MINUTE_RANGE_MS = 2 * 86_400_000;

/** Plausible's default page size (query_parser.ex, @default_pagination), also the largest. */
export const MAX_LIMIT = 10_000;
const MAX_FILTER_DEPTH = 6;
const MAX_FILTER_VALUES = 100;

const FilterJson = z.array(z.unknown()).meta({
  description:
    'A filter: `[operator, dimension, [values…], {case_sensitive?}]` with operator is, is_not, contains, contains_not, matches, matches_not; or `["and"|"or", [filters…]]`, `["not", filter]`.',
  example: ['is', 'event:page', ['/pricing']],
});

export const StatsRequest = z
  .strictObject({
    site_id: SiteId,
    metrics: z
      .array(z.string().max(100))
      .min(1)
      .max(METRICS.length)
      .meta({
        description: `Any of ${METRICS.join(', ')}. conversion_rate and group_conversion_rate need an event:goal filter or dimension.`,
      }),
    date_range: z.union([z.string().max(20), z.array(z.string().max(40)).max(2)]).meta({
      description:
        'A preset (realtime, 30m, 24h, day, 7d, 28d, 30d, 91d, month, 6mo, 12mo, year, all) in `timezone`, or `[from, to]`: two dates (both days included) or two ISO 8601 date-times with offsets.',
      example: '7d',
    }),
    dimensions: z.array(z.string().max(200)).max(4).optional().meta({
      description:
        'Group by: time:minute|hour|day|week|month, event:page, event:name, event:goal (the project’s goals), visit:source, …',
    }),
    filters: z.array(FilterJson).max(30).optional(),
    order_by: z
      .array(z.tuple([z.string().max(200), z.enum(['asc', 'desc'])]))
      .max(8)
      .optional()
      .meta({ description: 'Pairs `[metric or dimension, "asc"|"desc"]`, each one of the query’s.' }),
    include: z
      .strictObject({
        time_labels: z.boolean().optional(),
        total_rows: z.boolean().optional(),
        comparisons: z
          .strictObject({
            mode: z.enum(['previous_period', 'year_over_year', 'custom']),
            date_range: z
              .array(z.string().max(40))
              .max(2)
              .optional()
              .meta({ description: 'With mode custom: two dates, both included.' }),
          })
          .optional()
          .meta({
            description:
              'Each row gets `comparison: {dimensions, metrics, change}` for the same dimension values over the previous period, the same days a year (365 days) earlier, or a custom pair of dates. Needs a date_range of whole days.',
            example: { mode: 'previous_period' },
          }),
        imports: z
          .boolean()
          .optional()
          .meta({ description: 'Accepted for compatibility: nothing is imported.' }),
      })
      .optional(),
    pagination: z
      .strictObject({
        limit: z.number().int().min(1).max(MAX_LIMIT).optional(),
        offset: z.number().int().min(0).max(1_000_000).optional(),
      })
      .optional(),
    timezone: z.string().max(64).optional().meta({
      description:
        'The IANA time zone of date ranges and time buckets; without it, the project’s zone (its settings; UTC when none).',
      example: 'Europe/Berlin',
    }),
  })
  .meta({ id: 'StatsQuery' });
export type StatsRequest = z.output<typeof StatsRequest>;

export const StatsResponse = z
  .object({
    results: z.array(
      z.object({
        metrics: z.array(z.number()).meta({ description: 'In the order of the query’s metrics.' }),
        dimensions: z.array(z.string()).meta({ description: 'In the order of the query’s dimensions.' }),
        comparison: z
          .object({
            dimensions: z
              .array(z.string())
              .meta({ description: 'The compared row’s: a time dimension is its bucket in that period.' }),
            metrics: z
              .array(z.number())
              .meta({ description: 'The metrics over the compared period (0: no rows).' }),
            change: z.array(z.number().nullable()).meta({
              description:
                'Per metric: the change in percent, rounded (0 → n is 100, 0 → 0 is 0); bounce_rate the difference in points, null when the compared rate is 0.',
            }),
          })
          .optional()
          .meta({ description: 'With include.comparisons.' }),
      }),
    ),
    meta: z.object({
      time_labels: z.array(z.string()).optional(),
      total_rows: z.number().int().optional(),
      comparison_date_range: z
        .array(z.string())
        .optional()
        .meta({ description: 'EventLens extension: the compared period as run, both ends included.' }),
    }),
    query: z
      .object({
        site_id: z.string(),
        metrics: z.array(z.string()),
        date_range: z.array(z.string()).meta({ description: 'The resolved range, both ends included.' }),
        dimensions: z.array(z.string()),
        filters: z.array(z.array(z.unknown())),
        order_by: z.array(z.tuple([z.string(), z.enum(['asc', 'desc'])])),
        include: z.object({
          time_labels: z.boolean(),
          total_rows: z.boolean(),
          imports: z.boolean(),
          comparisons: z.object({ mode: z.string(), date_range: z.array(z.string()).optional() }).optional(),
        }),
        pagination: z.object({ limit: z.number().int(), offset: z.number().int() }),
        timezone: z.string(),
      })
      .meta({ description: 'The query as EventLens ran it, defaults filled in.' }),
  })
  .meta({ id: 'StatsResult' });
export type StatsResponse = z.input<typeof StatsResponse>;

/** A request that passed the schema but names something EventLens does not have. */
export class QueryError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

function parseDimension(name: string, field: string, allowTime: boolean): Dimension {
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
  if (name === 'time') throw new QueryError(field, "'time' is not supported: name time:hour, time:day, …");
  throw new QueryError(field, `unknown or unsupported dimension '${name}'`);
}

function parseFilter(raw: unknown, field: string, depth: number): Filter {
  if (depth > MAX_FILTER_DEPTH) throw new QueryError(field, `filters nest at most ${MAX_FILTER_DEPTH} deep`);
  if (!Array.isArray(raw) || typeof raw[0] !== 'string') throw new QueryError(field, 'must be [operator, …]');
  const op = raw[0];
  if (op === 'and' || op === 'or') {
    const list: unknown = raw[1];
    if (raw.length !== 2 || !Array.isArray(list) || list.length === 0)
      throw new QueryError(field, `must be ["${op}", [filter, …]] with at least one filter`);
    return { op, filters: list.map((f, i) => parseFilter(f, `${field}.1.${i}`, depth + 1)) };
  }
  if (op === 'not') {
    if (raw.length !== 2) throw new QueryError(field, 'must be ["not", filter]');
    return { op, filter: parseFilter(raw[1], `${field}.1`, depth + 1) };
  }
  if (!(FILTER_OPERATORS as readonly string[]).includes(op)) {
    throw new QueryError(`${field}.0`, `unknown or unsupported operator '${op}'`);
  }
  if (raw.length < 3 || raw.length > 4)
    throw new QueryError(field, 'must be [operator, dimension, [values…]]');
  if (typeof raw[1] !== 'string') throw new QueryError(`${field}.1`, 'must be a dimension name');
  const dimension = parseDimension(raw[1], `${field}.1`, false) as PropertyDimension;
  const values: unknown = raw[2];
  if (
    !Array.isArray(values) ||
    values.length === 0 ||
    values.length > MAX_FILTER_VALUES ||
    !values.every((v) => typeof v === 'string' && v.length <= 2048)
  ) {
    throw new QueryError(`${field}.2`, `must be 1 to ${MAX_FILTER_VALUES} strings`);
  }
  let caseSensitive = true;
  if (raw.length === 4) {
    const modifiers: unknown = raw[3];
    const keys = modifiers && typeof modifiers === 'object' ? Object.keys(modifiers) : ['?'];
    const value = (modifiers as { case_sensitive?: unknown } | null)?.case_sensitive;
    if (keys.some((k) => k !== 'case_sensitive') || (value !== undefined && typeof value !== 'boolean'))
      throw new QueryError(`${field}.3`, 'the only modifier is {"case_sensitive": boolean}');
    caseSensitive = value !== false;
  }
  return { op: op as FilterOperator, dimension, values: values as string[], caseSensitive };
}

/**
 * A request's `filters` (the JSON of `[operator, dimension, [values…]]`, `["and"|"or", […]]`,
 * `["not", filter]`) as the compiler takes them (plan.ts, `filterSql`), or a `QueryError` naming the
 * one at fault by its path from `field` (`filters.1.1`). Names are checked against what EventLens
 * implements; `event:goal` is accepted here, and means something only to a caller that has the
 * project's goals (parseQuery's `goals`).
 */
export function parseFilters(raw: readonly unknown[], field = 'filters'): Filter[] {
  return raw.map((f, i) => parseFilter(f, `${field}.${i}`, 0));
}

/** Whether `filter` names `dimension` anywhere in its tree. */
export function filterNames(filter: Filter, dimension: PropertyDimension): boolean {
  if ('filters' in filter) return filter.filters.some((f) => filterNames(f, dimension));
  if ('filter' in filter) return filterNames(filter.filter, dimension);
  return filter.dimension === dimension;
}

/**
 * Whether a request names `event:goal` (a dimension or a filter), so that its project's goals must
 * be read before it is planned. A look at the raw body, before parsing: a false positive only reads
 * the goals for nothing.
 */
export function mentionsGoals(body: { dimensions?: unknown; filters?: unknown }): boolean {
  return JSON.stringify([body.dimensions ?? [], body.filters ?? []]).includes('"event:goal"');
}

/**
 * The request as a query the planner runs, or a `QueryError` naming the field. `nowMs` is the
 * current instant (the app's clock), so this stays pure; relative ranges start from it. `goals` are
 * the project's (its settings), which `event:goal` names; a goal name no goal has matches nothing.
 * A caller that does not give them (a route that does not read the settings) gets a `QueryError`
 * for a request naming `event:goal`, rather than answers in which no goal exists.
 */
export function parseQuery(
  body: StatsRequest,
  projectId: string,
  nowMs: number,
  goals?: readonly ProjectGoalRow[],
): StatsQuery {
  const timeZone = body.timezone ?? 'UTC';
  // The same rule as a project's default zone (contracts, TimeZoneName).
  if (!isCanonicalTimeZone(timeZone))
    throw new QueryError('timezone', `'${timeZone}' is not an IANA time zone name`);

  const metrics = body.metrics.map((name, i): Metric => {
    if ((METRICS as readonly string[]).includes(name)) return name as Metric;
    if (UNSUPPORTED_METRICS.includes(name))
      throw new QueryError(`metrics.${i}`, `'${name}' is not supported by EventLens`);
    throw new QueryError(`metrics.${i}`, `unknown metric '${name}'`);
  });
  if (new Set(metrics).size !== metrics.length) throw new QueryError('metrics', 'must not repeat a metric');

  const dimensions = (body.dimensions ?? []).map((name, i) => parseDimension(name, `dimensions.${i}`, true));
  if (new Set(dimensions).size !== dimensions.length)
    throw new QueryError('dimensions', 'must not repeat a dimension');
  if (dimensions.filter((d) => d.startsWith('time:')).length > 1)
    throw new QueryError('dimensions', 'at most one time dimension');

  const filters = parseFilters(body.filters ?? []);

  // As Plausible: a conversion rate is of a goal, named by a dimension or a filter.
  const goalNamed = dimensions.includes('event:goal') || filters.some((f) => filterNames(f, 'event:goal'));
  if (goalNamed && goals === undefined) {
    const i = filters.findIndex((f) => filterNames(f, 'event:goal'));
    throw new QueryError(
      i >= 0 ? `filters.${i}` : `dimensions.${dimensions.indexOf('event:goal')}`,
      "event:goal is not available here (this route does not read the project's goals): name the goal's event with event:name, or its pages with event:page",
    );
  }
  metrics.forEach((metric, i) => {
    if (CONVERSION_METRICS.includes(metric) && !goalNamed)
      throw new QueryError(
        `metrics.${i}`,
        `${metric} needs an event:goal filter or dimension (the goal to convert to), e.g. "filters": [["is", "event:goal", ["Signup"]]]`,
      );
  });

  const orderBy = (body.order_by ?? []).map(([key, direction], i) => {
    if (!(metrics as string[]).includes(key) && !(dimensions as string[]).includes(key))
      throw new QueryError(`order_by.${i}`, `'${key}' is not a metric or dimension of this query`);
    return { key: key as Metric | Dimension, direction };
  });

  const period = resolvePeriod(body.date_range, localToday(nowMs, timeZone), nowMs);
  if (typeof period === 'string') throw new QueryError('date_range', period);

  if (dimensions.includes('time:minute')) {
    const tooLong =
      period.kind === 'all' ||
      (period.kind === 'dates' && daysBetween(period.first, period.last) >= 2) ||
      (period.kind === 'instants' && Date.parse(period.to) - Date.parse(period.from) > MAX_MINUTE_RANGE_MS);
    if (tooLong) throw new QueryError('dimensions', 'time:minute needs a date_range of at most 2 days');
  }

  let comparison: StatsQuery['include']['comparison'] = null;
  const comparisons = body.include?.comparisons;
  if (comparisons) {
    const compared = comparisonPeriod(
      period,
      localToday(nowMs, timeZone),
      comparisons.mode,
      comparisons.date_range,
    );
    if (typeof compared === 'string') throw new QueryError('include.comparisons', compared);
    comparison = { mode: comparisons.mode, period: compared };
  }

  const timeLabels = body.include?.time_labels ?? false;
  if (timeLabels && !dimensions.some((d) => d.startsWith('time:')))
    throw new QueryError('include.time_labels', 'needs a time dimension');

  return {
    projectId,
    goals: goals ?? [],
    metrics,
    dimensions,
    filters,
    orderBy,
    limit: body.pagination?.limit ?? MAX_LIMIT,
    offset: body.pagination?.offset ?? 0,
    period,
    timeZone,
    include: { timeLabels, totalRows: body.include?.total_rows ?? false, comparison },
  };
}
