/**
 * Bulk-loads events for one new project into a database and reports how fast the query side
 * answers over them. Used by the bench; run it against a throwaway database:
 *
 *   node --import tsx query-side/scripts/seed-1m.ts --database-url postgres://postgres@127.0.0.1:5432/qbench \
 *     [--events 1000000] [--days 30] [--reader-url postgres://reader@…/qbench] [--runs 50]
 *
 * `--database-url` is an owner connection (it migrates the read models' schemas, as the projections
 * would, and writes rows). The app is measured in-process over `--reader-url`, or over the owner URL when none is
 * given (its sessions are read-only either way). Rows are generated inside PostgreSQL
 * (generate_series), then the aggregates are derived from them as the projection would.
 * Prints one JSON report on stdout.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generateApiKey, hashApiKey } from '@eventlens/contracts';
import { migrateReadModel, READ_MODEL_KINDS, readerTables } from '@eventlens/read-model';
import knex from 'knex';
import { createApp } from '../src/app';
import { createReaderDb } from '../src/db';
import { eventsQuery } from '../src/read-models/events';

const { values: args } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    'reader-url': { type: 'string' },
    events: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '30' },
    runs: { type: 'string', default: '50' },
    /** Measure a project seeded earlier instead of loading a new one. */
    'project-id': { type: 'string' },
    'read-key': { type: 'string' },
  },
});

const databaseUrl = args['database-url'];
if (!databaseUrl) {
  console.error('seed-1m: --database-url <owner postgres URL> is required');
  process.exit(2);
}
const total = Number(args.events);
const days = Number(args.days);
const runs = Number(args.runs);
const log = (message: string) => console.error(`seed-1m: ${message}`);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const round = (ms: number) => Math.round(ms * 100) / 100;

/** The read models' schemas (no prefix), migrated as the projections do, readable by the reader's role. */
async function migrate(readerRole: string) {
  const db = knex({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
  try {
    for (const kind of READ_MODEL_KINDS) await migrateReadModel(db, { kind, schema: kind, readerRole });
  } finally {
    await db.destroy();
  }
}

async function seed(owner: pg.Pool) {
  await migrate(decodeURIComponent(new URL(args['reader-url'] ?? databaseUrl!).username));

  const projectId = randomUUID();
  const readKey = generateApiKey('read');
  await owner.query(
    "insert into admin.projects (project_id, name, created_at, created_by) values ($1, $2, now(), 'seed-1m')",
    [projectId, `bench ${new Date().toISOString()}`],
  );
  await owner.query(
    `insert into admin.api_keys (key_id, project_id, kind, name, key_hash, key_prefix, issued_at)
     values ($1, $2, 'read', 'seed-1m', $3, $4, now())`,
    [randomUUID(), projectId, hashApiKey(readKey), readKey.slice(0, 10)],
  );

  const batch = 100_000;
  const started = performance.now();
  for (let offset = 0; offset < total; offset += batch) {
    const n = Math.min(batch, total - offset);
    // 20 names (skewed: page_view dominates), ~1 session per 20 events, 60% identified users,
    // 50 paths, times spread evenly over the last `days` days.
    await owner.query(
      `insert into analytics.events (project_id, event_id, event_name, session_id, user_id, anonymous_id, ts,
         received_at, url, page, referrer, metadata, context)
       select $1, gen_random_uuid(),
              case when g % 3 = 0 then 'page_view' else 'event_' || (g % 19) end,
              's' || (g / 20),
              case when g % 5 < 3 then 'user_' || (g % 5000) end,
              'anon_' || (g % 20000),
              ts, ts + interval '150 milliseconds',
              'https://bench.example/p/' || (g % 50) || '?ref=' || (g % 7), '/p/' || (g % 50),
              case when g % 4 = 0 then 'https://search.example/' end,
              jsonb_build_object('i', g, 'plan', case when g % 2 = 0 then 'free' else 'pro' end),
              jsonb_build_object('locale', 'en-US')
       from (select g, now() - ($4::float8 * (g::float8 / $5::float8)) * interval '1 day' as ts
             from generate_series($2::bigint, $3::bigint) as g) s`,
      [projectId, offset, offset + n - 1, days, total],
    );
    log(`${offset + n} events`);
  }
  const loadMs = performance.now() - started;

  // The aggregates, derived from the rows as the analytics projection would.
  await owner.query(
    `insert into analytics.volume_minute (project_id, minute, event_name, count)
     select project_id, date_trunc('minute', ts), event_name, count(*) from analytics.events
     where project_id = $1 group by 1, 2, 3`,
    [projectId],
  );
  await owner.query(
    `insert into analytics.sessions (project_id, session_id, user_id, anonymous_id, first_seen, last_seen,
       event_count, page_views, entry_url, exit_url)
     select project_id, session_id, max(user_id), max(anonymous_id), min(ts), max(ts), count(*),
            count(*) filter (where event_name = 'page_view'),
            (array_agg(url order by ts))[1], (array_agg(url order by ts desc))[1]
     from analytics.events where project_id = $1 group by 1, 2`,
    [projectId],
  );
  await owner.query(
    `insert into analytics.page_views_hour (project_id, hour, path, views)
     select project_id, date_trunc('hour', ts), split_part(substr(url, 23), '?', 1), count(*)
     from analytics.events where project_id = $1 and event_name = 'page_view' group by 1, 2, 3`,
    [projectId],
  );
  await owner.query(
    `insert into analytics.daily_users (project_id, day, user_key)
     select distinct project_id, (ts at time zone 'UTC')::date, coalesce(user_id, anonymous_id)
     from analytics.events where project_id = $1`,
    [projectId],
  );
  await owner.query(
    `insert into analytics.event_names (project_id, event_name, count, last_seen)
     select project_id, event_name, count(*), max(ts) from analytics.events where project_id = $1 group by 1, 2`,
    [projectId],
  );
  await owner.query(
    'analyze analytics.events, analytics.volume_minute, analytics.sessions, analytics.page_views_hour, analytics.daily_users, analytics.event_names, admin.api_keys, admin.projects',
  );
  return { projectId, readKey, loadMs, totalMs: performance.now() - started };
}

async function measure(readerUrl: string, projectId: string, readKey: string) {
  const db = createReaderDb({ url: readerUrl, poolMax: 4 });
  const app = createApp({ db, sessionSecret: 'seed-1m-not-a-real-secret' });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (path: string) => {
    const t0 = performance.now();
    const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${readKey}` } });
    const body = (await response.json()) as { next_cursor?: string | null; items?: unknown[] };
    const ms = performance.now() - t0;
    if (response.status !== 200)
      throw new Error(`${path} answered ${response.status}: ${JSON.stringify(body)}`);
    return { ms, body };
  };
  const timed = async (path: string) => {
    let cold: number;
    try {
      cold = (await get(path)).ms;
    } catch (error) {
      return { error: (error as Error).message };
    }
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push((await get(path)).ms);
    samples.sort((a, b) => a - b);
    return {
      cold_ms: round(cold),
      median_ms: round(percentile(samples, 0.5)),
      p95_ms: round(percentile(samples, 0.95)),
      max_ms: round(samples.at(-1)!),
    };
  };

  try {
    // Walk 20 pages deep to time a page far from the top (keyset: it should cost the same).
    const now = Date.now();
    let cursor: string | null | undefined;
    for (let i = 0; i < 20; i++)
      cursor = (await get(`/v1/events?limit=50${cursor ? `&cursor=${cursor}` : ''}`)).body.next_cursor;
    const results = {
      events_first_page: await timed('/v1/events?limit=50'),
      events_page_21: await timed(`/v1/events?limit=50&cursor=${cursor}`),
      events_by_name: await timed('/v1/events?limit=50&event_name=event_7'),
      events_by_user: await timed('/v1/events?limit=50&user_id=user_42'),
      events_by_session: await timed('/v1/events?limit=50&session_id=s1234'),
      events_last_hour: await timed(`/v1/events?limit=50&from=${now - 3600_000}&to=${now}`),
      stats_overview_24h: await timed('/v1/stats/overview'),
      stats_volume_24h_hour: await timed('/v1/stats/volume?interval=hour&breakdown=event_name'),
      stats_volume_7d_minute: await timed(
        `/v1/stats/volume?interval=minute&from=${now - 7 * 86_400_000}&to=${now}`,
      ),
      top_events_24h: await timed('/v1/stats/top-events'),
      top_pages_24h: await timed('/v1/stats/top-pages'),
      sessions_first_page: await timed('/v1/sessions?limit=50'),
    };
    const query = eventsQuery(db, readerTables(), { projectId, limit: 50 }).toSQL();
    const plan = await db.raw(
      `explain (analyze, buffers, format text) ${query.sql}`,
      query.bindings as never[],
    );
    const planText = (plan.rows as Array<{ 'QUERY PLAN': string }>).map((r) => r['QUERY PLAN']);
    return { results, firstPagePlan: planText };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db.destroy();
  }
}

const owner = new pg.Pool({ connectionString: databaseUrl, max: 2 });
try {
  let seeded: { projectId: string; readKey: string; loadMs?: number; totalMs?: number };
  if (args['project-id'] && args['read-key']) {
    seeded = { projectId: args['project-id'], readKey: args['read-key'] };
    log('measuring an existing project');
  } else {
    log(`loading ${total} events over ${days} days`);
    seeded = await seed(owner);
    log(`loaded in ${Math.round(seeded.totalMs!)} ms; measuring`);
  }
  const measured = await measure(args['reader-url'] ?? databaseUrl, seeded.projectId, seeded.readKey);
  const report = {
    events: Number(
      (await owner.query('select count(*) from analytics.events where project_id = $1', [seeded.projectId]))
        .rows[0].count,
    ),
    project_id: seeded.projectId,
    read_key: seeded.readKey,
    load_ms: seeded.loadMs === undefined ? null : Math.round(seeded.loadMs),
    load_and_aggregate_ms: seeded.totalMs === undefined ? null : Math.round(seeded.totalMs),
    runs_per_route: runs,
    latency_over_http: measured.results,
    first_page_uses_index: measured.firstPagePlan.some((line) => /Index Scan.*events_keyset/.test(line)),
    first_page_plan: measured.firstPagePlan,
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await owner.end();
}
