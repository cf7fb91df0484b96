import fc from 'fast-check';
import { humanEvents, visitSpan, type ProjectGoalRow } from '@eventlens/read-model';
import { describe, expect, test } from 'vitest';
import { comparisonQuery } from './compare';
import { planQuery } from './plan';
import { QueryError } from './errors';
import { parseQuery, StatsRequest, type StatsQuery } from './query';
import { statsRequests } from '../test-support/stats-requests';

const PROJECT = '3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const TABLES = {
  events: '"analytics"."events"',
  sessions: '"analytics"."sessions"',
  volumeMinute: '"analytics"."volume_minute"',
  pageViewsHour: '"analytics"."page_views_hour"',
};

/** Noon UTC: 2024-03-15 in every zone of these tests. */
const NOW = Date.parse('2024-03-15T12:00:00Z');

/** The project's goals in these tests: an event goal and a page goal. */
const GOALS: ProjectGoalRow[] = [
  { name: 'Signup', event_name: 'signup' },
  { name: 'Blog', page_path: '/blog/**' },
];

/** A request through the schema and the parser. */
function parsed(body: Record<string, unknown>, goals: ProjectGoalRow[] = []): StatsQuery {
  const request = StatsRequest.parse({ site_id: PROJECT, metrics: ['visitors'], date_range: '7d', ...body });
  return parseQuery(request, PROJECT, NOW, goals);
}

function parseError(body: Record<string, unknown>): string {
  try {
    parsed(body);
  } catch (error) {
    if (error instanceof QueryError) return error.message;
    throw error;
  }
  throw new Error('expected a QueryError');
}

/** knex.raw's placeholders: each `?` but an escaped `\?` (a regular expression's, hostnameSql). */
const placeholders = (sql: string) => sql.match(/(?<!\\)\?/g)?.length ?? 0;

describe('parseQuery', () => {
  test('defaults: UTC, no dimensions or filters, Plausible’s page of 10 000', () => {
    expect(parsed({})).toEqual({
      projectId: PROJECT,
      goals: [],
      metrics: ['visitors'],
      dimensions: [],
      filters: [],
      orderBy: [],
      limit: 10_000,
      offset: 0,
      period: { kind: 'dates', first: '2024-03-08', last: '2024-03-14' },
      timeZone: 'UTC',
      include: { timeLabels: false, totalRows: false, comparison: null },
    });
  });

  test('filters become a tree; modifiers are read', () => {
    expect(
      parsed({
        filters: [
          [
            'or',
            [
              ['is', 'event:page', ['/a']],
              ['not', ['contains', 'visit:source', ['goo'], { case_sensitive: false }]],
            ],
          ],
        ],
      }).filters,
    ).toEqual([
      {
        op: 'or',
        filters: [
          { op: 'is', dimension: 'event:page', values: ['/a'], caseSensitive: true },
          {
            op: 'not',
            filter: { op: 'contains', dimension: 'visit:source', values: ['goo'], caseSensitive: false },
          },
        ],
      },
    ]);
  });

  test('matches_wildcard(_not) become the regular expression of the whole value, the rest literal', () => {
    const filters = parsed({
      filters: [
        ['matches_wildcard', 'event:page', ['/blog/*.html', '/docs/**']],
        ['matches_wildcard_not', 'visit:entry_page', ['/a+b/*'], { case_sensitive: false }],
      ],
    }).filters;
    expect(filters).toEqual([
      {
        op: 'matches',
        dimension: 'event:page',
        values: ['^/blog/[^/]*\\.html$', '^/docs/.*$'],
        caseSensitive: true,
      },
      { op: 'matches_not', dimension: 'visit:entry_page', values: ['^/a\\+b/[^/]*$'], caseSensitive: false },
    ]);
    const [blog] = (filters[0] as { values: string[] }).values;
    expect(
      ['/blog/x.html', '/blog/x.htm', '/blog/a/x.html', '/blog/xXhtml'].map((p) => new RegExp(blog!).test(p)),
    ).toEqual([true, false, false, false]);
  });

  test('presets start from today in the request’s zone', () => {
    const body = { site_id: PROJECT, metrics: ['visitors'], date_range: 'day' };
    const at = Date.parse('2024-01-01T18:30:00Z'); // midnight in Kolkata, still the 1st in UTC
    expect(parseQuery(StatsRequest.parse({ ...body, timezone: 'Asia/Kolkata' }), PROJECT, at).period).toEqual(
      {
        kind: 'dates',
        first: '2024-01-02',
        last: '2024-01-02',
      },
    );
    expect(parseQuery(StatsRequest.parse(body), PROJECT, at).period).toEqual({
      kind: 'dates',
      first: '2024-01-01',
      last: '2024-01-01',
    });
  });

  test('`date` is the day presets count from; the comparison stops there too', () => {
    // 7d: the 7 days before `date`.
    expect(parsed({ date: '2024-02-29' }).period).toEqual({
      kind: 'dates',
      first: '2024-02-22',
      last: '2024-02-28',
    });
    expect(parsed({ date: '2024-02-29', date_range: 'month' }).period).toEqual({
      kind: 'dates',
      first: '2024-02-01',
      last: '2024-02-29',
    });
    expect(parsed({ date: '2023-12-31', date_range: 'all' }).period).toEqual({
      kind: 'all',
      last: '2023-12-31',
    });
    // A pair of dates is what it says, whatever `date` is.
    expect(parsed({ date: '2024-02-29', date_range: ['2024-01-01', '2024-01-02'] }).period).toEqual({
      kind: 'dates',
      first: '2024-01-01',
      last: '2024-01-02',
    });
    // The month of `date` compared up to `date` (10 days), as it would be up to today without it.
    expect(
      parsed({
        date: '2024-02-10',
        date_range: 'month',
        include: { comparisons: { mode: 'previous_period' } },
      }).include.comparison,
    ).toMatchObject({ period: { first: '2024-01-22', last: '2024-01-31' } });
  });

  test.each(['2024-02-30', '29.02.2024', '2024-2-9', ''])('date %j is a 400 naming date', (date) => {
    expect(parseError({ date })).toBe(
      `date: '${date}' is not a date: give it as YYYY-MM-DD, e.g. 2024-01-31`,
    );
  });

  test.each([
    ['realtime', 'time:hour'],
    ['24h', 'time:hour'],
    [['2024-01-01', '2024-01-02'], 'time:hour'], // 47 hours 59 minutes
    [['2024-01-01', '2024-01-03'], 'time:day'],
    ['7d', 'time:day'],
    [['2024-01-01', '2024-02-10'], 'time:day'], // 41 days: 40 whole
    [['2024-01-01', '2024-02-11'], 'time:week'],
    ['12mo', 'time:week'], // 366 days: 52 whole weeks
    [['2023-01-01', '2024-01-06'], 'time:week'], // 371 days
    [['2023-01-01', '2024-01-07'], 'time:month'],
    [['2024-01-01T00:00:00Z', '2024-01-03T00:00:00Z'], 'time:hour'], // 48 hours
    [['2024-01-01T00:00:00Z', '2024-01-03T01:00:00Z'], 'time:day'],
  ])("'time' over %j is %s, as Plausible resolves it, in dimensions and order_by", (date_range, unit) => {
    const q = parseQuery(
      StatsRequest.parse({
        site_id: PROJECT,
        metrics: ['visitors'],
        date_range,
        dimensions: ['time'],
        order_by: [['time', 'desc']],
      }),
      PROJECT,
      Date.parse('2024-03-15T12:00:00Z'),
    );
    expect(q.dimensions).toEqual([unit]);
    expect(q.orderBy).toEqual([{ key: unit, direction: 'desc' }]);
  });

  test.each([
    [{ metrics: ['visitors', 'visitors'] }, 'metrics: must not repeat a metric'],
    [{ metrics: ['total_revenue'] }, "metrics.0: 'total_revenue' is not supported by EventLens"],
    [
      { metrics: ['scroll_depth'], dimensions: ['visit:source'] },
      'metrics.0: scroll_depth needs an event:page filter or dimension (the pages it is of), e.g. "dimensions": ["event:page"]',
    ],
    [
      { metrics: ['visitors', 'time_on_page'], dimensions: ['visit:source'] },
      'metrics.1: time_on_page needs an event:page filter or dimension (the pages it is of), e.g. "dimensions": ["event:page"]',
    ],
    [
      {
        metrics: ['time_on_page'],
        dimensions: ['event:goal'],
        filters: [['is', 'event:page', ['/a']]],
      },
      'metrics.0: time_on_page is of pages, not goals: leave event:goal out of the dimensions',
    ],
    [{ dimensions: ['time:day', 'time:hour'] }, 'dimensions: at most one time dimension'],
    [
      { dimensions: ['time'], date_range: 'all' },
      "dimensions.0: 'time' needs a date_range of known length, not all: name the unit (time:month, …)",
    ],
    [
      { filters: [['is', 'time', ['2024-01-01']]] },
      "filters.0.1: 'time' cannot be filtered on: use date_range",
    ],
    [{ dimensions: ['event:props:'] }, "dimensions.0: unknown or unsupported dimension 'event:props:'"],
    [{ filters: [['and', []]] }, 'filters.0: must be ["and", [filter, …]] with at least one filter'],
    [
      { filters: [['not', ['is', 'visit:city', ['x']]]] },
      "filters.0.1.1: unknown or unsupported dimension 'visit:city'",
    ],
    [
      { metrics: ['visitors', 'conversion_rate'], dimensions: ['visit:source'] },
      'metrics.1: conversion_rate needs an event:goal filter or dimension (the goal to convert to), e.g. "filters": [["is", "event:goal", ["Signup"]]]',
    ],
    [
      { metrics: ['group_conversion_rate'], filters: [['is', 'event:page', ['/a']]] },
      'metrics.0: group_conversion_rate needs an event:goal filter or dimension (the goal to convert to), e.g. "filters": [["is", "event:goal", ["Signup"]]]',
    ],
    [
      { filters: [['is', 'event:page', ['/a'], { case: true }]] },
      'filters.0.3: the only modifier is {"case_sensitive": boolean}',
    ],
    [{ filters: [['is', 'event:page', [1]]] }, 'filters.0.2.0: must be a string'],
    [{ filters: [['is', 'event:page', []]] }, 'filters.0.2: must be 1 to 100 strings'],
    [
      { filters: [['is', 'visit:source', ['Google', 'x'.repeat(2049)]]] },
      'filters.0.2.1: is 2,049 characters, over the limit of 2,048 (the longest URL an event may carry)',
    ],
    [
      { timezone: '+05:30' },
      "timezone: '+05:30' is not a canonical IANA time zone name such as Europe/Berlin or UTC (no offsets, no retired aliases such as US/Eastern, EST or Etc/GMT+5, exact case)",
    ],
    [
      { timezone: 'US/Eastern' },
      "timezone: 'US/Eastern' is not a canonical IANA time zone name such as Europe/Berlin or UTC (no offsets, no retired aliases such as US/Eastern, EST or Etc/GMT+5, exact case)",
    ],
    [{ filters: [['has_done']] }, 'filters.0: must be ["has_done", filter]'],
    [
      { filters: [['has_not_done', ['not', ['has_done', ['is', 'event:name', ['x']]]]]] },
      'filters.0.1: has_not_done takes a filter on event dimensions only: has_done cannot be nested in has_not_done',
    ],
    [
      {
        filters: [
          [
            'has_done',
            [
              'or',
              [
                ['is', 'event:name', ['x']],
                ['is', 'visit:country', ['DE']],
              ],
            ],
          ],
        ],
      },
      'filters.0.1: has_done takes a filter on event dimensions only: visit:country is of the visit, not of its events: filter on it beside has_done',
    ],
  ])('%j: %s', (body, message) => {
    expect(parseError(body)).toBe(message);
  });
});

describe('planQuery', () => {
  test('event metrics: one statement over events, bots left out with migration 002’s predicate', () => {
    // Filtered on an event dimension: the visits cannot answer it (visit-sql.ts).
    const filters = [['is_not', 'event:name', ['signup']]];
    const plan = planQuery(parsed({ metrics: ['visitors', 'pageviews', 'events'], filters }), TABLES);
    expect(plan.sql).toContain(`from "analytics"."events" e cross join bounds where e.project_id = ?::uuid`);
    expect(plan.sql).toContain(humanEvents('e'));
    // Visitors are the groups of one visitor each (a hash), not count(distinct) (a sort).
    expect(plan.sql).toContain(
      "(select coalesce(e.user_id, e.anonymous_id) as v, count(*) as n, count(*) filter (where e.event_name = 'page_view') as pv from",
    );
    expect(plan.sql).toContain(
      'count(t.v) as visitors, coalesce(sum(t.pv), 0) as pageviews, coalesce(sum(t.n), 0) as events',
    );
    expect(plan.sql).not.toContain('count(distinct');
    expect(plan.sql).not.toContain('"analytics"."sessions"');
    expect(plan.metricColumns).toEqual(['m_visitors', 'm_pageviews', 'm_events']);
    expect(placeholders(plan.sql)).toBe(plan.bindings.length);
    // The range's ends are the zone's midnights, computed by PostgreSQL.
    expect(plan.sql).toContain(
      'select (?::date)::timestamp at time zone ?::text as lo, (?::date + 1)::timestamp',
    );
    expect(plan.bindings.slice(0, 4)).toEqual(['2024-03-08', 'UTC', '2024-03-14', 'UTC']);
  });

  test('page views alone, filtered: the whole partial-index predicate, so events_page_views can serve it', () => {
    const filters = [['is', 'event:page', ['/a']]];
    const plan = planQuery(parsed({ metrics: ['pageviews'], filters }), TABLES);
    expect(plan.sql).toContain(`${humanEvents('e')} and e.event_name = 'page_view'`);
    expect(planQuery(parsed({ metrics: ['pageviews', 'events'], filters }), TABLES).sql).not.toContain(
      "and e.event_name = 'page_view'",
    );
  });

  test('page views alone by page, unfiltered: whole hours from page_views_hour; anything else, from the events', () => {
    const fromHours = (body: Record<string, unknown>) =>
      planQuery(parsed({ metrics: ['pageviews'], dimensions: ['event:page'], ...body }), TABLES).sql.includes(
        TABLES.pageViewsHour,
      );
    expect(fromHours({})).toBe(true);
    expect(fromHours({ date_range: ['2024-03-14T10:00:30Z', '2024-03-14T11:00:00Z'] })).toBe(true);
    expect(fromHours({ filters: [['is', 'event:name', ['page_view']]] })).toBe(false);
    expect(fromHours({ metrics: ['pageviews', 'events'] })).toBe(false);
    expect(fromHours({ dimensions: ['event:page', 'time:hour'] })).toBe(false);
    expect(fromHours({ date_range: 'all' })).toBe(false);
  });

  test('events and page views by time and name, unfiltered, since 1973: whole minutes from volume_minute', () => {
    const fromVolume = (body: Record<string, unknown>) =>
      planQuery(parsed(body), TABLES).sql.includes(TABLES.volumeMinute);
    expect(fromVolume({ metrics: ['events', 'pageviews'], dimensions: ['time:hour', 'event:name'] })).toBe(
      true,
    );
    expect(
      fromVolume({ metrics: ['pageviews'], date_range: ['2024-03-14T10:00:30Z', '2024-03-14T11:00:00Z'] }),
    ).toBe(true);
    // Anything else needs each event: visitors, a filter, another dimension, a range before 1973.
    expect(fromVolume({ metrics: ['events', 'visitors'] })).toBe(false);
    expect(fromVolume({ metrics: ['events'], filters: [['is', 'event:name', ['signup']]] })).toBe(false);
    expect(fromVolume({ metrics: ['events'], dimensions: ['event:page'] })).toBe(false);
    // Only a compared period reaches before 1973 (the calendar starts in 1999): the century before it.
    const century = parsed({
      metrics: ['events'],
      date_range: ['1999-01-01', '2100-12-31'],
      date: '2100-12-31',
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(planQuery(century, TABLES).sql.includes(TABLES.volumeMinute)).toBe(true);
    expect(planQuery(comparisonQuery(century, []), TABLES).sql.includes(TABLES.volumeMinute)).toBe(false);
  });

  test('values the client sent are bindings, never SQL text', () => {
    const evil = "x'); drop table analytics.events; --";
    const plan = planQuery(
      parsed({
        metrics: ['events'],
        dimensions: [`event:props:${evil}`],
        filters: [
          ['contains', 'event:page', [evil]],
          ['is', `event:props:${evil}`, [evil]],
        ],
        timezone: 'America/New_York',
      }),
      TABLES,
    );
    expect(plan.sql).not.toContain('drop table');
    expect(plan.sql).not.toContain('America/New_York');
    expect(plan.bindings).toContain(evil); // the property key and the is value
    expect(plan.bindings).toContainEqual([`%${evil}%`]);
    expect(plan.bindings).toContain('America/New_York');
    expect(placeholders(plan.sql)).toBe(plan.bindings.length);
  });

  test('LIKE wildcards in a contains value are literal', () => {
    const plan = planQuery(parsed({ filters: [['contains', 'event:page', ['50%_off\\']]] }), TABLES);
    expect(plan.bindings).toContainEqual(['%50\\%\\_off\\\\%']);
  });

  test('time buckets are date_trunc in the zone, formatted as Plausible labels them', () => {
    const plan = planQuery(parsed({ dimensions: ['time:hour'], timezone: 'Asia/Kolkata' }), TABLES);
    // Read from the visits (visit-sql.ts): a visit inside one bucket is in its start's, the events of
    // the others each in their own.
    expect(plan.sql).toContain(
      "to_char(date_trunc('hour', es.first_seen at time zone ?::text), 'YYYY-MM-DD HH24:MI:SS') as d0",
    );
    expect(plan.sql).toContain(
      "to_char(date_trunc('hour', e.ts at time zone ?::text), 'YYYY-MM-DD HH24:MI:SS') as t",
    );
    expect(plan.sql).toContain('row_number() over (order by d0 asc) as ord');
    const minutes = planQuery(parsed({ dimensions: ['time:minute'], date_range: 'day' }), TABLES).sql;
    expect(minutes).toContain(
      "to_char(date_trunc('minute', e.ts at time zone ?::text), 'YYYY-MM-DD HH24:MI:SS') as d0",
    );
  });

  test('a time series’ visitors come from the visits: those inside one bucket from their rows, the ones that cross a bucket’s end from their events', () => {
    const plan = planQuery(parsed({ metrics: ['visitors', 'pageviews'], dimensions: ['time:day'] }), TABLES);
    const sameDay =
      "date_trunc('day', es.first_seen at time zone ?::text) = date_trunc('day', es.last_seen at time zone ?::text)";
    expect(plan.sql).toContain(`and not es.is_bot and ${sameDay} and es.visitor_key is not null`);
    expect(plan.sql).toContain(`and not es.is_bot and ${sameDay} and es.visitor_key is null`);
    expect(plan.sql).toContain(
      "and not c.is_bot and not (date_trunc('day', c.first_seen at time zone ?::text) = date_trunc('day', c.last_seen at time zone ?::text)))) group by 1, 2, 3",
    );
    // Read by session (an array: PostgreSQL cannot estimate how few cross), not joined to every event.
    expect(plan.sql).toContain('e.session_id = any(array(select c.session_id from');
    expect(plan.sql).toContain('select x.t as d0, x.v, x.n, x.pv from');
    expect(placeholders(plan.sql)).toBe(plan.bindings.length);
    // Events alone are volume_minute's, as before.
    expect(planQuery(parsed({ metrics: ['events'], dimensions: ['time:day'] }), TABLES).sql).not.toContain(
      'visitor_key',
    );
  });

  test('visit metrics: sessions started in the range, not bots; event filters as exists', () => {
    const plan = planQuery(
      parsed({
        metrics: ['visits', 'bounce_rate'],
        filters: [['is_not', 'event:page', ['/a']]],
      }),
      TABLES,
    );
    expect(plan.sql).toContain(
      'from "analytics"."sessions" s cross join bounds where s.project_id = ?::uuid',
    );
    // The range's ends inline (the planner sees them), not bounds' columns.
    expect(plan.sql).toContain(
      's.first_seen >= ((?::date)::timestamp at time zone ?::text) and s.first_seen < ((?::date + 1)::timestamp at time zone ?::text) and not s.is_bot',
    );
    expect(plan.sql).toContain(
      `(not exists (select 1 from "analytics"."events" x where x.project_id = s.project_id and x.session_id = s.session_id and ${humanEvents('x')} and `,
    );
    expect(plan.sql).not.toContain(' ev as ');
    expect(placeholders(plan.sql)).toBe(plan.bindings.length);
  });

  test('visit dimensions of event metrics are the visit’s: the events grouped by visit, then sessions joined by session id', () => {
    const plan = planQuery(parsed({ metrics: ['pageviews'], dimensions: ['visit:source'] }), TABLES);
    expect(plan.sql).toContain(
      'evs as (select e.session_id as sid, coalesce(e.user_id, e.anonymous_id) as v, count(*) as n',
    );
    expect(plan.sql).toContain(
      'from evs cross join bounds left join "analytics"."sessions" es on es.project_id = ?::uuid and es.session_id = evs.sid and es.last_seen >= ((?::date)::timestamp at time zone ?::text)',
    );
    expect(plan.sql).toContain("coalesce(es.source, 'Direct / None') as d0");
    expect(placeholders(plan.sql)).toBe(plan.bindings.length);
  });

  test('the visitors of visit dimensions come from the visits: inside the range their rows, the cut ones and lone events from the events', () => {
    const plan = planQuery(
      parsed({ metrics: ['visitors', 'pageviews'], dimensions: ['visit:source', 'visit:country'] }),
      TABLES,
    );
    expect(plan.sql).not.toContain('evs as');
    // A visit of one visitor key by its column (read-model analytics 012), the others' keys unnested.
    expect(plan.sql).toContain(
      "coalesce(es.source, 'Direct / None') as d0, es.country as d1, es.visitor_key as v, es.event_count as n, es.page_views as pv from",
    );
    expect(plan.sql).toContain('and not es.is_bot and es.visitor_key is not null union all');
    expect(plan.sql).toContain(
      'unnest(case when cardinality(es.visitor_keys) = 0 then array[null::text] else es.visitor_keys end) as v, unnest(array[es.event_count]) as n, unnest(array[es.page_views]) as pv',
    );
    expect(plan.sql).toContain('and not es.is_bot and es.visitor_key is null union all');
    expect(plan.sql).toContain(
      'es.first_seen >= ((?::date)::timestamp at time zone ?::text) and es.last_seen < ((?::date + 1)::timestamp at time zone ?::text) and not es.is_bot',
    );
    expect(plan.sql).toContain(`${visitSpan('c')} @> ((?::date)::timestamp at time zone ?::text)`);
    expect(plan.sql).toContain(`${visitSpan('c')} @> ((?::date + 1)::timestamp at time zone ?::text)`);
    expect(plan.sql).toContain('and e.session_id is null group by 1, 2');
    expect(plan.sql).toContain("coalesce(es.source, 'Direct / None') as d0, es.country as d1");
    expect(placeholders(plan.sql)).toBe(plan.bindings.length);
  });

  test('the KPI row’s visitors come from the visits too; its events and page views alone from volume_minute', () => {
    const kpi = planQuery(
      parsed({
        metrics: ['visitors', 'visits', 'pageviews', 'events'],
        filters: [['is', 'visit:country', ['DE']]],
      }),
      TABLES,
    );
    expect(kpi.sql).toContain(
      'vk as (select r.v, sum(r.n::integer) as n, sum(r.pv::integer) as pv from (select es.visitor_key as v',
    );
    expect(kpi.sql).toContain(
      'count(t.v) as visitors, coalesce(sum(t.pv), 0) as pageviews, coalesce(sum(t.n), 0) as events from vk t',
    );
    expect(placeholders(kpi.sql)).toBe(kpi.bindings.length);
    const counts = planQuery(parsed({ metrics: ['pageviews', 'events'] }), TABLES).sql;
    expect(counts).toContain(TABLES.volumeMinute);
    expect(counts).not.toContain('visitor_key');
    // An event filter: only the events say which visitors had a matching event.
    const filtered = planQuery(
      parsed({ metrics: ['visitors'], filters: [['is', 'event:name', ['signup']]] }),
      TABLES,
    );
    expect(filtered.sql).not.toContain('visitor_key');
  });

  test.each([
    [
      'an event filter',
      { metrics: ['visitors'], dimensions: ['visit:source'], filters: [['is', 'event:name', ['signup']]] },
    ],
    ['minutes', { metrics: ['visitors'], dimensions: ['visit:source', 'time:minute'], date_range: 'day' }],
    ['an event dimension', { metrics: ['visitors'], dimensions: ['visit:source', 'event:page'] }],
    ['page views alone', { metrics: ['pageviews'], dimensions: ['visit:source'] }],
  ])('with %s, the visitors of visit dimensions come from the events', (_, body) => {
    const plan = planQuery(parsed(body), TABLES);
    expect(plan.sql).toContain('evs as');
    expect(plan.sql).not.toContain('visitor_keys');
  });

  test('a visit filter with a visit dimension applies after the join; an event filter before it', () => {
    const plan = planQuery(
      parsed({
        metrics: ['visitors'],
        dimensions: ['visit:source', 'time:day'],
        filters: [
          ['is', 'visit:country', ['DE']],
          ['contains', 'event:page', ['/blog']],
        ],
      }),
      TABLES,
    );
    const [evs, join] = plan.sql.split(' from evs cross join bounds left join ');
    expect(evs).toContain('like any(');
    expect(evs).toContain("to_char(date_trunc('day', e.ts at time zone ?::text), 'YYYY-MM-DD') as k1");
    expect(join).toContain('where (es.country = any(?::text[]))');
    expect(plan.sql).toContain(
      "(select coalesce(es.source, 'Direct / None') as d0, evs.k1 as d1, evs.v, sum(evs.n::integer) as n",
    );
    expect(placeholders(plan.sql)).toBe(plan.bindings.length);
  });

  test('a filter mixing event and visit dimensions in one tree: every event joined to its visit', () => {
    const plan = planQuery(
      parsed({
        metrics: ['visitors'],
        dimensions: ['visit:source'],
        filters: [
          [
            'or',
            [
              ['is', 'visit:country', ['DE']],
              ['is', 'event:name', ['signup']],
            ],
          ],
        ],
      }),
      TABLES,
    );
    expect(plan.sql).not.toContain('evs as');
    expect(plan.sql).toContain(
      'left join "analytics"."sessions" es on es.project_id = e.project_id and es.session_id = e.session_id',
    );
    expect(placeholders(plan.sql)).toBe(plan.bindings.length);
  });

  test('visit metrics by an event dimension: the visits joined to the distinct values of their events', () => {
    const plan = planQuery(parsed({ metrics: ['visits'], dimensions: ['event:name'] }), TABLES);
    expect(plan.sql).toContain(
      `from "analytics"."sessions" s join (select distinct x.session_id, x.event_name as d0 from "analytics"."events" x cross join bounds where x.project_id = ?::uuid and x.ts >= ((?::date)::timestamp at time zone ?::text) and x.ts < ((?::date + 1)::timestamp at time zone ?::text) and ${humanEvents('x')}) xe on xe.session_id = s.session_id`,
    );
    expect(plan.sql).toContain('select xe.d0 as d0, count(*) as visits');
  });

  test('order: explicit, else the time dimension ascending or the first metric descending; dimensions break ties', () => {
    expect(
      planQuery(parsed({ metrics: ['events', 'visitors'], dimensions: ['event:name'] }), TABLES).sql,
    ).toContain('order by m_events desc, d0 asc nulls last');
    expect(
      planQuery(
        parsed({ metrics: ['events'], dimensions: ['event:name'], order_by: [['event:name', 'desc']] }),
        TABLES,
      ).sql,
    ).toContain('row_number() over (order by d0 desc nulls last) as ord');
  });

  test('all: from the project’s first human event', () => {
    const plan = planQuery(parsed({ date_range: 'all' }), TABLES);
    expect(plan.sql).toContain('min(e.ts)');
    expect(plan.bindings).toContain(PROJECT);
  });

  test('date-time pairs include their end', () => {
    const plan = planQuery(
      parsed({ date_range: ['2024-01-01T00:00:00Z', '2024-01-01T12:00:00+05:30'] }),
      TABLES,
    );
    expect(plan.sql).toContain(
      "select ?::timestamptz as lo, ?::timestamptz + interval '1 microsecond' as hi",
    );
    expect(plan.bindings.slice(0, 2)).toEqual(['2024-01-01T00:00:00Z', '2024-01-01T12:00:00+05:30']);
  });
});

describe('planQuery with goals', () => {
  test('the goals are rows of bound arrays, each kind null in the other’s column', () => {
    const plan = planQuery(parsed({ metrics: ['visitors'], dimensions: ['event:goal'] }, GOALS), TABLES);
    expect(plan.sql).toContain(
      'join unnest(?::text[], ?::text[], ?::text[]) as eg(name, event_name, page_regex) on',
    );
    expect(plan.bindings).toContainEqual(['Signup', 'Blog']);
    expect(plan.bindings).toContainEqual(['signup', null]);
    expect(plan.bindings).toContainEqual([null, '^/blog/.*$']);
    expect(placeholders(plan.sql)).toBe(plan.bindings.length);
  });

  test('event:goal as a dimension joins each event to each goal it reaches; top-level goal filters narrow the goals', () => {
    const plan = planQuery(
      parsed(
        {
          metrics: ['visitors', 'events'],
          dimensions: ['event:goal'],
          filters: [['is_not', 'event:goal', ['Blog']]],
        },
        GOALS,
      ),
      TABLES,
    );
    expect(plan.sql).toContain(
      'as eg(name, event_name, page_regex) on (case when eg.event_name is not null then e.event_name = eg.event_name',
    );
    expect(plan.sql).toContain("else e.event_name = 'page_view' and coalesce(");
    expect(plan.sql).toContain('e cross join bounds join unnest(?::text[], ?::text[], ?::text[]) as eg(name');
    expect(plan.sql).toContain('and not coalesce(eg.name = any(?::text[]), false) where');
    expect(plan.sql).toContain('eg.name as d0');
    expect(plan.sql).toContain(
      '(not coalesce(exists (select 1 from unnest(?::text[], ?::text[], ?::text[]) as fg(name, event_name, page_regex) where fg.name = any(?::text[]) and',
    );
    expect(placeholders(plan.sql)).toBe(plan.bindings.length);
  });

  test('no goal named: no goals bound, no join', () => {
    const plan = planQuery(parsed({ metrics: ['visitors'], dimensions: ['event:name'] }, GOALS), TABLES);
    expect(plan.sql).not.toContain('unnest');
    expect(plan.bindings).not.toContainEqual(['Signup', 'Blog']);
  });

  test('a caller that does not give the goals cannot name event:goal: a QueryError naming the field', () => {
    const request = (body: Record<string, unknown>) =>
      StatsRequest.parse({ site_id: PROJECT, metrics: ['visitors'], date_range: '7d', ...body });
    expect(() =>
      parseQuery(
        request({
          filters: [
            ['is', 'event:page', ['/a']],
            ['not', ['is', 'event:goal', ['Signup']]],
          ],
        }),
        PROJECT,
        NOW,
      ),
    ).toThrow(/^filters\.1: event:goal is not available here/);
    expect(() => parseQuery(request({ dimensions: ['time:day', 'event:goal'] }), PROJECT, NOW)).toThrow(
      /^dimensions\.1: event:goal is not available here/,
    );
    expect(parseQuery(request({ dimensions: ['event:goal'] }), PROJECT, NOW, []).goals).toEqual([]);
  });

  test('conversion_rate: the row’s visitors over all visitors without the goal and property filters', () => {
    const plan = planQuery(
      parsed(
        {
          metrics: ['conversion_rate'],
          filters: [
            ['is', 'event:goal', ['Signup']],
            ['is', 'event:props:plan', ['pro']],
            ['is', 'visit:source', ['Google']],
          ],
        },
        GOALS,
      ),
      TABLES,
    );
    const crt = /crt as \((.*?)\), u as/.exec(plan.sql)![1]!;
    expect(crt).toContain("coalesce(es.source, 'Direct / None') = any(?::text[])");
    expect(crt).not.toContain('unnest');
    expect(crt).not.toContain('metadata ->> ?::text');
    expect(plan.sql).toContain(
      'coalesce(round(100.0 * max(u.visitors) / nullif(max(crt.visitors), 0), 2), 0) as m_conversion_rate',
    );
    expect(plan.sql).toContain('from u cross join crt');
    expect(plan.metricColumns).toEqual(['m_conversion_rate']);
    expect(placeholders(plan.sql)).toBe(plan.bindings.length);
  });

  test('group_conversion_rate: each row over the visitors of its values of the other dimensions', () => {
    const plan = planQuery(
      parsed(
        {
          metrics: ['visitors', 'group_conversion_rate'],
          dimensions: ['event:goal', 'visit:source'],
        },
        GOALS,
      ),
      TABLES,
    );
    expect(plan.sql).toContain("gt as (select coalesce(es.source, 'Direct / None') as d1, count(distinct");
    expect(plan.sql).toContain('group by 1)');
    expect(plan.sql).toContain(
      'from j left join gt on json_build_array(j.d1)::text = json_build_array(gt.d1)::text)',
    );
    expect(plan.sql).toContain('page as (select jg.*');
    expect(placeholders(plan.sql)).toBe(plan.bindings.length);
    // Without other dimensions, the group is the whole range.
    expect(
      planQuery(parsed({ metrics: ['group_conversion_rate'], dimensions: ['event:goal'] }, GOALS), TABLES)
        .sql,
    ).toContain('from j left join gt on true)');
  });

  test('visit metrics by event:goal: the visits joined to the goals their events reached', () => {
    const plan = planQuery(parsed({ metrics: ['visits'], dimensions: ['event:goal'] }, GOALS), TABLES);
    expect(plan.sql).toContain(
      `join (select distinct x.session_id, xg.name as d0 from "analytics"."events" x join unnest(?::text[], ?::text[], ?::text[]) as xg(name, event_name, page_regex) on (case when xg.event_name is not null then x.event_name = xg.event_name`,
    );
    expect(placeholders(plan.sql)).toBe(plan.bindings.length);
  });
});

describe('planQuery over any query it accepts', () => {
  test('one placeholder per binding, the zone only a binding, a column per metric and dimension', () => {
    fc.assert(
      fc.property(statsRequests, (r) => {
        let q: StatsQuery;
        try {
          q = parsed(r, GOALS);
        } catch (error) {
          if (error instanceof QueryError) return; // refused before planning
          throw error;
        }
        const plan = planQuery(q, TABLES);
        expect(placeholders(plan.sql)).toBe(plan.bindings.length);
        // Each binding has the type its placeholder casts to: bindings follow the text's order.
        const casts = [...plan.sql.matchAll(/(?<!\\)\?(?:::([a-z[\]]+))?/g)].map((m) => m[1]);
        casts.forEach((cast, i) => {
          const value = plan.bindings[i];
          if (cast === 'uuid') expect(value).toBe(PROJECT);
          else if (cast === 'date') expect(value).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          else if (cast === 'bigint') expect(typeof value).toBe('number');
          else if (cast === 'text[]') expect(Array.isArray(value)).toBe(true);
          else if (value === null) expect.fail(`a null binding cast to ${cast}`);
          else expect(typeof value).toBe('string');
          if (value === q.timeZone) expect(cast).toBe('text');
        });
        expect(plan.sql).not.toContain(q.timeZone === 'UTC' ? "'UTC'" : q.timeZone);
        expect(plan.metricColumns).toHaveLength(q.metrics.length);
        expect(plan.dimensionColumns).toHaveLength(q.dimensions.length);
      }),
      { numRuns: 300 },
    );
  });
});
