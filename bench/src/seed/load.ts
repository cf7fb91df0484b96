/**
 * Loads the reports' data set (./traffic.ts) into a database of its own: the read models migrated
 * with the real migrations (as the projections do), one project with a read key, then the events
 * and visits by COPY, as a bulk load does it — the two tables' indexes and primary keys are dropped
 * first and built again, from their own definitions, once the rows are in; then VACUUM ANALYZE (what
 * autovacuum does to an insert-only table: statistics, and the visibility map that index-only
 * scans need).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { generateApiKey, hashApiKey } from '@eventlens/contracts';
import { migrate } from '@eventlens/projections';
import { READ_MODEL_KINDS } from '@eventlens/read-model';
import { copyWriter } from './copy';
import { EVENT_COLUMNS, VISIT_COLUMNS } from './columns';
import { traffic, type TrafficOptions } from './traffic';

export interface SeedOptions {
  /** An owner connection to an empty database. */
  databaseUrl: string;
  /** The query side's role, granted read access (its user name in the reader URL). */
  readerRole: string;
  events: number;
  /** Days of traffic, ending at `to` (default: now). */
  days: number;
  to?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface Seeded {
  projectId: string;
  readKey: string;
  events: number;
  visits: number;
  visitors: number;
  from: string;
  to: string;
  /** Milliseconds: COPY of the rows; building the indexes; VACUUM ANALYZE; in all. */
  copyMs: number;
  indexMs: number;
  vacuumMs: number;
  totalMs: number;
  /** Bytes: the database, and each table with its indexes. */
  databaseBytes: number;
  eventsBytes: number;
  sessionsBytes: number;
}

const TABLES = ['analytics.events', 'analytics.sessions'];

/**
 * The aggregate read models the overview reads (GET /v1/stats/overview, top-events, top-pages:
 * query-side read-models/stats.ts and overview.ts), derived from the project's events by SQL as the
 * analytics projection derives them (projections/src/analytics/aggregate.ts): bot and excluded
 * traffic counted apart per UTC day and left out of the rest; volume per UTC minute and name; page
 * views per UTC hour and path (the events' `page`); distinct visitor keys (user_id, else anonymous_id) per UTC day; names
 * with their count and latest ts. Run once, after the events are in; each table's rows are inserted in
 * time order, as the projection appends them batch after batch (a hash aggregate's order would
 * scatter an hour's rows over the heap, and a day's counters would read thousands of pages).
 */
export const AGGREGATES_SQL = [
  `insert into analytics.volume_minute (project_id, minute, event_name, count)
   select project_id, date_trunc('minute', ts at time zone 'UTC') at time zone 'UTC', event_name, count(*)
     from analytics.events where project_id = $1 and (context ->> 'bot') is null and (context ->> 'excluded') is null
    group by 1, 2, 3 order by 2, 3`,
  `insert into analytics.page_views_hour (project_id, hour, path, views)
   select project_id, date_trunc('hour', ts at time zone 'UTC') at time zone 'UTC',
          page,
          count(*)
     from analytics.events where project_id = $1 and (context ->> 'bot') is null and (context ->> 'excluded') is null
      and event_name = 'page_view' and url is not null
    group by 1, 2, 3 order by 2, 3`,
  `insert into analytics.daily_users (project_id, day, user_key)
   select distinct project_id, (ts at time zone 'UTC')::date, coalesce(user_id, anonymous_id)
     from analytics.events where project_id = $1 and (context ->> 'bot') is null and (context ->> 'excluded') is null
      and coalesce(user_id, anonymous_id) is not null
    order by 2, 3`,
  `insert into analytics.event_names (project_id, event_name, count, last_seen)
   select project_id, event_name, count(*), max(ts)
     from analytics.events where project_id = $1 and (context ->> 'bot') is null and (context ->> 'excluded') is null
    group by 1, 2`,
  `insert into analytics.bot_events_day (project_id, day, count)
   select project_id, (ts at time zone 'UTC')::date, count(*)
     from analytics.events where project_id = $1 and (context ->> 'bot') is not null
    group by 1, 2 order by 2`,
];

/** Fills the overview's aggregates (AGGREGATES_SQL) for `projectId`, unless they hold its rows already. */
export async function fillAggregates(
  owner: pg.Pool,
  projectId: string,
  log: (line: string) => void = () => undefined,
): Promise<void> {
  const { rows } = await owner.query('select 1 from analytics.volume_minute where project_id = $1 limit 1', [
    projectId,
  ]);
  if (rows.length > 0) return;
  const client = await owner.connect();
  try {
    await client.query("set work_mem = '256MB'");
    for (const sql of AGGREGATES_SQL) {
      log(`aggregating: ${sql.replace(/\s+/g, ' ').slice(0, 60)}`);
      await client.query(sql, [projectId]);
    }
    await client.query(
      'vacuum (analyze) analytics.volume_minute, analytics.page_views_hour, analytics.daily_users, analytics.event_names, analytics.bot_events_day',
    );
  } finally {
    client.release();
  }
}

/** The table's indexes and primary key as DDL to build them again, after dropping them. */
async function dropIndexes(client: pg.Pool, table: string): Promise<string[]> {
  const { rows: keys } = await client.query<{ name: string; def: string }>(
    `select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
      where conrelid = $1::regclass and contype = 'p'`,
    [table],
  );
  const { rows: indexes } = await client.query<{ name: string; def: string }>(
    `select i.relname as name, pg_get_indexdef(x.indexrelid) as def
       from pg_index x join pg_class i on i.oid = x.indexrelid
      where x.indrelid = $1::regclass and not x.indisprimary`,
    [table],
  );
  const schema = table.split('.')[0]!;
  for (const k of keys) await client.query(`alter table ${table} drop constraint "${k.name}"`);
  for (const i of indexes) await client.query(`drop index ${schema}."${i.name}"`);
  return [
    ...keys.map((k) => `alter table ${table} add constraint "${k.name}" ${k.def}`),
    ...indexes.map((i) => i.def),
  ];
}

/** Appends `options`' traffic to the tables through two COPY streams; resolves with the counts. */
export async function copyTraffic(
  owner: pg.Pool,
  options: TrafficOptions,
  onDay?: (day: string, events: number) => void,
): Promise<{ events: number; visits: number }> {
  const [ec, vc] = [await owner.connect(), await owner.connect()];
  try {
    const events = copyWriter(ec, 'analytics.events', EVENT_COLUMNS);
    const visits = copyWriter(vc, 'analytics.sessions', VISIT_COLUMNS);
    let n = 0;
    for (const day of traffic(options)) {
      await Promise.all([events.write(day.events), visits.write(day.visits)]);
      n += day.events.length;
      onDay?.(day.day, n);
    }
    return { events: await events.end(), visits: await visits.end() };
  } finally {
    ec.release();
    vc.release();
  }
}

export async function seedReports(options: SeedOptions): Promise<Seeded> {
  const log = options.log ?? (() => undefined);
  const owner = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });
  const started = performance.now();
  try {
    for (const kind of READ_MODEL_KINDS)
      await migrate(owner, { kind, schema: kind, readerRole: options.readerRole });
    const projectId = randomUUID();
    const readKey = generateApiKey('read');
    await owner.query(
      "insert into admin.projects (project_id, name, created_at, created_by) values ($1, 'reports bench', now(), 'bench')",
      [projectId],
    );
    await owner.query(
      `insert into admin.api_keys (key_id, project_id, kind, name, key_hash, key_prefix, issued_at)
       values ($1, $2, 'read', 'bench', $3, $4, now())`,
      [randomUUID(), projectId, hashApiKey(readKey), readKey.slice(0, 10)],
    );

    const rebuild: string[] = [];
    for (const table of TABLES) rebuild.push(...(await dropIndexes(owner, table)));
    const to = options.to ?? Date.now();
    const from = to - options.days * 86_400_000;
    const copyStart = performance.now();
    let nextLog = 0;
    const counts = await copyTraffic(
      owner,
      {
        projectId,
        events: options.events,
        from,
        to,
        ...(options.seed === undefined ? {} : { seed: options.seed }),
      },
      (day, n) => {
        if (n >= nextLog) {
          log(`${n.toLocaleString('en-US')} events (${day})`);
          nextLog = n + 1_000_000;
        }
      },
    );
    const copyMs = performance.now() - copyStart;

    const indexStart = performance.now();
    const client = await owner.connect();
    try {
      await client.query("set maintenance_work_mem = '1GB'");
      for (const ddl of rebuild) {
        log(`building: ${ddl.replace(/\s+/g, ' ').slice(0, 120)}`);
        await client.query(ddl);
      }
      const indexMs = performance.now() - indexStart;
      await fillAggregates(owner, projectId, log);
      const vacuumStart = performance.now();
      log('vacuum analyze');
      await client.query(
        'vacuum (analyze) analytics.events, analytics.sessions, admin.projects, admin.api_keys',
      );
      const vacuumMs = performance.now() - vacuumStart;
      const { rows } = await client.query<{ db: string; ev: string; se: string; visitors: string }>(
        `select pg_database_size(current_database()) as db,
                pg_total_relation_size('analytics.events') as ev,
                pg_total_relation_size('analytics.sessions') as se,
                (select count(distinct coalesce(user_id, anonymous_id)) from analytics.sessions) as visitors`,
      );
      return {
        projectId,
        readKey,
        events: counts.events,
        visits: counts.visits,
        visitors: Number(rows[0]!.visitors),
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        copyMs,
        indexMs,
        vacuumMs,
        totalMs: performance.now() - started,
        databaseBytes: Number(rows[0]!.db),
        eventsBytes: Number(rows[0]!.ev),
        sessionsBytes: Number(rows[0]!.se),
      };
    } finally {
      client.release();
    }
  } finally {
    await owner.end();
  }
}
