/**
 * The Stats API request (Plausible's Stats API v2 body, `POST /api/v2/query`): its Zod schema (the
 * shapes, documented in the OpenAPI document) and `parseQuery`, which checks the names (metrics,
 * dimensions, filters, order_by) against what EventLens implements and answers a message naming the
 * field for anything else. The dimensions are dimensions.ts's, the filters filters.ts's.
 */
import { CANONICAL_TIME_ZONE, isCanonicalTimeZone } from '@eventlens/contracts';
import type { ProjectGoalRow } from '@eventlens/read-model';
import { z } from 'zod';
import {
  comparisonPeriod,
  daysBetween,
  isLocalDate,
  localToday,
  resolvePeriod,
  trimRelative,
  timeUnitOf,
  type ComparisonMode,
  type Period,
  type TimeUnit,
} from './dates';
import { MAX_RANGE_DAYS, outsideCalendar, rangeTooLong } from './calendar';
import { parseDimension, type Dimension } from './dimensions';
import { QueryError } from './errors';
import { filterNames, filtersEvents, parseFilters, type Filter } from './filters';
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
  'time_on_page',
  'scroll_depth',
  'exit_rate',
] as const;
export type Metric = (typeof METRICS)[number];

/** The metrics that divide by the visitors a goal could have had: they need `event:goal`. */
export const CONVERSION_METRICS: readonly Metric[] = ['conversion_rate', 'group_conversion_rate'];

/** Plausible metrics EventLens does not compute (named in the 400). */
const UNSUPPORTED_METRICS = ['average_revenue', 'total_revenue'];

/** The metrics of pages read from their page_leave events (page-leave-sql.ts): they need the pages named. */
export const PAGE_LEAVE_METRICS = ['time_on_page', 'scroll_depth'] as const satisfies readonly Metric[];
export type PageLeaveMetric = (typeof PAGE_LEAVE_METRICS)[number];
export const isPageLeaveMetric = (m: Metric): m is PageLeaveMetric =>
  (PAGE_LEAVE_METRICS as readonly Metric[]).includes(m);

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

/** Plausible's default page size (query_parser.ex, @default_pagination), also the largest. */
export const MAX_LIMIT = 10_000;

const FilterJson = z.array(z.unknown()).meta({
  description:
    'A filter: `[operator, dimension, [values…], {case_sensitive?}]` with operator is, is_not, contains, contains_not, matches, matches_not (a regular expression), matches_wildcard, matches_wildcard_not (a pattern of the whole value: `**` any characters, `*` any but `/`); or `["and"|"or", [filters…]]`, `["not", filter]`; or `["has_done"|"has_not_done", filter]`: whether the row\'s visit has an event the filter (on event dimensions) matches.',
  example: ['is', 'event:page', ['/pricing']],
});

/** The largest `pagination.offset`: deeper pages of a breakdown are better asked with filters. */
export const MAX_OFFSET = 1_000_000;

/** A whole number from `min` to `max`; whatever it breaks, it is told the one rule. */
function wholeNumber(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max.toLocaleString('en-US')}`;
  return z.number({ error: message }).int(message).min(min, message).max(max, message);
}

/**
 * A date range as sent: a preset's name or a `[from, to]` pair (parseQuery reads them). Missing or
 * of another type, it is told what it takes, not Zod's "Invalid input" for a union.
 */
export const DateRange = z.union([z.string().max(20), z.array(z.string().max(40)).max(2)], {
  error: (issue) =>
    `${issue.input === undefined ? 'is required:' : 'must be'} a preset such as "7d" or a [from, to] pair of dates`,
});

export const StatsRequest = z
  .strictObject({
    site_id: SiteId,
    metrics: z
      .array(z.string().max(100))
      .min(1)
      .max(METRICS.length)
      .meta({
        description: `Any of ${METRICS.join(', ')}. conversion_rate and group_conversion_rate need an event:goal filter or dimension; time_on_page (whole seconds a visit spent on the page, from its page_leave events) and scroll_depth (how far down a visit scrolled the page at most, in whole percent, averaged over the visits) an event:page filter or dimension; exit_rate (the percentage of an exit page’s page views that ended a visit, one decimal) the visit:exit_page dimension alone.`,
      }),
    date_range: DateRange.meta({
      description:
        'A preset in `timezone`: realtime, 30m, 24h, day (today), <N>d (the N whole days before today: 7d, 28d, 30d, 91d, …; N up to 5,000), <N>mo (the N whole months before this one: 6mo, 12mo, …; N up to 100), month, year (the current ones, whole), all; or `[from, to]`: two dates (both days included) or two ISO 8601 date-times with offsets.',
      example: '7d',
    }),
    dimensions: z.array(z.string().max(200)).max(4).optional().meta({
      description:
        'Group by: time (the unit the range calls for), time:minute|hour|day|week|month, event:page, event:name, event:goal (the project’s goals), visit:source, …',
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
        trim_relative_date_range: z.boolean().optional().meta({
          description:
            'With date_range month or year: the range ends today, not at the end of the month or year.',
        }),
        comparisons: z
          .strictObject({
            mode: z.enum(['previous_period', 'year_over_year', 'custom']),
            date_range: z
              .array(z.string().max(40))
              .max(2)
              .optional()
              .meta({ description: 'With mode custom: two dates, both included.' }),
            match_day_of_week: z.boolean().optional().meta({
              description:
                'previous_period and year_over_year: the compared period moved to start on the weekday the range starts on (Plausible’s). Default false.',
            }),
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
        limit: wholeNumber(1, MAX_LIMIT).optional(),
        offset: wholeNumber(0, MAX_OFFSET).optional(),
      })
      .optional(),
    date: z.string().max(10).optional().meta({
      description:
        'The day the presets count from (`7d` is this day and the 6 before), as `YYYY-MM-DD`; without it, today in `timezone`. Plausible’s `date`. `realtime`, `30m` and `24h` always end now.',
      example: '2024-01-31',
    }),
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
                'Per metric: the change in percent, rounded (0 → n is 100, 0 → 0 is 0); bounce_rate the difference in points, null when the compared rate is 0; conversion_rate and exit_rate the difference in points, one decimal.',
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
          trim_relative_date_range: z.boolean().optional(),
          comparisons: z
            .object({
              mode: z.string(),
              date_range: z.array(z.string()).optional(),
              match_day_of_week: z.boolean().optional(),
            })
            .optional(),
        }),
        pagination: z.object({ limit: z.number().int(), offset: z.number().int() }),
        timezone: z.string(),
      })
      .meta({ description: 'The query as EventLens ran it, defaults filled in.' }),
  })
  .meta({ id: 'StatsResult' });
export type StatsResponse = z.input<typeof StatsResponse>;

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
    throw new QueryError('timezone', `'${timeZone}' is not ${CANONICAL_TIME_ZONE}`);

  const metrics = body.metrics.map((name, i): Metric => {
    if ((METRICS as readonly string[]).includes(name)) return name as Metric;
    if (UNSUPPORTED_METRICS.includes(name))
      throw new QueryError(`metrics.${i}`, `'${name}' is not supported by EventLens`);
    throw new QueryError(`metrics.${i}`, `unknown metric '${name}'`);
  });
  if (new Set(metrics).size !== metrics.length) throw new QueryError('metrics', 'must not repeat a metric');

  if (body.date !== undefined && !isLocalDate(body.date))
    throw new QueryError('date', `'${body.date}' is not a date: give it as YYYY-MM-DD, e.g. 2024-01-31`);
  const dateOutside = body.date === undefined ? undefined : outsideCalendar(body.date);
  if (dateOutside) throw new QueryError('date', dateOutside);
  const today = body.date ?? localToday(nowMs, timeZone);
  const resolved = resolvePeriod(body.date_range, today, nowMs);
  if (typeof resolved === 'string') throw new QueryError('date_range', resolved);
  const period = body.include?.trim_relative_date_range
    ? trimRelative(body.date_range, resolved, today)
    : resolved;

  // Plausible's bare `time`: the unit its range calls for (timeUnitOf), in dimensions and order_by.
  const resolveTime = (name: string, field: string): string => {
    if (name !== 'time') return name;
    const unit = timeUnitOf(period);
    if (!unit)
      throw new QueryError(
        field,
        "'time' needs a date_range of known length, not all: name the unit (time:month, …)",
      );
    return `time:${unit}`;
  };
  const dimensions = (body.dimensions ?? []).map((name, i) =>
    parseDimension(resolveTime(name, `dimensions.${i}`), `dimensions.${i}`, true),
  );
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
  const pageNamed = dimensions.includes('event:page') || filters.some((f) => filterNames(f, 'event:page'));
  metrics.forEach((metric, i) => {
    if (CONVERSION_METRICS.includes(metric) && !goalNamed)
      throw new QueryError(
        `metrics.${i}`,
        `${metric} needs an event:goal filter or dimension (the goal to convert to), e.g. "filters": [["is", "event:goal", ["Signup"]]]`,
      );
    // As Plausible: a time on page and a scroll depth are of pages, named by a dimension or a filter.
    if (isPageLeaveMetric(metric) && !pageNamed)
      throw new QueryError(
        `metrics.${i}`,
        `${metric} needs an event:page filter or dimension (the pages it is of), e.g. "dimensions": ["event:page"]`,
      );
    // As Plausible: an exit rate is of exit pages, the share of a page's views that ended a visit.
    if (metric === 'exit_rate' && (dimensions.length !== 1 || dimensions[0] !== 'visit:exit_page'))
      throw new QueryError(
        `metrics.${i}`,
        'exit_rate is of exit pages: it needs "dimensions": ["visit:exit_page"] and no other dimension',
      );
    if (metric === 'exit_rate' && filters.some(filtersEvents))
      throw new QueryError(
        `metrics.${i}`,
        "exit_rate divides a page's exits by its page views, which an event:* filter would leave out: filter on the visits instead (visit:exit_page, visit:source, has_done, …)",
      );
    if (isPageLeaveMetric(metric) && dimensions.includes('event:goal'))
      throw new QueryError(
        `metrics.${i}`,
        `${metric} is of pages, not goals: leave event:goal out of the dimensions`,
      );
  });

  const orderBy = (body.order_by ?? []).map(([name, direction], i) => {
    const key = body.dimensions?.includes('time') ? resolveTime(name, `order_by.${i}`) : name;
    if (!(metrics as string[]).includes(key) && !(dimensions as string[]).includes(key))
      throw new QueryError(`order_by.${i}`, `'${key}' is not a metric or dimension of this query`);
    return { key: key as Metric | Dimension, direction };
  });

  const time = dimensions.find((d) => d.startsWith('time:'))?.slice('time:'.length) as TimeUnit | undefined;
  const maxDays = time === undefined ? undefined : MAX_RANGE_DAYS[time];
  if (maxDays !== undefined) {
    const tooLong =
      (period.kind === 'all' && time === 'minute') ||
      (period.kind === 'dates' && daysBetween(period.first, period.last) + 1 > maxDays) ||
      (period.kind === 'instants' && Date.parse(period.to) - Date.parse(period.from) > maxDays * 86_400_000);
    if (tooLong) throw new QueryError('dimensions', rangeTooLong(time!, maxDays));
  }

  let comparison: StatsQuery['include']['comparison'] = null;
  const comparisons = body.include?.comparisons;
  if (comparisons) {
    const compared = comparisonPeriod(
      period,
      today,
      comparisons.mode,
      comparisons.date_range,
      comparisons.match_day_of_week,
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
