/**
 * The migrations against the stack's PostgreSQL, in schemas of this file's own (`rm_<id>_…`):
 * - a fresh schema gets every migration, recorded in its own version table, readable by the
 *   reader role; a second run applies nothing;
 * - a schema made by the DDL of the releases before the version table, holding data, is adopted:
 *   001 is recorded, later ones applied, no row lost or changed — also one made before columns were
 *   added to that DDL;
 * - concurrent runs on one schema apply each migration once;
 * - the version table travels with a renamed schema (a rebuild's swap);
 * - a migration that fails leaves nothing behind;
 * - the page views index (002, its predicate widened by analytics 004) serves the report query it
 *   was made for, and accepts the longest utm_source the API accepts;
 * - admin 003 gives the settings rows of an older schema empty goals and ranges.
 */
import { randomBytes } from 'node:crypto';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import { stackForTests } from '@eventlens/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  humanEvents,
  ident,
  MIGRATIONS_TABLE,
  READ_MODEL_KINDS,
  TABLES,
  type ReadModelKind,
} from './catalog';
import { grantRead, migrateReadModel } from './migrate';
import { MIGRATIONS } from './migrations';
import { adminDdl, analyticsDdl, opsDdl } from './migrations/001-initial';

const id = randomBytes(4).toString('hex');
const prefix = `rm_${id}_`;
let owner: pg.Pool;
let db: Knex;
let readerUrl: string;
let readerRole: string;

/** What the releases before the version table ran on start-up (projections/src/schema/migrate.ts then). */
const OLD_DDL: Record<ReadModelKind, (schema: string) => string> = {
  analytics: analyticsDdl,
  admin: adminDdl,
  ops: opsDdl,
};
const ALL = (kind: ReadModelKind) => MIGRATIONS[kind].map((m) => m.name);

beforeAll(async () => {
  const dev = await stackForTests();
  owner = new pg.Pool({ connectionString: dev.databaseUrl, max: 4 });
  db = knex({ client: 'pg', connection: dev.databaseUrl, pool: { min: 0, max: 4 } });
  readerUrl = dev.readerDatabaseUrl;
  readerRole = decodeURIComponent(new URL(readerUrl).username);
});

afterAll(async () => {
  const { rows } = await owner.query<{ nspname: string }>(
    'select nspname from pg_namespace where nspname like $1',
    [`${prefix.replaceAll('_', '\\_')}%`],
  );
  for (const { nspname } of rows) await owner.query(`drop schema ${ident(nspname)} cascade`);
  await db.destroy();
  await owner.end();
});

async function recorded(schema: string): Promise<string[]> {
  const { rows } = await owner.query<{ name: string }>(
    `select name from ${ident(schema)}.${MIGRATIONS_TABLE} order by id`,
  );
  return rows.map((r) => r.name);
}

async function tablesOf(schema: string): Promise<string[]> {
  const { rows } = await owner.query<{ tablename: string }>(
    'select tablename from pg_tables where schemaname = $1 order by tablename',
    [schema],
  );
  return rows.map((r) => r.tablename);
}

/** Every row of every table of a schema but the version tables, as JSON, for before/after comparisons. */
async function contents(schema: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of await tablesOf(schema)) {
    if (table.startsWith(MIGRATIONS_TABLE)) continue;
    const { rows } = await owner.query(
      `select to_jsonb(t) as row from ${ident(schema)}.${ident(table)} t order by to_jsonb(t)::text`,
    );
    out[table] = rows.map((r: { row: unknown }) => r.row);
  }
  return out;
}

/**
 * `after` with only the columns each table had in `before`, rows in one order: a later migration may
 * add columns (with their defaults, analytics 003), and every value that was there must still be there.
 */
function columnsOf(
  after: Record<string, unknown[]>,
  before: Record<string, unknown[]>,
): Record<string, unknown[]> {
  return Object.fromEntries(
    Object.entries(after).map(([table, rows]) => {
      const first = before[table]?.[0] as Record<string, unknown> | undefined;
      if (!first) return [table, rows];
      const keep = Object.keys(first);
      const picked = rows.map((r) =>
        Object.fromEntries(keep.map((k) => [k, (r as Record<string, unknown>)[k]])),
      );
      return [table, picked.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))];
    }),
  );
}

describe.each(READ_MODEL_KINDS)('a fresh %s schema', (kind) => {
  const schema = `${prefix}fresh_${kind}`;

  it('gets every migration, recorded in its own version table, and every table of the catalog', async () => {
    expect(await migrateReadModel(db, { kind, schema, readerRole })).toEqual({ applied: ALL(kind) });
    expect(await recorded(schema)).toEqual(ALL(kind));
    const tables = await tablesOf(schema);
    for (const table of Object.values(TABLES[kind])) expect(tables).toContain(table);
    expect(tables).toEqual(
      expect.arrayContaining([MIGRATIONS_TABLE, `${MIGRATIONS_TABLE}_lock`, ...Object.values(TABLES[kind])]),
    );
  });

  it('is readable by the reader role, and not writable', async () => {
    const reader = new pg.Client({ connectionString: readerUrl });
    await reader.connect();
    try {
      for (const table of Object.values(TABLES[kind]))
        await reader.query(`select * from ${ident(schema)}.${ident(table)} limit 1`);
      await expect(
        reader.query(`delete from ${ident(schema)}.${ident(TABLES[kind].checkpoints)}`),
      ).rejects.toMatchObject({ code: '42501' });
    } finally {
      await reader.end();
    }
  });

  it('applies nothing the second time', async () => {
    expect(await migrateReadModel(db, { kind, schema, readerRole })).toEqual({ applied: [] });
    expect(await recorded(schema)).toEqual(ALL(kind));
  });
});

describe('a schema made before the version table', () => {
  it.each(READ_MODEL_KINDS)('%s: is adopted with its data unchanged', async (kind) => {
    const schema = `${prefix}old_${kind}`;
    // As the releases before ran it: the idempotent DDL and the grants, no version table.
    await owner.query(OLD_DDL[kind](schema));
    await grantRead(owner, schema, readerRole);
    await fill(kind, schema);
    const before = await contents(schema);
    expect(Object.values(before).some((rows) => rows.length > 0)).toBe(true);

    expect(await migrateReadModel(db, { kind, schema, readerRole })).toEqual({ applied: ALL(kind) });
    expect(await recorded(schema)).toEqual(ALL(kind));
    const after = await contents(schema);
    const kept = Object.fromEntries(Object.entries(after).filter(([table]) => table in before));
    expect(columnsOf(kept, before)).toEqual(columnsOf(before, before));
    // Tables of later migrations (admin 002's project_settings) start empty.
    expect(Object.entries(after).filter(([table, rows]) => !(table in before) && rows.length > 0)).toEqual(
      [],
    );
    expect(await migrateReadModel(db, { kind, schema, readerRole })).toEqual({ applied: [] });
  });

  it('gains what was added to the DDL since it was made, keeping its rows', async () => {
    // sessions before entry/exit event ids and the duration, dlq_records before generations.
    const analytics = `${prefix}older_analytics`;
    await owner.query(`create schema ${analytics};
      create table ${analytics}.sessions (
        project_id uuid not null, session_id text not null, user_id text, anonymous_id text,
        first_seen timestamptz not null, last_seen timestamptz not null, event_count bigint not null,
        page_views bigint not null default 0, entry_url text, exit_url text,
        primary key (project_id, session_id));
      insert into ${analytics}.sessions (project_id, session_id, first_seen, last_seen, event_count, entry_url)
        values ('8a1f6f5e-8a55-4e4b-9a4c-0d6f2a6c1b01', 's1', '2024-05-01T10:00:00Z', '2024-05-01T10:02:30Z', 3, '/a');`);
    const ops = `${prefix}older_ops`;
    await owner.query(`create schema ${ops};
      create table ${ops}.dlq_records (
        projection text not null, dlq_partition integer not null, dlq_offset bigint not null, project_id uuid,
        original_topic text not null, original_partition integer not null, original_offset bigint not null,
        error_code text not null, error_message text not null, attempts integer not null,
        failed_at timestamptz not null, key text, value_base64 text, replayed_at timestamptz,
        primary key (projection, dlq_partition, dlq_offset));
      insert into ${ops}.dlq_records values
        ('analytics', 0, 7, null, 'eventlens.events', 2, 41, 'DECODE', 'bad magic byte', 4, now(), null, 'AA==', null);`);

    await migrateReadModel(db, { kind: 'analytics', schema: analytics, readerRole });
    await migrateReadModel(db, { kind: 'ops', schema: ops, readerRole });

    const session = await owner.query(
      `select session_id, entry_url, entry_event_id, duration_ms from ${analytics}.sessions`,
    );
    expect(session.rows).toEqual([
      { session_id: 's1', entry_url: '/a', entry_event_id: null, duration_ms: '150000' },
    ]);
    const dlq = await owner.query(`select dlq_offset, error_code, generation from ${ops}.dlq_records`);
    expect(dlq.rows).toEqual([{ dlq_offset: '7', error_code: 'DECODE', generation: 0 }]);
    expect(await recorded(analytics)).toEqual(ALL('analytics'));
  });
});

describe('concurrent runs on one schema', () => {
  it('apply each migration once, and all succeed', async () => {
    const schema = `${prefix}race_analytics`;
    const results = await Promise.all(
      Array.from({ length: 4 }, () => migrateReadModel(db, { kind: 'analytics', schema, readerRole })),
    );
    expect(results.map((r) => r.applied).sort((a, b) => b.length - a.length)).toEqual([
      ALL('analytics'),
      [],
      [],
      [],
    ]);
    expect(await recorded(schema)).toEqual(ALL('analytics'));
  });
});

describe('a rebuild', () => {
  it('renames a migrated schema into place, and its version table goes with it', async () => {
    const live = `${prefix}swap_admin`;
    await migrateReadModel(db, { kind: 'admin', schema: live, readerRole });
    await migrateReadModel(db, { kind: 'admin', schema: `${live}_rebuild`, readerRole });
    await owner.query(
      `insert into ${live}_rebuild.projects values (gen_random_uuid(), 'rebuilt', now(), null)`,
    );
    await owner.query(`alter schema ${live} rename to ${live}_old`);
    await owner.query(`alter schema ${live}_rebuild rename to ${live}`);

    expect(await recorded(live)).toEqual(ALL('admin'));
    expect(await migrateReadModel(db, { kind: 'admin', schema: live, readerRole })).toEqual({ applied: [] });
    const { rows } = await owner.query(`select name from ${live}.projects`);
    expect(rows).toEqual([{ name: 'rebuilt' }]);
  });
});

describe('a migration that fails', () => {
  it('leaves nothing of the run behind, and the error says what failed', async () => {
    const schema = `${prefix}failing_analytics`;
    await owner.query(analyticsDdl(schema));
    // Takes the name migration 002 creates its index under.
    await owner.query(`create table ${schema}.events_page_views (x int)`);
    await expect(migrateReadModel(db, { kind: 'analytics', schema, readerRole })).rejects.toThrow(
      /events_page_views/,
    );
    expect(await tablesOf(schema)).not.toContain(MIGRATIONS_TABLE);
  });
});

describe('admin 002: project settings', () => {
  it('gives a project the defaults (UTC, no domains) and finds a project by a domain it declares', async () => {
    const schema = `${prefix}settings_admin`;
    await migrateReadModel(db, { kind: 'admin', schema, readerRole });
    const project = '8a1f6f5e-8a55-4e4b-9a4c-0d6f2a6c1b02';
    await owner.query(
      `insert into ${ident(schema)}.project_settings (project_id, updated_at) values ($1, now())`,
      [project],
    );
    const { rows } = await owner.query(`select time_zone, domains from ${ident(schema)}.project_settings`);
    expect(rows).toEqual([{ time_zone: 'UTC', domains: [] }]);
    await owner.query(`update ${ident(schema)}.project_settings set domains = '{a.example,b.example}'`);
    const found = await owner.query(
      `select project_id from ${ident(schema)}.project_settings where domains @> array[$1]::text[]`,
      ['b.example'],
    );
    expect(found.rows).toEqual([{ project_id: project }]);
  });
});

describe('admin 003: goals and excluded address ranges', () => {
  it('gives a schema at admin 002 the two lists, empty for the rows it holds, and keeps them in order', async () => {
    const schema = `${prefix}goals_admin`;
    const s = ident(schema);
    await migrateReadModel(db, { kind: 'admin', schema, readerRole });
    // As a release before 003 left it: the columns absent, 003 not recorded, a settings row.
    await owner.query(
      `alter table ${s}.project_settings drop column goals, drop column excluded_address_ranges;
       delete from ${s}.${MIGRATIONS_TABLE} where name = '003_goals'`,
    );
    const project = '8a1f6f5e-8a55-4e4b-9a4c-0d6f2a6c1b03';
    await owner.query(
      `insert into ${s}.project_settings (project_id, time_zone, domains, updated_at)
       values ($1, 'Asia/Kolkata', '{a.example}', '2025-01-01T00:00:00Z')`,
      [project],
    );

    expect(await migrateReadModel(db, { kind: 'admin', schema, readerRole })).toEqual({
      applied: ['003_goals'],
    });
    const before = await owner.query(
      `select time_zone, domains, goals, excluded_address_ranges from ${s}.project_settings`,
    );
    expect(before.rows).toEqual([
      { time_zone: 'Asia/Kolkata', domains: ['a.example'], goals: [], excluded_address_ranges: [] },
    ]);

    const goals = [
      { name: 'Signup', event_name: 'signup' },
      { name: 'Blog', page_path: '/blog/**' },
    ];
    await owner.query(
      `update ${s}.project_settings set goals = $2::jsonb, excluded_address_ranges = $3 where project_id = $1`,
      [project, JSON.stringify(goals), ['203.0.113.0/24', '2001:db8::/32']],
    );
    const reader = new pg.Client({ connectionString: readerUrl });
    await reader.connect();
    try {
      const { rows } = await reader.query(
        `select goals, excluded_address_ranges from ${s}.project_settings where project_id = $1`,
        [project],
      );
      expect(rows).toEqual([{ goals, excluded_address_ranges: ['203.0.113.0/24', '2001:db8::/32'] }]);
    } finally {
      await reader.end();
    }
  });
});

describe('analytics 002: the page views index', () => {
  const schema = `${prefix}report_analytics`;
  const project = '2d8c7f0a-3b8e-4a8e-9d0c-5f1b6c7d8e90';

  beforeAll(async () => {
    await migrateReadModel(db, { kind: 'analytics', schema, readerRole });
  });

  it('serves the time range of human page views by source, from the index alone', async () => {
    const client = await owner.connect();
    try {
      await client.query('begin');
      // An empty table would be read whole whatever its indexes: ask what the planner can do.
      await client.query('set local enable_seqscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `explain select utm_source, count(*) from ${schema}.events e
          where project_id = $1 and event_name = 'page_view' and ${humanEvents('e')}
            and ts >= $2 and ts < $3
          group by utm_source`,
        [project, '2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z'],
      );
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toContain('Index Only Scan using events_page_views');
      await client.query('rollback');
    } finally {
      client.release();
    }
  });

  it('accepts the longest utm_source the API accepts (500 three-byte characters)', async () => {
    const source = '€'.repeat(500);
    await owner.query(
      `insert into ${schema}.events (project_id, event_id, event_name, ts, received_at, utm_source)
       values ($1, gen_random_uuid(), 'page_view', now(), now(), $2)`,
      [project, source],
    );
    const { rows } = await owner.query(`select utm_source from ${schema}.events where project_id = $1`, [
      project,
    ]);
    expect(rows).toEqual([{ utm_source: source }]);
  });
});

/** A few rows in the tables of a kind, as the projections would write them. */
async function fill(kind: ReadModelKind, schema: string): Promise<void> {
  const s = ident(schema);
  const project = '6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a00';
  await owner.query(
    `insert into ${s}.checkpoints (topic, partition, next_offset) values ('eventlens.${kind}', 0, 42)`,
  );
  if (kind === 'analytics') {
    await owner.query(
      `insert into ${s}.events (project_id, event_id, event_name, session_id, ts, received_at, url, metadata, context,
         utm_source, browser, country)
       values ($1, gen_random_uuid(), 'page_view', 's1', '2025-03-10T12:00:00Z', '2025-03-10T12:00:01Z', 'https://x.test/a',
         '{"k": [1, 2]}', '{"bot": "crawler"}', 'news', 'Firefox', 'DE'),
              ($1, gen_random_uuid(), 'click', 's1', '2025-03-10T12:00:05Z', '2025-03-10T12:00:06Z', null, '{}', '{}',
         null, null, null)`,
      [project],
    );
    await owner.query(
      `insert into ${s}.sessions (project_id, session_id, first_seen, last_seen, event_count, page_views, entry_url,
         exit_url, entry_event_id, exit_event_id)
       values ($1, 's1', '2025-03-10T12:00:00Z', '2025-03-10T12:00:05Z', 2, 1, 'https://x.test/a', null,
         gen_random_uuid(), gen_random_uuid())`,
      [project],
    );
    await owner.query(
      `insert into ${s}.volume_minute values ($1, '2025-03-10T12:00:00Z', 'click', 1);
       insert into ${s}.page_views_hour values ($1, '2025-03-10T12:00:00Z', '/a', 1);
       insert into ${s}.daily_users values ($1, '2025-03-10', 'u1');
       insert into ${s}.bot_events_day values ($1, '2025-03-10', 1);
       insert into ${s}.event_names values ($1, 'click', 1, '2025-03-10T12:00:05Z')`.replaceAll(
        '$1',
        `'${project}'`,
      ),
    );
  } else if (kind === 'admin') {
    await owner.query(
      `insert into ${s}.projects values ($1, 'Old project', '2024-01-01T00:00:00Z', 'fixture');
       insert into ${s}.api_keys values (gen_random_uuid(), $1, 'read', 'reader', 'ab12', 'el_r_ab', now(), null);
       insert into ${s}.users values (gen_random_uuid(), 'old@example.test', null, 'scrypt$x', now());
       insert into ${s}.console_sessions (session_id, user_id, revoked_at) values (gen_random_uuid(), gen_random_uuid(), now())`.replaceAll(
        '$1',
        `'${project}'`,
      ),
    );
  } else {
    await owner.query(
      `insert into ${s}.dlq_records (projection, dlq_partition, dlq_offset, original_topic, original_partition,
         original_offset, error_code, error_message, attempts, failed_at, generation)
       values ('analytics', 0, 3, 'eventlens.events', 1, 9, 'INVALID', 'no', 4, now(), 1);
       insert into ${s}.projection_status values ('analytics', 'eventlens.events', 0, 10, 12, now(), now());
       insert into ${s}.projection_freshness values ('2025-03-10T12:00:00Z', 'analytics', 17, 1.5, 3);
       insert into ${s}.failure_counts values ('analytics', 'dlq', 1);
       insert into ${s}.contract_versions values ('dev.eventlens.EventTracked', 2, 7)`,
    );
  }
}
