/**
 * The reports the reports benchmark (reports.ts) times, as the console and the Stats API's clients
 * send them: the explorer's and the visits list's first pages, every request of the Overview on
 * open, and each Stats API report (KPI row, time series, every breakdown, filtered ones, a funnel),
 * in the viewer's zone ZONE. Pure data: no database, no HTTP.
 */
/** Every report's aim: p95 within this many ms at 10 million events (README, Performance). */
export const AIM_MS = 50;
/** The zone every report is asked in (a viewer's zone: buckets and days are computed in it). */
const ZONE = 'Europe/Berlin';

/** One report: what the console or a Stats API client sends. */
export interface ReportSpec {
  name: string;
  /** The query side's path. */
  route: string;
  /** A POST's JSON body (the Stats API); a GET has none. */
  body?: Record<string, unknown>;
  /** A GET's query parameters. */
  query?: Record<string, string>;
}

/** A Stats API report: a POST with its body. */
export type StatsSpec = ReportSpec & { body: Record<string, unknown> };

/** A Stats API report of `siteId` in ZONE: `POST route` (the query by default) with `body`. */
function stats(
  siteId: string,
  name: string,
  body: Record<string, unknown>,
  route = '/api/v2/query',
): StatsSpec {
  return { name, route, body: { site_id: siteId, timezone: ZONE, ...body } };
}

/**
 * A dashboard panel's query (console modules/overview/panels.ts `panelQuery`): the visitors of
 * `dimension` over `dateRange`, ordered by visitors, with total_rows, `limit` rows. The panel's
 * percentages divide by one query of the range's visitors (`visitorsQuery`), not each panel's own.
 */
function panel(dimension: string, dateRange: unknown, limit: number, filters?: unknown[]) {
  return {
    metrics: ['visitors'],
    date_range: dateRange,
    dimensions: [dimension],
    ...(filters ? { filters } : {}),
    order_by: [
      ['visitors', 'desc'],
      [dimension, 'asc'],
    ],
    include: { total_rows: true },
    pagination: { limit, offset: 0 },
  };
}

/** A top list of the Overview (console modules/overview/stats.ts `topQuery`): `metric` by `dimension`, 10 rows. */
function top(metric: string, dimension: string, dateRange: unknown) {
  return {
    metrics: [metric],
    date_range: dateRange,
    dimensions: [dimension],
    order_by: [
      [metric, 'desc'],
      [dimension, 'asc'],
    ],
    pagination: { limit: 10, offset: 0 },
  };
}

/** A time series of `metrics` in buckets of `unit` over `dateRange`, with every bucket labelled. */
function series(unit: 'minute' | 'hour' | 'day', dateRange: unknown, metrics: string[]) {
  return { metrics, date_range: dateRange, dimensions: [`time:${unit}`], include: { time_labels: true } };
}

/** The explorer's and the visits list's page (console stores/explorer.ts and stores/sessions.ts: 50 rows). */
export const LIST_PAGE = 50;

/**
 * The lists read at the newest rows: the explorer's first page, unfiltered, by an event name (a
 * common one and a rare one: the funnel's `signup`), and by a Stats API filter on the event's visit;
 * the visits list's first page. Each as the console asks it (no range: the newest rows first).
 */
export function listSpecs(): ReportSpec[] {
  const events = (name: string, query: Record<string, string> = {}): ReportSpec => ({
    name,
    route: '/v1/events',
    query: { limit: String(LIST_PAGE), ...query },
  });
  return [
    events('explorer: first page'),
    events('explorer: first page, event_name = page_view', { event_name: 'page_view' }),
    events('explorer: first page, event_name = signup', { event_name: 'signup' }),
    events('explorer: first page, visit:source is Google', {
      filters: JSON.stringify([['is', 'visit:source', ['Google']]]),
    }),
    { name: 'visits list: first page', route: '/v1/sessions', query: { limit: String(LIST_PAGE) } },
  ];
}

/** The Overview's default range (console shared/time.ts: the `24h` preset), ms. */
const OVERVIEW_RANGE_MS = 24 * 3_600_000;

/**
 * What the console's Overview requests when it opens on its default range, the last 24 hours
 * ending `now` (console stores/overview.ts `refresh` and modules/overview/reports.ts): the pipeline's
 * status, what the reports leave out (GET /v1/stats/not-counted), the KPI row and the previous period's (two queries
 * of instants), the volume chart (hourly buckets for 24 hours: shared/time.ts `intervalFor`),
 * the top events and top pages (events by name, page views by page), and each dashboard panel's first tab (panels.ts: 10 rows), whose
 * percentages divide by the KPI row's visitors (no query of their own).
 */
export function overviewSpecs(siteId: string, now: number): ReportSpec[] {
  const range = (from: number, to: number) => [new Date(from).toISOString(), new Date(to).toISOString()];
  const current = range(now - OVERVIEW_RANGE_MS, now);
  const previous = range(now - 2 * OVERVIEW_RANGE_MS, now - OVERVIEW_RANGE_MS - 1);
  const overview = (name: string, body: Record<string, unknown>) => stats(siteId, `overview: ${name}`, body);
  const instants = { from: current[0]!, to: current[1]! };
  return [
    { name: 'overview: pipeline status', route: '/v1/pipeline' },
    { name: 'overview: not counted', route: '/v1/stats/not-counted', query: instants },
    overview('KPI row 24h', { metrics: KPI, date_range: current }),
    overview('KPI row, previous 24h', { metrics: KPI, date_range: previous }),
    overview('events by time:hour, 24h', series('hour', current, ['events'])),
    overview('top events', top('events', 'event:name', current)),
    overview('top pages', top('pageviews', 'event:page', current)),
    ...OVERVIEW_PANELS.map((d) => overview(`${d}, 24h, top 10`, panel(d, current, 10))),
  ];
}

/** The first tab of each of the Overview's panels (console modules/overview/panels.ts). */
export const OVERVIEW_PANELS = [
  'event:page',
  'visit:source',
  'visit:utm_medium',
  'visit:browser',
  'visit:country',
];

const KPI = ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration', 'events'];
/** The dashboard's panels (console modules/overview/panels.ts) and the event dimensions. */
export const BREAKDOWNS = [
  'event:page',
  'visit:entry_page',
  'visit:exit_page',
  'visit:source',
  'visit:referrer',
  'visit:utm_source',
  'visit:utm_medium',
  'visit:utm_campaign',
  'visit:browser',
  'visit:os',
  'visit:device',
  'visit:country',
  'event:name',
  'event:props:element',
];

/**
 * The reports, in the order they run (the realtime ones first, right after the last minutes of
 * traffic are added). Breakdowns are the console's panel query (visitors, ordered by visitors,
 * with total_rows) over the last 30 days, at the panel's 10 rows and at 100.
 */
export function reportSpecs(siteId: string): StatsSpec[] {
  const query = (name: string, body: Record<string, unknown>) => stats(siteId, name, body);
  const views = ['visitors', 'pageviews'];
  return [
    query('realtime visitors (last 5 min)', { metrics: ['visitors'], date_range: 'realtime' }),
    query('time:minute, last 30 min', series('minute', '30m', views)),
    ...(['7d', '30d', '6mo'] as const).map((range) =>
      query(`KPI row ${range} + previous period`, {
        metrics: KPI,
        date_range: range,
        include: { comparisons: { mode: 'previous_period' } },
      }),
    ),
    query('time:hour, 7d', series('hour', '7d', views)),
    query('time:day, 30d', series('day', '30d', views)),
    query('time:day, 6mo', series('day', '6mo', views)),
    query('chart: events by time:day × event:name, 30d', {
      ...series('day', '30d', ['events']),
      dimensions: ['time:day', 'event:name'],
    }),
    ...BREAKDOWNS.flatMap((d) => [
      query(`${d}, 30d, top 10`, panel(d, '30d', 10)),
      query(`${d}, 30d, top 100`, panel(d, '30d', 100)),
    ]),
    query(
      'event:page where visit:source is Google, 30d',
      panel('event:page', '30d', 10, [['is', 'visit:source', ['Google']]]),
    ),
    query(
      'visit:source where event:page contains /blog, 30d',
      panel('visit:source', '30d', 10, [['contains', 'event:page', ['/blog']]]),
    ),
    query('event:page with time on page, 30d, top 10', {
      ...panel('event:page', '30d', 10),
      metrics: ['visitors', 'time_on_page'],
    }),
    query('event:page with scroll depth, 30d, top 10', {
      ...panel('event:page', '30d', 10),
      metrics: ['visitors', 'scroll_depth'],
    }),
    query('exit pages with exit rate, 30d, top 10', {
      ...panel('visit:exit_page', '30d', 10),
      metrics: ['visits', 'exit_rate'],
      order_by: [
        ['visits', 'desc'],
        ['visit:exit_page', 'asc'],
      ],
    }),
    query('sources with visits, bounce rate, duration, 30d', {
      metrics: ['visitors', 'visits', 'bounce_rate', 'visit_duration'],
      date_range: '30d',
      dimensions: ['visit:source'],
      pagination: { limit: 10, offset: 0 },
    }),
    stats(
      siteId,
      'funnel / → /pricing → signup, 30d',
      { date_range: '30d', steps: [{ page: '/' }, { page: '/pricing' }, { event: 'signup' }] },
      '/api/v2/funnel',
    ),
  ];
}
