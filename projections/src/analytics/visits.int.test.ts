/**
 * Visits (analytics.sessions with migration 003's columns) against the real stack: Kafka, the
 * registry and PostgreSQL. A known set of visits gives exactly the expected bounce, entry, exit,
 * source, UTM values, device and country (a visit whose only other events are non-interactive
 * bounces; traffic from an excluded address makes no visit and is counted apart per day); a visit
 * whose events come out of order across two
 * batches gives the same row as one that came in order; a replayed record counts once; a rebuild
 * from offset 0 gives the same rows; a visit's visitor keys stay a set across batches and replays.
 */
import type { EventTracked } from '@eventlens/contracts';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident } from '../db';
import { createMetrics } from '../metrics';
import { rebuild } from '../rebuild/rebuild';
import {
  caughtUp,
  createTestEnv,
  makeEvent,
  produceEvents,
  startInProcess,
  type InProcess,
  type TestEnv,
} from '../testing/fixture';

const T0 = Date.UTC(2026, 5, 1, 9, 0, 0);
const SITE = 'https://shop.example';

/** The visit columns, as the reports read them (times in epoch ms, counts as numbers). */
const VISIT = `session_id, (extract(epoch from first_seen) * 1000)::float8 as first_seen,
  (extract(epoch from last_seen) * 1000)::float8 as last_seen, duration_ms::float8 as duration_ms,
  event_count::float8 as event_count, page_views::float8 as page_views,
  engagement_events::float8 as engagement_events, bounced, is_bot, entry_url, exit_url, entry_path,
  exit_path, entry_referrer, source, utm_source, utm_medium, utm_campaign, utm_term, utm_content,
  browser, browser_version, os, os_version, device_type, country`;

/** A visit's visitor keys in one order (the column promises none). */
const KEYS = `array(select unnest(visitor_keys) order by 1) as visitor_keys`;

describe('visits (real Kafka, registry, PostgreSQL)', () => {
  let env: TestEnv;
  let workers: InProcess;
  let schema: string;
  let source: string;

  beforeAll(async () => {
    env = await createTestEnv();
    ({ schema, source } = env.topology.projections.analytics);
    workers = await startInProcess(env, ['analytics', 'ops']);
  });
  afterAll(async () => {
    await workers?.stop();
    await env?.cleanup();
  });

  async function visits(project: string): Promise<Record<string, unknown>[]> {
    const { rows } = await env.pool.query(
      `select ${VISIT} from ${ident(schema)}.sessions where project_id = $1 order by session_id`,
      [project],
    );
    return rows;
  }

  /** One event of a visit: a page view at `SITE + path` `seconds` after T0 unless said otherwise. */
  const event =
    (project: string, session: string) =>
    (seconds: number, path: string, overrides: Partial<EventTracked> = {}): EventTracked =>
      makeEvent({
        project_id: project,
        session_id: session,
        anonymous_id: `anon-${session}`,
        event_name: 'page_view',
        timestamp: T0 + seconds * 1000,
        received_at: T0 + seconds * 1000,
        url: SITE + path,
        ...overrides,
      });

  const project = randomUUID();
  const a = event(project, 'a-bounce');
  const b = event(project, 'b-campaign');
  const c = event(project, 'c-direct');
  const d = event(project, 'd-engaged');
  const e = event(project, 'e-bot');
  const f = event(project, 'f-quiet');
  const g = event(project, 'g-own');
  const firefoxDe = {
    browser: 'Firefox',
    browser_version: '125',
    os: 'Linux',
    os_version: '6.8',
    device_type: 'desktop',
    country: 'DE',
  };
  const known: EventTracked[] = [
    // A bounce from a search engine: one page view, then its page_leave.
    a(0, '/', { referrer: 'https://www.google.com/', ...firefoxDe }),
    a(40, '/', { event_name: 'page_leave', ...firefoxDe }),
    // A campaign visit: utm_source wins over the referrer; a click and a second page.
    b(10, '/pricing?utm_source=newsletter', {
      referrer: 'https://t.co/x',
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'spring',
      utm_term: 'analytics',
      utm_content: 'header',
      browser: 'Mobile Safari',
      browser_version: '17',
      os: 'iOS',
      os_version: '17.4',
      device_type: 'mobile',
      country: 'FR',
    }),
    b(20, '/pricing', { event_name: 'click', browser: 'Chrome', country: 'US' }),
    b(30, '/signup#form', { referrer: `${SITE}/pricing`, browser: 'Chrome', country: 'US' }),
    // Direct: no referrer; a second page reached from the site itself.
    c(5, '/docs', { browser: 'Chrome', os: 'Android', device_type: 'tablet', country: 'BR' }),
    c(65, '/docs/start', { referrer: `${SITE}/docs` }),
    // One page view and a custom event: engaged, not a bounce. An unknown site names itself.
    d(0, '/blog/post', { referrer: 'https://www.Friends.example.org/links' }),
    d(3, '/blog/post', { event_name: 'signup' }),
    // A crawler's visit makes no row.
    e(0, '/', { context: { bot: 'Googlebot' }, referrer: 'https://www.google.com/' }),
    // One page view and a non-interactive event (Plausible's interactive: false): a bounce.
    f(0, '/video'),
    f(8, '/video', { event_name: 'Video Autoplay', context: { interactive: 'false' } }),
    // The project's own traffic (an excluded address) makes no row, even with an interaction.
    g(0, '/admin', { context: { excluded: 'address' } }),
    g(2, '/admin', { event_name: 'click', context: { excluded: 'address' } }),
  ];

  it('builds each visit exactly: bounce, entry and exit, source, UTM values, device, country', async () => {
    await produceEvents(env, known);
    await caughtUp(env, schema, source);
    const common = { is_bot: false, utm_source: null, utm_medium: null, utm_campaign: null };
    const noTerm = { utm_term: null, utm_content: null };
    expect(await visits(project)).toEqual([
      {
        session_id: 'a-bounce',
        first_seen: T0,
        last_seen: T0 + 40_000,
        duration_ms: 40_000,
        event_count: 2,
        page_views: 1,
        engagement_events: 0,
        bounced: true,
        entry_url: `${SITE}/`,
        exit_url: `${SITE}/`,
        entry_path: '/',
        exit_path: '/',
        entry_referrer: 'https://www.google.com/',
        source: 'Google',
        ...common,
        ...noTerm,
        ...firefoxDe,
      },
      {
        session_id: 'b-campaign',
        first_seen: T0 + 10_000,
        last_seen: T0 + 30_000,
        duration_ms: 20_000,
        event_count: 3,
        page_views: 2,
        engagement_events: 1,
        bounced: false,
        is_bot: false,
        entry_url: `${SITE}/pricing?utm_source=newsletter`,
        exit_url: `${SITE}/signup#form`,
        entry_path: '/pricing',
        exit_path: '/signup',
        entry_referrer: 'https://t.co/x',
        source: 'newsletter',
        utm_source: 'newsletter',
        utm_medium: 'email',
        utm_campaign: 'spring',
        utm_term: 'analytics',
        utm_content: 'header',
        browser: 'Mobile Safari',
        browser_version: '17',
        os: 'iOS',
        os_version: '17.4',
        device_type: 'mobile',
        country: 'FR',
      },
      {
        session_id: 'c-direct',
        first_seen: T0 + 5_000,
        last_seen: T0 + 65_000,
        duration_ms: 60_000,
        event_count: 2,
        page_views: 2,
        engagement_events: 0,
        bounced: false,
        entry_url: `${SITE}/docs`,
        exit_url: `${SITE}/docs/start`,
        entry_path: '/docs',
        exit_path: '/docs/start',
        entry_referrer: null,
        source: 'Direct / None',
        ...common,
        ...noTerm,
        browser: 'Chrome',
        browser_version: null,
        os: 'Android',
        os_version: null,
        device_type: 'tablet',
        country: 'BR',
      },
      {
        session_id: 'd-engaged',
        first_seen: T0,
        last_seen: T0 + 3_000,
        duration_ms: 3_000,
        event_count: 2,
        page_views: 1,
        engagement_events: 1,
        bounced: false,
        entry_url: `${SITE}/blog/post`,
        exit_url: `${SITE}/blog/post`,
        entry_path: '/blog/post',
        exit_path: '/blog/post',
        entry_referrer: 'https://www.Friends.example.org/links',
        source: 'friends.example.org',
        ...common,
        ...noTerm,
        browser: null,
        browser_version: null,
        os: null,
        os_version: null,
        device_type: null,
        country: null,
      },
      {
        session_id: 'f-quiet',
        first_seen: T0,
        last_seen: T0 + 8_000,
        duration_ms: 8_000,
        event_count: 2,
        page_views: 1,
        engagement_events: 0,
        bounced: true,
        entry_url: `${SITE}/video`,
        exit_url: `${SITE}/video`,
        entry_path: '/video',
        exit_path: '/video',
        entry_referrer: null,
        source: 'Direct / None',
        ...common,
        ...noTerm,
        browser: null,
        browser_version: null,
        os: null,
        os_version: null,
        device_type: null,
        country: null,
      },
    ]);
    const apart = async (table: string) =>
      (
        await env.pool.query(
          `select day::text, count::float8 as count from ${ident(schema)}.${table} where project_id = $1`,
          [project],
        )
      ).rows;
    expect(await apart('bot_events_day')).toEqual([{ day: '2026-06-01', count: 1 }]);
    expect(await apart('excluded_events_day')).toEqual([{ day: '2026-06-01', count: 2 }]);
    // Both stay in the events table, which the explorer lists.
    const { rows } = await env.pool.query(
      `select count(*)::float8 as n from ${ident(schema)}.events where project_id = $1 and context ? 'excluded'`,
      [project],
    );
    expect(rows).toEqual([{ n: 2 }]);
  });

  it('counts a replayed record once', async () => {
    const before = await visits(project);
    // The client retried the campaign's click and the bounce's page view: appended again.
    await produceEvents(env, [known[3]!, known[0]!]);
    await caughtUp(env, schema, source);
    expect(await visits(project)).toEqual(before);
  });

  it('gives a visit whose events came out of order, across two batches, the row of one that came in order', async () => {
    const [inOrder, outOfOrder] = [randomUUID(), randomUUID()];
    const visit = (p: string) => {
      const v = event(p, 'v');
      return [
        v(0, '/landing?ref=1', {
          referrer: 'https://news.ycombinator.com/item?id=1',
          utm_campaign: 'launch',
          browser: 'Firefox',
          browser_version: '126',
          os: 'Windows',
          os_version: '11',
          device_type: 'desktop',
          country: 'NL',
        }),
        v(12, '/landing', { event_name: 'click', browser: 'Edge', browser_version: '124', country: 'BE' }),
        v(30, '/features', { referrer: `${SITE}/landing`, browser: 'Edge', country: 'BE' }),
        v(31, '/features', { event_name: 'page_leave', browser: 'Edge', country: 'BE' }),
      ];
    };
    await produceEvents(env, visit(inOrder));
    const [entry, ...later] = visit(outOfOrder);
    // The later events first, in their own batch: the visit starts at the click, for now.
    await produceEvents(env, later.reverse());
    await caughtUp(env, schema, source);
    expect(await visits(outOfOrder)).toEqual([
      expect.objectContaining({
        entry_path: '/landing',
        source: 'Direct / None',
        browser: 'Edge',
        browser_version: '124',
        os_version: null,
        country: 'BE',
      }),
    ]);
    // Then the entry event, in a later batch: every attribute moves with it.
    await produceEvents(env, [entry!]);
    await caughtUp(env, schema, source);
    const expected = {
      session_id: 'v',
      first_seen: T0,
      last_seen: T0 + 31_000,
      duration_ms: 31_000,
      event_count: 4,
      page_views: 2,
      engagement_events: 1,
      bounced: false,
      is_bot: false,
      entry_url: `${SITE}/landing?ref=1`,
      exit_url: `${SITE}/features`,
      entry_path: '/landing',
      exit_path: '/features',
      entry_referrer: 'https://news.ycombinator.com/item?id=1',
      source: 'Hacker News',
      utm_source: null,
      utm_medium: null,
      utm_campaign: 'launch',
      utm_term: null,
      utm_content: null,
      browser: 'Firefox',
      browser_version: '126',
      os: 'Windows',
      os_version: '11',
      device_type: 'desktop',
      country: 'NL',
    };
    expect(await visits(inOrder)).toEqual([expected]);
    expect(await visits(outOfOrder)).toEqual([expected]);
  });

  it('gives the same visits after a rebuild from offset 0', async () => {
    const { rows: before } = await env.pool.query(
      `select project_id::text, entry_event_id::text, exit_event_id::text, ${VISIT}, ${KEYS}
         from ${ident(schema)}.sessions order by project_id, session_id`,
    );
    expect(before.length).toBe(7);
    // Vandalise the live visits: the rebuild must derive every column from the log again.
    await env.pool.query(
      `update ${ident(schema)}.sessions set source = 'vandalised', utm_campaign = null, country = 'ZZ',
         entry_path = null, engagement_events = engagement_events + 5, visitor_keys = '{}'`,
    );
    await rebuild({
      config: env.config,
      topology: env.topology,
      projection: 'analytics',
      pool: env.pool,
      kafka: env.kafka,
      producer: env.producer,
      codec: env.codec,
      metrics: createMetrics(),
      logger: env.logger,
      pollMs: 100,
      timeoutMs: 60_000,
    });
    await caughtUp(env, schema, source);
    const { rows: after } = await env.pool.query(
      `select project_id::text, entry_event_id::text, exit_event_id::text, ${VISIT}, ${KEYS}
         from ${ident(schema)}.sessions order by project_id, session_id`,
    );
    expect(after).toEqual(before);
    expect(after.map((r) => r.visitor_keys)).toContainEqual(['anon-a-bounce']);
  });

  it('keeps each visit’s visitor keys as a set, whatever batches and replays bring them', async () => {
    const p = randomUUID();
    const v = event(p, 'signed-in-later');
    const quiet = event(p, 'keyless');
    const first = [v(0, '/'), v(10, '/pricing')];
    const signIn = v(20, '/account', { user_id: 'user-1' });
    await produceEvents(env, [...first, quiet(0, '/', { anonymous_id: null })]);
    await caughtUp(env, schema, source);
    // A later batch: the user id appears, beside the anonymous id already kept; then a replay of
    // the first batch and another event of a key already there add nothing.
    await produceEvents(env, [signIn]);
    await caughtUp(env, schema, source);
    await produceEvents(env, [...first, v(30, '/account', { user_id: 'user-1' }), v(40, '/docs')]);
    await caughtUp(env, schema, source);
    const { rows } = await env.pool.query(
      `select session_id, event_count::float8 as event_count, ${KEYS}
         from ${ident(schema)}.sessions where project_id = $1 order by session_id`,
      [p],
    );
    expect(rows).toEqual([
      { session_id: 'keyless', event_count: 1, visitor_keys: [] },
      { session_id: 'signed-in-later', event_count: 5, visitor_keys: ['anon-signed-in-later', 'user-1'] },
    ]);
  });
});
