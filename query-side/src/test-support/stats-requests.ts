/**
 * Stats API request bodies the schema takes (fast-check), without `site_id`: every metric, time,
 * visit and event dimensions, filter trees of every operator (the wildcard and behavioral ones too),
 * a preset or a pair of dates, an optional `date`, four zones (with half-hour offsets and DST).
 * Four in five are built to be accepted: the metrics that need something (a conversion rate a goal,
 * time on page and scroll depth a page, an exit rate the exit page alone) come with it, and has_done holds event
 * filters; the fifth is drawn freely, and mostly refused. The planner's unit test and the API's int
 * test both draw from it (the project's goals named here: `Signup`).
 */
import fc from 'fast-check';
import { EVENT_DIMENSIONS, TIME_DIMENSIONS, VISIT_DIMENSIONS } from '../stats/dimensions';
import { FILTER_OPERATORS, WILDCARD_OPERATORS } from '../stats/filters';
import { METRICS, type Metric } from '../stats/query';

/** The metrics that need a goal, a page or the exit page. */
const NEEDY: readonly Metric[] = [
  'conversion_rate',
  'group_conversion_rate',
  'time_on_page',
  'scroll_depth',
  'exit_rate',
];
const PLAIN = METRICS.filter((m) => !NEEDY.includes(m));

const text = fc.string({ maxLength: 12 });
const props = text.filter((k) => k.length > 0).map((k) => `event:props:${k}`);
const eventDimension = fc.oneof(fc.constantFrom(...EVENT_DIMENSIONS), props);
const anyDimension = fc.oneof(fc.constantFrom(...EVENT_DIMENSIONS, ...VISIT_DIMENSIONS), props);
const operator = fc.constantFrom(
  ...FILTER_OPERATORS,
  ...(Object.keys(WILDCARD_OPERATORS) as (keyof typeof WILDCARD_OPERATORS)[]),
);
const leafOf = (dimension: fc.Arbitrary<string>) =>
  fc.tuple(operator, dimension, fc.array(text, { minLength: 1, maxLength: 3 }));

/** `and`, `or` and `not` trees of `leaf`s, and `also` beside the leaves. */
const treeOf = (leaf: fc.Arbitrary<unknown>, also: fc.Arbitrary<unknown>[] = []) =>
  fc.letrec((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      ...also,
      fc.tuple(fc.constantFrom('and', 'or'), fc.array(tie('f'), { minLength: 1, maxLength: 3 })),
      fc.tuple(fc.constant('not'), tie('f')),
    ),
  })).f;

const eventTree = treeOf(leafOf(eventDimension));
const behavioral = fc.tuple(fc.constantFrom('has_done', 'has_not_done'), eventTree);
const acceptedFilter = treeOf(leafOf(anyDimension), [behavioral]);
// has_done around anything: a visit dimension or another has_done inside is refused.
const anyFilter = treeOf(leafOf(anyDimension), [
  fc.tuple(fc.constantFrom('has_done', 'has_not_done'), treeOf(leafOf(anyDimension), [behavioral])),
]);

const common = {
  dimensions: fc
    .tuple(
      fc.option(fc.constantFrom(...TIME_DIMENSIONS), { nil: undefined }),
      fc.uniqueArray(fc.constantFrom(...VISIT_DIMENSIONS), { maxLength: 2 }),
      fc.uniqueArray(eventDimension, { maxLength: 1 }),
    )
    .map(([time, visit, event]) => [...(time ? [time] : []), ...visit, ...event]),
  date_range: fc.constantFrom('24h', 'day', '7d', '30d', 'month', '6mo', '12mo', 'year', 'all', [
    '2024-01-01',
    '2024-01-31',
  ]),
  date: fc.option(fc.constantFrom('2024-01-10', '2024-11-03'), { nil: undefined }),
  timezone: fc.constantFrom('UTC', 'Asia/Kolkata', 'America/New_York', 'Australia/Lord_Howe'),
};

type Body = Record<string, unknown> & { metrics: string[]; dimensions: string[]; filters: unknown[] };

/** `body` with what `metric` needs (query.ts): its goal, its page, or the exit page alone. */
function withNeeds(body: Body, metric: Metric | undefined): Body {
  if (metric === undefined) return body;
  const metrics = [...body.metrics, metric];
  if (metric === 'exit_rate') {
    // Only visit filters keep its page views whole: has_done ones, here.
    const filters = body.filters.filter((f) => Array.isArray(f) && String(f[0]).startsWith('has_'));
    return { ...body, metrics, dimensions: ['visit:exit_page'], filters };
  }
  if (metric === 'time_on_page' || metric === 'scroll_depth')
    return {
      ...body,
      metrics,
      dimensions: body.dimensions.filter((d) => d !== 'event:goal'),
      filters: [...body.filters, ['contains', 'event:page', ['/']]],
    };
  return { ...body, metrics, filters: [...body.filters, ['is', 'event:goal', ['Signup']]] };
}

const accepted = fc
  .record({
    metrics: fc.uniqueArray(fc.constantFrom(...PLAIN), { minLength: 1, maxLength: 4 }),
    needy: fc.option(fc.constantFrom(...NEEDY), { nil: undefined }),
    filters: fc.array(acceptedFilter, { maxLength: 3 }),
    ...common,
  })
  .map(({ needy, date, ...body }) => ({
    ...withNeeds(body, needy),
    ...(date === undefined ? {} : { date }),
  }));

const free = fc
  .record({
    metrics: fc.uniqueArray(fc.constantFrom(...METRICS), { minLength: 1 }),
    filters: fc.array(anyFilter, { maxLength: 3 }),
    ...common,
  })
  .map(({ date, ...body }) => ({ ...body, ...(date === undefined ? {} : { date }) }));

/** A request body without `site_id`. */
export const statsRequests: fc.Arbitrary<Body> = fc.oneof(
  { arbitrary: accepted, weight: 4 },
  { arbitrary: free, weight: 1 },
);
