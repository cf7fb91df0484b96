/**
 * The Stats API's planner: a parsed query (query.ts) becomes ONE parameterised SQL statement over
 * the raw read models, so every number is exact for any range and filter (no daily or hourly
 * aggregate is mixed in).
 *
 * - Event metrics (visitors, pageviews, events) come from `analytics.events`, bots left out with
 *   `(context ->> 'bot') is null` — the predicate of read-model migration 002's partial index,
 *   repeated as written so the planner can use it. An event's `visit:*` dimensions are its visit's,
 *   from `analytics.sessions` joined by session id.
 * - Visit metrics (visits, bounce_rate, visit_duration, views_per_visit) come from
 *   `analytics.sessions` (`not is_bot`); a visit counts in the range where it starts (first_seen).
 *   An `event:*` filter on them keeps the visits with a matching event (`exists`); an `event:*`
 *   dimension groups a visit under every value its events in the range have.
 * - Visitors by or filtered by `event:page` read the events from the page indexes (page-sql.ts).
 * - Visitor identity is `coalesce(user_id, anonymous_id)`.
 * - Goals (`event:goal`, conversion_rate, group_conversion_rate): their SQL is goal-sql.ts's.
 * - Time on page (`time_on_page`) and scroll depth (`scroll_depth`) come from the `page_leave` events
 *   the SDK sends when a page view ends, `metadata.duration_ms` being the time the page was visible
 *   and `metadata.scroll_depth` how far down it was scrolled (page-leave-sql.ts).
 * - Exit rate (`exit_rate`, by `visit:exit_page` only): the visits that ended on a page (the visits
 *   side) over that page's page views in the range (`xr`), in percent with one decimal.
 * - Time buckets are PostgreSQL's `date_trunc(unit, ts at time zone $tz)`, and the range's
 *   instants are `local_date::timestamp at time zone $tz`: the tz database decides every day's
 *   length (23 h and 25 h on the days clocks change, +05:30 zones included).
 *
 * Names map to SQL through the fixed tables below; every value the client sent is a bound
 * parameter (`?`, knex.raw), never SQL text.
 */
import { humanEvents } from '@eventlens/read-model';
import type { PropertyDimension } from './dimensions';
import type { Filter } from './filters';
import { conversionCtes, GOAL, goalsJoinSql, groupConversionCte } from './goal-sql';
import { isPageLeaveMetric, type Metric, type StatsQuery } from './query';
import { Binder, eventSql, groupCountsSql, VISITOR_SQL } from './sql';
import { boundsSql, rangeEnds } from './range-sql';
import { pageArmsSource, pagesIndexAnswers } from './page-sql';
import { pageLeaveSql } from './page-leave-sql';
import { joinedRowsCtes, orderSql, type Side } from './rows-sql';
import { visitorsFromVisits, visitsAnswer } from './visit-sql';
import { pageHoursAnswer, pageHoursRows, VOLUME_METRIC_SQL, volumeAnswers, volumeFrom } from './volume-sql';
import {
  dimensionSql,
  eventPredicate,
  filterSql,
  isEventDimension,
  isVisit,
  perEventFilters,
  splitVisitFilters,
  usesVisitDimension,
  visitColumnSql,
} from './clauses';

export interface StatsTables {
  /** Qualified, trusted identifiers from the read-model catalog (readerTables). */
  events: string;
  sessions: string;
  /** `volume_minute`: human events per UTC minute and name, written with the events. */
  volumeMinute: string;
  /** `page_views_hour`: human page views per UTC hour and page, written with the events. */
  pageViewsHour: string;
}

export interface Plan {
  sql: string;
  bindings: unknown[];
  /** Column of each dimension (`d0`, …) and metric (`m_visitors`, …) in the rows. */
  dimensionColumns: string[];
  metricColumns: string[];
}

const EVENT_METRICS = new Set<Metric>(['visitors', 'pageviews', 'events']);
const VISIT_METRICS = new Set<Metric>(['visits', 'bounce_rate', 'visit_duration', 'views_per_visit']);

/** The SQL of each event metric over `e` (analytics.events). */
const EVENT_METRIC_SQL: Record<'visitors' | 'pageviews' | 'events', string> = {
  visitors: 'count(distinct coalesce(e.user_id, e.anonymous_id))',
  pageviews: "count(*) filter (where e.event_name = 'page_view')",
  events: 'count(*)',
};

/**
 * Each event metric over groups `t` of one visitor (`v`) each with their events (`n`) and page views
 * (`pv`): `count(v)` counts the non-null visitors, as count(distinct) does.
 */
const GROUPED_METRIC_SQL: Record<'visitors' | 'pageviews' | 'events', string> = {
  visitors: 'count(t.v)',
  pageviews: 'coalesce(sum(t.pv), 0)',
  events: 'coalesce(sum(t.n), 0)',
};

/**
 * The SQL of each visit metric over `s` (analytics.sessions), rounded as Plausible rounds them:
 * bounce rate a whole percent, duration whole seconds (mean), views per visit two decimals.
 */
const VISIT_METRIC_SQL: Record<'visits' | 'bounce_rate' | 'visit_duration' | 'views_per_visit', string> = {
  visits: 'count(*)',
  bounce_rate: 'coalesce(round(100.0 * count(*) filter (where s.bounced) / nullif(count(*), 0)), 0)',
  visit_duration: 'coalesce(round(avg(s.duration_ms) / 1000.0), 0)',
  views_per_visit: 'coalesce(round(sum(s.page_views)::numeric / nullif(count(*), 0), 2), 0)',
};

/**
 * The statement for `q`. Its rows: `lo`, `hi` (the range's instants, on every row) and, when the
 * page has rows, `d0…` (dimension values, text), `m_<metric>` (numbers as text), `total_rows` and
 * `ord`. An empty page is one row with only `lo` and `hi`.
 */
export function planQuery(q: StatsQuery, tables: StatsTables): Plan {
  const b = new Binder();
  const eventMetrics = q.metrics.filter((m) => EVENT_METRICS.has(m));
  const visitMetrics = q.metrics.filter((m) => VISIT_METRICS.has(m));
  const wantsPercentage = q.metrics.includes('percentage');
  const wantsConversion = q.metrics.includes('conversion_rate');
  const wantsGroupConversion = q.metrics.includes('group_conversion_rate');
  // percentage and the conversion rates divide visitors: the events side runs for them too.
  const needsVisitors =
    eventMetrics.includes('visitors') || wantsPercentage || wantsConversion || wantsGroupConversion;
  const eventSide = eventMetrics.length > 0 || needsVisitors;
  // exit_rate (only by visit:exit_page, query.ts): each exit page's visits over its page views (xr).
  const exitRateSide = q.metrics.includes('exit_rate');
  // The exits of an exit rate are the visits of its exit page.
  const visitColumns: string[] =
    exitRateSide && !visitMetrics.includes('visits') ? [...visitMetrics, 'visits'] : visitMetrics;
  const visitSide = visitColumns.length > 0;
  const pageLeaveMetrics = q.metrics.filter(isPageLeaveMetric);
  const pageLeaveSide = pageLeaveMetrics.length > 0;
  const goalDimension = q.dimensions.includes(GOAL);

  const range = rangeEnds(q, b);
  const dimensionColumns = q.dimensions.map((_, i) => `d${i}`);
  const metricColumns = q.metrics.map((m) => `m_${m}`);
  const ctes: string[] = [`bounds as (${boundsSql(q, b, tables)})`];

  /**
   * The conditions on events `e`: the project, the range, human traffic, `extraWhere` (none when
   * empty) and `filters`, joined by `and`. Bindings follow the call's place in the SQL text.
   */
  const eventsWhere = (extraWhere: string, filters: Filter[]) =>
    [
      `e.project_id = ${b.bind(q.projectId, 'uuid')}`,
      `e.ts >= ${range.lo()}`,
      `e.ts < ${range.hi()}`,
      humanEvents('e'),
      extraWhere,
      ...filters.map((f) => filterSql(f, 'events', q, b, tables.events)),
    ]
      .filter((w) => w !== '')
      .join(' and ');

  /** FROM and WHERE over events `e`: with `goalJoin`, joined to each goal it reaches (`eg`). */
  const eventsFrom = (extraWhere: string, filters: Filter[] = q.filters, goalJoin = false) => {
    // A visit's events lie in [first_seen, last_seen] (the projection's rule), so the visit of an
    // event of the range is one active since its start: the join reads those, not all of them.
    const visits = usesVisitDimension(q)
      ? ` left join ${tables.sessions} es on es.project_id = e.project_id and es.session_id = e.session_id` +
        ` and es.last_seen >= ${range.lo()}`
      : '';
    const goals = goalJoin ? goalsJoinSql(q, 'e', 'eg', b) : '';
    // bounds before the joins: the visit's join names bounds.lo for the `all` range.
    return ` from ${tables.events} e cross join bounds${visits}${goals} where ${eventsWhere(extraWhere, filters)}`;
  };
  // Only page views asked for: the partial index's whole predicate, so it can serve the query.
  const pageViewsOnly =
    eventMetrics.length > 0 && eventMetrics.every((m) => m === 'pageviews') && !needsVisitors;
  const pageViewPredicate = pageViewsOnly ? "e.event_name = 'page_view'" : '';

  const groupBy = q.dimensions.length > 0 ? ` group by ${q.dimensions.map((_, i) => i + 1).join(', ')}` : '';
  const evColumns = (['visitors', 'pageviews', 'events'] as const).filter(
    (m) => eventMetrics.includes(m) || (m === 'visitors' && needsVisitors),
  );

  // The visitors of a visit dimension: the events grouped by (visit, visitor) first, then their
  // visits joined, one row per group instead of one per event (a 30-day range: ~5 events per group).
  // The same rows and numbers as joining every event; not when a filter mixes event and visit
  // dimensions, nor with goals (their SQL joins per event).
  const split = splitVisitFilters(q.filters);
  const visitsGroupable = split !== undefined && !goalDimension && !wantsConversion && !wantsGroupConversion;
  const visitJoinAfterGrouping = q.dimensions.some(isVisit) && visitsGroupable;

  // The visitors of visit dimensions, time buckets or none (the KPI row, a time series), from the
  // visits themselves (visit-sql.ts): the rows the branches below group from the events, for a
  // fraction of the reads. Without visitors or a visit dimension, events and page views are
  // volume_minute's.
  const fromVisits =
    eventSide &&
    visitsGroupable &&
    (needsVisitors || q.dimensions.some(isVisit)) &&
    visitsAnswer(q, split.event, pageViewPredicate === '');
  if (fromVisits) {
    ctes.push(`vk as (${visitorsFromVisits(q, b, tables, range, split.visit)})`);
    const outer = evColumns.map((m) => `${GROUPED_METRIC_SQL[m]} as ${m}`);
    ctes.push(`ev as (select ${[...dimensionColumns, ...outer].join(', ')} from vk t${groupBy})`);
  } else if (eventSide && visitJoinAfterGrouping) {
    // evs: per (visit, visitor, event dimensions), the events and page views.
    const keys = q.dimensions.flatMap((d, i) =>
      d.startsWith('visit:') ? [] : [`${dimensionSql(d, 'events', q, b)} as k${i}`],
    );
    const where = eventsWhere(pageViewPredicate, split.event);
    const keyCount = 2 + keys.length;
    ctes.push(
      `evs as (select ${['e.session_id as sid', `${VISITOR_SQL} as v`, ...keys, 'count(*) as n', `count(*) filter (where e.event_name = 'page_view') as pv`].join(', ')}` +
        ` from ${tables.events} e cross join bounds where ${where}` +
        ` group by ${Array.from({ length: keyCount }, (_, i) => i + 1).join(', ')})`,
    );
    const dims = q.dimensions.map((d, i) =>
      d.startsWith('visit:') ? `${visitColumnSql(d, 'es')} as d${i}` : `evs.k${i} as d${i}`,
    );
    const join =
      ` from evs cross join bounds left join ${tables.sessions} es on es.project_id = ${b.bind(q.projectId, 'uuid')}` +
      ` and es.session_id = evs.sid and es.last_seen >= ${range.lo()}`;
    const visitWhere = split.visit.map((f) => filterSql(f, 'events', q, b, tables.events));
    const inner =
      `select ${[...dims, 'evs.v', groupCountsSql('evs')].join(', ')}${join}` +
      `${visitWhere.length > 0 ? ` where ${visitWhere.join(' and ')}` : ''}` +
      ` group by ${Array.from({ length: q.dimensions.length + 1 }, (_, i) => i + 1).join(', ')}`;
    const outer = evColumns.map((m) => `${GROUPED_METRIC_SQL[m]} as ${m}`);
    ctes.push(`ev as (select ${[...dimensionColumns, ...outer].join(', ')} from (${inner}) t${groupBy})`);
  } else if (eventSide && needsVisitors) {
    // count(distinct visitor) sorts every event; grouping by (dimensions, visitor) and counting
    // the groups hashes them instead, the events and page views summed from the same groups.
    const groups = ` group by ${Array.from({ length: q.dimensions.length + 1 }, (_, i) => i + 1).join(', ')}`;
    // Built where they stand in the SQL text: their bindings follow that order.
    const dims = () => q.dimensions.map((d, i) => `${dimensionSql(d, 'events', q, b)} as d${i}`);
    let inner: string;
    if (pagesIndexAnswers(q, goalDimension)) {
      const arm = (pageCondition: string) =>
        `select ${[...dims(), `${VISITOR_SQL} as v`, 'e.event_name as en'].join(', ')}` +
        eventsFrom([pageViewPredicate, pageCondition].filter((w) => w !== '').join(' and '));
      const keys = q.dimensions.map((_, i) => `x.d${i}`);
      inner =
        `select ${[...keys, 'x.v', 'count(*) as n', `count(*) filter (where x.en = 'page_view') as pv`].join(', ')}` +
        ` from ${pageArmsSource(arm)}${groups}`;
    } else {
      inner =
        `select ${[...dims(), `${VISITOR_SQL} as v`, 'count(*) as n', `count(*) filter (where e.event_name = 'page_view') as pv`].join(', ')}` +
        `${eventsFrom(pageViewPredicate, q.filters, goalDimension)}${groups}`;
    }
    const outer = evColumns.map((m) => `${GROUPED_METRIC_SQL[m]} as ${m}`);
    ctes.push(`ev as (select ${[...dimensionColumns, ...outer].join(', ')} from (${inner}) t${groupBy})`);
  } else if (eventSide && volumeAnswers(q)) {
    const dims = q.dimensions.map((d, i) => `${dimensionSql(d, 'events', q, b)} as d${i}`);
    const metrics = evColumns.map((m) => `${VOLUME_METRIC_SQL[m as 'events' | 'pageviews']} as ${m}`);
    ctes.push(
      `ev as (select ${[...dims, ...metrics].join(', ')}${volumeFrom(q, b, tables, range, pageViewPredicate)}${groupBy})`,
    );
  } else if (eventSide && pageHoursAnswer(q)) {
    ctes.push(
      `ev as (select d0, sum(n) as pageviews from (${pageHoursRows(q, b, tables, range)}) x group by 1 having sum(n) > 0)`,
    );
  } else if (eventSide && q.dimensions.includes('event:page') && pagesIndexAnswers(q, goalDimension)) {
    // Events or page views by page: every row needs its page, which the page indexes hold (an
    // index-only read of the range) and events_page_views does not (a table read per page view).
    const arm = (pageCondition: string) =>
      `select ${[...q.dimensions.map((d, i) => `${dimensionSql(d, 'events', q, b)} as d${i}`), 'e.event_name'].join(', ')}` +
      eventsFrom([pageViewPredicate, pageCondition].filter((w) => w !== '').join(' and '));
    const metrics = evColumns.map((m) => `${EVENT_METRIC_SQL[m]} as ${m}`);
    ctes.push(
      `ev as (select ${[...dimensionColumns, ...metrics].join(', ')} from ${pageArmsSource(arm, 'e')}${groupBy})`,
    );
  } else if (eventSide) {
    const dims = q.dimensions.map((d, i) => `${dimensionSql(d, 'events', q, b)} as d${i}`);
    const metrics = evColumns.map((m) => `${EVENT_METRIC_SQL[m]} as ${m}`);
    ctes.push(
      `ev as (select ${[...dims, ...metrics].join(', ')}${eventsFrom(pageViewPredicate, q.filters, goalDimension)}${groupBy})`,
    );
  }
  if (eventSide) {
    // The visitors of the rows already read (vk: one row per values and visitor, the filters applied).
    if (wantsPercentage && fromVisits)
      ctes.push(`total as (select count(distinct vk.v) as visitors from vk)`);
    else if (wantsPercentage)
      ctes.push(
        `total as (select count(t.v) as visitors from (select distinct ${VISITOR_SQL} as v${eventsFrom('')}) t)`,
      );
    ctes.push(
      ...conversionCtes(
        q,
        EVENT_METRIC_SQL.visitors,
        (d) => dimensionSql(d, 'events', q, b),
        (filters) => eventsFrom('', filters),
      ),
    );
  }

  if (visitSide) {
    // An event dimension of a visit: each value its events in the range have (a visit with pages
    // /a and /b counts for both; one reaching two goals, for both), from a join on the distinct
    // (session, values) of those events — of the events that pass the per-event filters, as on the
    // events side (visits of `signup` events by page: the pages of the signups, not every page of
    // those visits).
    const eventDimensions = q.dimensions.flatMap((d, i) => (isEventDimension(d) ? [{ d, i }] : []));
    const dims = q.dimensions.map((d, i) =>
      isEventDimension(d) ? `xe.d${i} as d${i}` : `${dimensionSql(d, 'visits', q, b)} as d${i}`,
    );
    const metrics = visitColumns.map(
      (m) => `${VISIT_METRIC_SQL[m as keyof typeof VISIT_METRIC_SQL]} as ${m}`,
    );
    // Built after `dims` and before `where`, each part in the order of the SQL text: bindings
    // follow that order.
    let join = '';
    if (eventDimensions.length > 0) {
      const values = eventDimensions
        .map(({ d, i }) => `${d === GOAL ? 'xg.name' : eventSql(d as PropertyDimension, 'x', b)} as d${i}`)
        .join(', ');
      const goals = goalDimension ? goalsJoinSql(q, 'x', 'xg', b) : '';
      join =
        ` join (select distinct x.session_id, ${values} from ${tables.events} x${goals} cross join bounds` +
        ` where x.project_id = ${b.bind(q.projectId, 'uuid')} and x.ts >= ${range.lo()} and x.ts < ${range.hi()}` +
        ` and ${[humanEvents('x'), ...perEventFilters(q.filters).map((f) => eventPredicate(f, 'x', q, b))].join(' and ')})` +
        ` xe on xe.session_id = s.session_id`;
    }
    const where = [
      `s.project_id = ${b.bind(q.projectId, 'uuid')}`,
      `s.first_seen >= ${range.lo()}`,
      `s.first_seen < ${range.hi()}`,
      'not s.is_bot',
      ...q.filters.map((f) => filterSql(f, 'visits', q, b, tables.events)),
    ];
    ctes.push(
      `vi as (select ${[...dims, ...metrics].join(', ')} from ${tables.sessions} s${join} cross join bounds where ${where.join(' and ')}${groupBy})`,
    );
  }

  if (pageLeaveSide)
    ctes.push(`tp as (${pageLeaveSql(q, b, pageLeaveMetrics, dimensionColumns, groupBy, eventsFrom)})`);
  if (exitRateSide) {
    // The page views of each exit page (a visit's exit page is the page of its last event), in
    // the range, with the filters but those on the exit page itself (Plausible's exit rate).
    const filters = q.filters.filter((f) => !('dimension' in f && f.dimension === 'visit:exit_page'));
    ctes.push(
      `xr as (select e.page as d0, count(*) as exit_pageviews${eventsFrom("e.event_name = 'page_view'", filters)}` +
        ` and e.page in (select vi.d0 from vi) group by 1)`,
    );
  }

  const sides: Side[] = [
    ...(eventSide ? [{ name: 'ev', columns: evColumns as string[] }] : []),
    ...(visitSide ? [{ name: 'vi', columns: visitColumns }] : []),
    ...(pageLeaveSide ? [{ name: 'tp', columns: pageLeaveMetrics as string[] }] : []),
    ...(exitRateSide ? [{ name: 'xr', columns: ['exit_pageviews'] }] : []),
  ];
  ctes.push(...joinedRowsCtes(q, sides, dimensionColumns, groupBy));
  let rows = 'j';
  if (wantsGroupConversion) {
    ctes.push(groupConversionCte(q, dimensionColumns));
    rows = 'jg';
  }

  const order = orderSql(q, dimensionColumns);
  ctes.push(
    `page as (select ${rows}.*, count(*) over () as total_rows, row_number() over (order by ${order}) as ord` +
      ` from ${rows} order by ${order} limit ${b.bind(q.limit, 'bigint')} offset ${b.bind(q.offset, 'bigint')})`,
  );
  const sql = `with ${ctes.join(', ')} select bounds.lo, bounds.hi, page.* from bounds left join page on true order by page.ord`;
  return { sql, bindings: b.bindings, dimensionColumns, metricColumns };
}
