import { humanEvents } from '@eventlens/read-model';
import { describe, expect, test } from 'vitest';
import { FunnelRequest, funnelSteps, parseFunnel, planFunnel } from './funnel';
import { QueryError } from './errors';

const PROJECT = '3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const TABLES = {
  events: '"analytics"."events"',
  sessions: '"analytics"."sessions"',
  volumeMinute: '"analytics"."volume_minute"',
  pageViewsHour: '"analytics"."page_views_hour"',
};
const NOW = Date.parse('2024-03-15T12:00:00Z');

const request = (body: Record<string, unknown>) =>
  FunnelRequest.parse({
    site_id: PROJECT,
    date_range: '7d',
    steps: [{ page: '/pricing' }, { event: 'signup' }],
    ...body,
  });

describe('FunnelRequest', () => {
  test('2 to 8 steps, each exactly one of page, page_pattern, event', () => {
    expect(() => request({ steps: [{ page: '/a' }] })).toThrow();
    expect(() => request({ steps: Array.from({ length: 9 }, () => ({ page: '/a' })) })).toThrow();
    expect(() => request({ steps: [{ page: '/a', event: 'x' }, { page: '/b' }] })).toThrow();
    expect(() => request({ steps: [{ goal: '/a' }, { page: '/b' }] })).toThrow();
    expect(() => request({ metrics: ['visitors'] })).toThrow();
  });

  test('a page or a pattern is a path as event:page has it, as a page goal is: a step that could never match is refused', () => {
    const issues = (step: Record<string, string>) =>
      FunnelRequest.safeParse({
        site_id: PROJECT,
        date_range: '7d',
        steps: [{ page: '/' }, step],
      }).error?.issues.map((i) => [i.path.join('.'), i.message]);
    expect(issues({ page: 'pricing' })).toEqual([
      ['steps.1.page', 'must start with / (a path such as /pricing or /blog/**)'],
    ]);
    expect(issues({ page_pattern: 'blog/**' })).toEqual([
      ['steps.1.page_pattern', 'must start with / (a path such as /pricing or /blog/**)'],
    ]);
    expect(issues({ page: '/a?x=1' })?.[0]?.[1]).toMatch(/^must not hold a query string/);
    expect(issues({ page_pattern: '/blog/**' })).toBeUndefined();
  });

  test('a step that is none of them is told what a step is, not "Invalid input"; one that is, its own error', () => {
    for (const step of [{ goal: '/a' }, { page: '/a', event: 'x' }, {}, 'signup']) {
      const parsed = FunnelRequest.safeParse({
        site_id: PROJECT,
        date_range: '7d',
        steps: [{ page: '/' }, step],
      });
      expect(parsed.error?.issues).toEqual([
        expect.objectContaining({
          path: ['steps', 1],
          message: expect.stringMatching(/^a step is exactly one of \{"page": "\/path"\}/),
        }),
      ]);
    }
    const empty = FunnelRequest.safeParse({
      site_id: PROJECT,
      date_range: '7d',
      steps: [{ page: '/' }, { page: '' }],
    });
    expect(empty.error?.issues).toEqual([
      expect.objectContaining({
        path: ['steps', 1, 'page'],
        message: expect.stringMatching(/^must start with \//),
      }),
    ]);
  });
});

describe('parseFunnel and planFunnel', () => {
  test('errors name the field, as the Stats API’s', () => {
    expect(() => parseFunnel(request({ date_range: 'fortnight' }), PROJECT, NOW)).toThrow(QueryError);
    expect(() => parseFunnel(request({ filters: [['is', 'time:day', ['x']]] }), PROJECT, NOW)).toThrow(
      /^filters\.0\.1: time:day cannot be filtered on/,
    );
  });
  test('date: the day the presets count from, as the Stats API’s', () => {
    expect(parseFunnel(request({ date: '2024-01-31' }), PROJECT, NOW).query.period).toEqual({
      kind: 'dates',
      first: '2024-01-24',
      last: '2024-01-30',
    });
    expect(() => parseFunnel(request({ date: '2024-13-01' }), PROJECT, NOW)).toThrow(/^date: /);
  });
  test('one placeholder per binding, one CTE per step, values never in the SQL', () => {
    const evil = "x'); drop table analytics.events; --";
    const funnel = parseFunnel(
      request({
        timezone: 'America/New_York',
        filters: [['is', 'visit:source', [evil]]],
        steps: [{ page: `/${evil}` }, { page_pattern: '/blog/**' }, { event: evil }],
      }),
      PROJECT,
      NOW,
    );
    const plan = planFunnel(funnel, TABLES);
    expect(plan.sql.split('?').length - 1).toBe(plan.bindings.length);
    expect(plan.sql).not.toContain(evil);
    expect(plan.sql).not.toContain('America/New_York');
    expect(plan.bindings).toContain(evil);
    expect(plan.bindings).toContain('^/blog/.*$');
    expect(plan.sql).toContain('array_agg(seq) filter (where s3) as a3');
    expect(plan.sql).toContain('min(x) as k3 from unnest(v.a3) x where x > l2.k2');
    expect(plan.sql).toContain(humanEvents('e'));
    expect(plan.sql).not.toContain('unnest(?::text[]');
  });

  test('an event:goal filter selects visits reaching the goal, from the project’s goals', () => {
    const funnel = parseFunnel(request({ filters: [['is', 'event:goal', ['Signup']]] }), PROJECT, NOW, [
      { name: 'Signup', event_name: 'signup' },
      { name: 'Blog', page_path: '/blog/**' },
    ]);
    const plan = planFunnel(funnel, TABLES);
    expect(plan.sql.split('?').length - 1).toBe(plan.bindings.length);
    expect(plan.bindings).toContainEqual(['Signup', 'Blog']);
    expect(plan.bindings).toContainEqual(['signup', null]);
    expect(plan.bindings).toContainEqual([null, '^/blog/.*$']);
    expect(plan.sql).toContain(
      'exists (select 1 from unnest(?::text[], ?::text[], ?::text[]) as fg(name, event_name, page_regex) where fg.name = any(?::text[])',
    );
  });
});

describe('funnelSteps', () => {
  const steps = [{ page: '/' }, { page_pattern: '/blog/**' }, { event: 'signup' }];
  test('conversion from step 1, drop-off from the step before, two decimals', () => {
    expect(
      funnelSteps(steps, [
        { visitors: 3, visits: 4 },
        { visitors: 2, visits: 2 },
        { visitors: 1, visits: 1 },
      ]),
    ).toEqual([
      { label: '/', visitors: 3, visits: 4, conversion_rate: 100, drop_off: 0, drop_off_rate: 0 },
      {
        label: '/blog/**',
        visitors: 2,
        visits: 2,
        conversion_rate: 66.67,
        drop_off: 1,
        drop_off_rate: 33.33,
      },
      { label: 'signup', visitors: 1, visits: 1, conversion_rate: 33.33, drop_off: 1, drop_off_rate: 50 },
    ]);
  });
  test('nobody entering: zeros, no division by zero', () => {
    const none = { visitors: 0, visits: 0 };
    expect(funnelSteps(steps, [none, none, none]).map((s) => [s.conversion_rate, s.drop_off_rate])).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
  });
});
