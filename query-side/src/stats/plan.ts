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
 * - Visitor identity is `coalesce(user_id, anonymous_id)`.
 * - Goals (`event:goal`, conversion_rate, group_conversion_rate): their SQL is goal-sql.ts's.
 * - Time buckets are PostgreSQL's `date_trunc(unit, ts at time zone $tz)`, and the range's
 *   instants are `local_date::timestamp at time zone $tz`: the tz database decides every day's
 *   length (23 h and 25 h on the days clocks change, +05:30 zones included).
 *
 * Names map to SQL through the fixed tables below; every value the client sent is a bound
 * parameter (`?`, knex.raw), never SQL text.
 */
import { humanEvents } from '@eventlens/read-model';
import type { Dimension, PropertyDimension, TimeDimension } from './dimensions';
import type { Filter } from './filters';
import { conversionCtes, GOAL, goalFilterSql, goalsJoinSql, groupConversionCte } from './goal-sql';
import type { Metric, StatsQuery } from './query';
import { Binder, eventSql, NEGATED, positiveSql } from './sql';

export interface StatsTables {
  /** Qualified, trusted identifiers from the read-model catalog (readerTables). */
  events: string;
  sessions: string;
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
 * The SQL of each visit metric over `s` (analytics.sessions), rounded as Plausible rounds them:
 * bounce rate a whole percent, duration whole seconds (mean), views per visit two decimals.
 */
const VISIT_METRIC_SQL: Record<'visits' | 'bounce_rate' | 'visit_duration' | 'views_per_visit', string> = {
  visits: 'count(*)',
  bounce_rate: 'coalesce(round(100.0 * count(*) filter (where s.bounced) / nullif(count(*), 0)), 0)',
  visit_duration: 'coalesce(round(avg(s.duration_ms) / 1000.0), 0)',
  views_per_visit: 'coalesce(round(sum(s.page_views)::numeric / nullif(count(*), 0), 2), 0)',
};

/** analytics.sessions column of each visit dimension. */
const VISIT_COLUMNS: Record<string, string> = {
  'visit:source': 'source',
  'visit:referrer': 'entry_referrer',
  'visit:entry_page': 'entry_path',
  'visit:exit_page': 'exit_path',
  'visit:utm_source': 'utm_source',
  'visit:utm_medium': 'utm_medium',
  'visit:utm_campaign': 'utm_campaign',
  'visit:utm_term': 'utm_term',
  'visit:utm_content': 'utm_content',
  'visit:browser': 'browser',
  'visit:os': 'os',
  'visit:device': 'device_type',
  'visit:country': 'country',
};

const TIME_FORMAT: Record<TimeDimension, { unit: string; format: string }> = {
  'time:minute': { unit: 'minute', format: 'YYYY-MM-DD HH24:MI:SS' },
  'time:hour': { unit: 'hour', format: 'YYYY-MM-DD HH24:MI:SS' },
  'time:day': { unit: 'day', format: 'YYYY-MM-DD' },
  'time:week': { unit: 'week', format: 'YYYY-MM-DD' },
  'time:month': { unit: 'month', format: 'YYYY-MM-DD' },
};

const isTime = (d: Dimension): d is TimeDimension => d.startsWith('time:');
const isEventDimension = (d: Dimension) => d.startsWith('event:');

/**
 * A time bucket's label. A week is the Monday it starts on, or the range's first day when the range
 * starts mid-week (Plausible's `weekstart_not_before`); `bounds` is in the FROM of every side.
 */
function timeSql(dimension: TimeDimension, column: string, timeZone: string, b: Binder): string {
  const { unit, format } = TIME_FORMAT[dimension];
  const bucket = `date_trunc('${unit}', ${column} at time zone ${b.bind(timeZone, 'text')})`;
  if (dimension !== 'time:week') return `to_char(${bucket}, '${format}')`;
  const firstDay = `date_trunc('day', bounds.lo at time zone ${b.bind(timeZone, 'text')})`;
  return `to_char(greatest(${bucket}, ${firstDay}), '${format}')`;
}

type Side = 'events' | 'visits';

/**
 * A dimension's SQL on a side: events `e` (its visit `es`, the goal it reaches `eg`), or visits `s`.
 * Undefined: not there.
 */
function dimensionSql(dimension: Dimension, side: Side, q: StatsQuery, b: Binder): string | undefined {
  if (isTime(dimension))
    return timeSql(dimension, side === 'events' ? 'e.ts' : 's.first_seen', q.timeZone, b);
  if (dimension === GOAL) return side === 'events' ? 'eg.name' : undefined;
  if (isEventDimension(dimension)) return side === 'events' ? eventSql(dimension, 'e', b) : undefined;
  return `${side === 'events' ? 'es' : 's'}.${VISIT_COLUMNS[dimension]}`;
}

/**
 * A filter as a predicate on a side. A negated operator is `not coalesce(positive, false)`, so a
 * row without the property passes `is_not`. On the visits side an event dimension asks whether the
 * visit has such an event (Plausible's meaning): `exists` for the positive operators, `not exists`
 * for the negated ones.
 */
export function filterSql(filter: Filter, side: Side, q: StatsQuery, b: Binder, events: string): string {
  if ('filters' in filter)
    return `(${filter.filters.map((f) => filterSql(f, side, q, b, events)).join(` ${filter.op} `)})`;
  if ('filter' in filter) return `(not coalesce(${filterSql(filter.filter, side, q, b, events)}, false))`;
  const positive = NEGATED[filter.op] ?? (filter.op as 'is' | 'contains' | 'matches');
  const negated = filter.op in NEGATED;
  const goalPredicate = (alias: string) =>
    goalFilterSql(q, alias, positive, filter.values, filter.caseSensitive, b);
  if (side === 'events' && filter.dimension === GOAL) {
    const predicate = goalPredicate('e');
    return negated ? `(not coalesce(${predicate}, false))` : `(${predicate})`;
  }
  if (side === 'visits' && isEventDimension(filter.dimension)) {
    const predicate =
      filter.dimension === GOAL
        ? goalPredicate('x')
        : positiveSql(positive, eventSql(filter.dimension, 'x', b)!, filter.values, filter.caseSensitive, b);
    return (
      `(${negated ? 'not ' : ''}exists (select 1 from ${events} x where x.project_id = s.project_id` +
      ` and x.session_id = s.session_id and ${humanEvents('x')} and ${predicate}))`
    );
  }
  const expr = dimensionSql(filter.dimension, side, q, b)!;
  const predicate = positiveSql(positive, expr, filter.values, filter.caseSensitive, b);
  return negated ? `(not coalesce(${predicate}, false))` : `(${predicate})`;
}

/**
 * Whether `q` reads a `visit:*` dimension (as a dimension, or anywhere in a filter's tree), so that
 * its events need their visit joined as `es`. The explorer asks it of its filters too.
 */
export function usesVisitDimension(q: Pick<StatsQuery, 'dimensions' | 'filters'>): boolean {
  const inFilter = (f: Filter): boolean =>
    'filters' in f
      ? f.filters.some(inFilter)
      : 'filter' in f
        ? inFilter(f.filter)
        : f.dimension.startsWith('visit:');
  return q.dimensions.some((d) => d.startsWith('visit:')) || q.filters.some(inFilter);
}

export function boundsSql(q: StatsQuery, b: Binder, tables: StatsTables): string {
  const p = q.period;
  if (p.kind === 'dates') {
    return (
      `select (${b.bind(p.first, 'date')})::timestamp at time zone ${b.bind(q.timeZone, 'text')} as lo, ` +
      `(${b.bind(p.last, 'date')} + 1)::timestamp at time zone ${b.bind(q.timeZone, 'text')} as hi`
    );
  }
  if (p.kind === 'instants') {
    // Both ends included, as Plausible includes `to`; timestamps have microseconds.
    return `select ${b.bind(p.from, 'timestamptz')} as lo, ${b.bind(p.to, 'timestamptz')} + interval '1 microsecond' as hi`;
  }
  // `all`: from the local day of the project's first human event (an empty project: an empty range).
  // Bound in the order they appear in the text.
  const tz1 = b.bind(q.timeZone, 'text');
  const tz2 = b.bind(q.timeZone, 'text');
  const project = b.bind(q.projectId, 'uuid');
  const hi = `(${b.bind(p.last, 'date')} + 1)::timestamp at time zone ${b.bind(q.timeZone, 'text')}`;
  return (
    `select coalesce((select date_trunc('day', min(e.ts) at time zone ${tz1}) at time zone ${tz2}` +
    ` from ${tables.events} e where e.project_id = ${project} and ${humanEvents('e')}), h.hi) as lo, h.hi` +
    ` from (select ${hi} as hi) h`
  );
}

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
  const visitSide = visitMetrics.length > 0;
  const goalDimension = q.dimensions.includes(GOAL);

  const dimensionColumns = q.dimensions.map((_, i) => `d${i}`);
  const metricColumns = q.metrics.map((m) => `m_${m}`);
  const ctes: string[] = [`bounds as (${boundsSql(q, b, tables)})`];

  /** FROM and WHERE over events `e`: with `goalJoin`, joined to each goal it reaches (`eg`). */
  const eventsFrom = (extraWhere: string, filters: Filter[] = q.filters, goalJoin = false) => {
    const visits = usesVisitDimension(q)
      ? ` left join ${tables.sessions} es on es.project_id = e.project_id and es.session_id = e.session_id`
      : '';
    const goals = goalJoin ? goalsJoinSql(q, 'e', 'eg', b) : '';
    const where = [
      `e.project_id = ${b.bind(q.projectId, 'uuid')}`,
      'e.ts >= bounds.lo',
      'e.ts < bounds.hi',
      humanEvents('e'),
      extraWhere,
      ...filters.map((f) => filterSql(f, 'events', q, b, tables.events)),
    ].filter((w) => w !== '');
    return ` from ${tables.events} e${visits}${goals} cross join bounds where ${where.join(' and ')}`;
  };
  // Only page views asked for: the partial index's whole predicate, so it can serve the query.
  const pageViewsOnly =
    eventMetrics.length > 0 && eventMetrics.every((m) => m === 'pageviews') && !needsVisitors;
  const pageViewPredicate = pageViewsOnly ? "e.event_name = 'page_view'" : '';

  const groupBy = q.dimensions.length > 0 ? ` group by ${q.dimensions.map((_, i) => i + 1).join(', ')}` : '';
  const evColumns = (['visitors', 'pageviews', 'events'] as const).filter(
    (m) => eventMetrics.includes(m) || (m === 'visitors' && needsVisitors),
  );

  if (eventSide) {
    const dims = q.dimensions.map((d, i) => `${dimensionSql(d, 'events', q, b)} as d${i}`);
    const metrics = evColumns.map((m) => `${EVENT_METRIC_SQL[m]} as ${m}`);
    ctes.push(
      `ev as (select ${[...dims, ...metrics].join(', ')}${eventsFrom(pageViewPredicate, q.filters, goalDimension)}${groupBy})`,
    );
    if (wantsPercentage)
      ctes.push(`total as (select ${EVENT_METRIC_SQL.visitors} as visitors${eventsFrom('')})`);
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
    // (session, values) of those events.
    const eventDimensions = q.dimensions.flatMap((d, i) => (isEventDimension(d) ? [{ d, i }] : []));
    const dims = q.dimensions.map((d, i) =>
      isEventDimension(d) ? `xe.d${i} as d${i}` : `${dimensionSql(d, 'visits', q, b)} as d${i}`,
    );
    const metrics = visitMetrics.map(
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
        ` where x.project_id = ${b.bind(q.projectId, 'uuid')} and x.ts >= bounds.lo and x.ts < bounds.hi` +
        ` and ${humanEvents('x')}) xe on xe.session_id = s.session_id`;
    }
    const where = [
      `s.project_id = ${b.bind(q.projectId, 'uuid')}`,
      's.first_seen >= bounds.lo',
      's.first_seen < bounds.hi',
      'not s.is_bot',
      ...q.filters.map((f) => filterSql(f, 'visits', q, b, tables.events)),
    ];
    ctes.push(
      `vi as (select ${[...dims, ...metrics].join(', ')} from ${tables.sessions} s${join} cross join bounds where ${where.join(' and ')}${groupBy})`,
    );
  }

  // One row per dimension value present on either side, the other side's metrics 0. A union and a
  // group by, not a full join: a full join needs a hash- or merge-joinable condition, and dimension
  // values may be null (`is not distinct from` is neither). Each side has at most one row per value.
  const viColumns = visitMetrics;
  const branch = (name: 'ev' | 'vi') =>
    `select ${[
      ...dimensionColumns,
      ...evColumns.map((m) => (name === 'ev' ? m : `null as ${m}`)),
      ...viColumns.map((m) => (name === 'vi' ? m : `null as ${m}`)),
    ].join(', ')} from ${name}`;
  const branches = [...(eventSide ? [branch('ev')] : []), ...(visitSide ? [branch('vi')] : [])];
  ctes.push(`u as (${branches.join(' union all ')})`);
  const rate = (whole: string) => `coalesce(round(100.0 * max(u.visitors) / nullif(${whole}, 0), 1), 0)`;
  const metricSelect = q.metrics.flatMap((m) => {
    if (m === 'percentage') return [`${rate('max(total.visitors)')} as m_percentage`];
    if (m === 'conversion_rate') return [`${rate('max(crt.visitors)')} as m_conversion_rate`];
    // Divided once the rows are grouped (below): its numerator, the row's visitors, meanwhile.
    if (m === 'group_conversion_rate') return ['coalesce(max(u.visitors), 0) as x_visitors'];
    return [`coalesce(max(u.${m}), 0) as m_${m}`];
  });
  const totals = [...(wantsPercentage ? ['total'] : []), ...(wantsConversion ? ['crt'] : [])];
  ctes.push(
    `j as (select ${[...dimensionColumns.map((d) => `u.${d}`), ...metricSelect].join(', ')} from u` +
      `${totals.map((t) => ` cross join ${t}`).join('')}${groupBy})`,
  );
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

/**
 * The explicit order_by, else Plausible's default (the time dimension ascending, else the first
 * metric descending); then every dimension ascending, so equal rows have one order across pages.
 */
function orderSql(q: StatsQuery, dimensionColumns: string[]): string {
  const column = (key: string) => {
    const d = q.dimensions.indexOf(key as Dimension);
    return d >= 0 ? dimensionColumns[d]! : `m_${key}`;
  };
  const terms: string[] = [];
  if (q.orderBy.length > 0) {
    for (const { key, direction } of q.orderBy) terms.push(`${column(key)} ${direction} nulls last`);
  } else {
    const time = q.dimensions.find(isTime);
    if (time) terms.push(`${column(time)} asc`);
    else terms.push(`m_${q.metrics[0]} desc`);
  }
  for (const d of dimensionColumns) {
    if (!terms.some((t) => t.startsWith(`${d} `))) terms.push(`${d} asc nulls last`);
  }
  return terms.join(', ');
}
