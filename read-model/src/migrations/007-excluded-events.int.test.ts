/**
 * analytics 004 (file 007) against the stack's PostgreSQL, in a schema of this file's own
 * (`rm7_<id>_…`), migrated from the DDL of the releases before the version table, with events in
 * place:
 * `excluded_events_day` exists and the reader role reads it; the page views index keeps its name
 * and now has the reports' whole condition (`humanEvents`) as its predicate, so a report that
 * writes it is served from the index alone (EXPLAIN), and a query that leaves out the excluded
 * condition is not (the predicate really is the new one).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanEvents, ident } from '../catalog';
import { oldAnalyticsSchema, type OldSchema } from './test-support';

const id = randomBytes(4).toString('hex');
const schema = `rm7_${id}_analytics`;
const s = ident(schema);
const project = '7e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b';
let owner: pg.Pool;
let old: OldSchema;
let readerUrl: string;

beforeAll(async () => {
  old = await oldAnalyticsSchema(schema);
  owner = old.owner;
  readerUrl = old.readerUrl;
  // A schema as the releases before the version table made it, holding a human, a bot and an
  // excluded page view; migrating it runs 002 (the index) and then 004 on those rows.
  await owner.query(
    `insert into ${s}.events (project_id, event_id, event_name, ts, received_at, context)
     values ($1, gen_random_uuid(), 'page_view', '2025-03-10T12:00:00Z', '2025-03-10T12:00:00Z', '{}'),
            ($1, gen_random_uuid(), 'page_view', '2025-03-10T12:00:01Z', '2025-03-10T12:00:01Z', '{"bot": "Googlebot"}'),
            ($1, gen_random_uuid(), 'page_view', '2025-03-10T12:00:02Z', '2025-03-10T12:00:02Z', '{"excluded": "address"}')`,
    [project],
  );
  await old.migrate();
});

afterAll(async () => {
  await old?.drop();
});

/** EXPLAIN of `sql` with sequential scans off (a small table is read whole whatever its indexes). */
async function plan(sql: string, bindings: unknown[]): Promise<string> {
  const client = await owner.connect();
  try {
    await client.query('begin');
    await client.query('set local enable_seqscan = off');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain ${sql}`, bindings);
    await client.query('rollback');
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    client.release();
  }
}

const sourcesOf = (condition: string) =>
  `select utm_source, count(*) from ${s}.events e
    where e.project_id = $1 and e.event_name = 'page_view' and ${condition}
      and e.ts >= $2 and e.ts < $3
    group by utm_source`;
const RANGE = [project, '2025-03-01T00:00:00Z', '2025-04-01T00:00:00Z'];

describe('analytics 004: excluded traffic', () => {
  it('creates excluded_events_day, one count per project and UTC day, readable by the reader role', async () => {
    await owner.query(
      `insert into ${s}.excluded_events_day (project_id, day, count) values ($1, '2025-03-10', 3)`,
      [project],
    );
    await expect(
      owner.query(
        `insert into ${s}.excluded_events_day (project_id, day, count) values ($1, '2025-03-10', 1)`,
        [project],
      ),
    ).rejects.toThrow(/duplicate key/);
    const reader = new pg.Client({ connectionString: readerUrl });
    await reader.connect();
    try {
      const { rows } = await reader.query(`select day::text, count from ${s}.excluded_events_day`);
      expect(rows).toEqual([{ day: '2025-03-10', count: '3' }]);
    } finally {
      await reader.end();
    }
  });

  it("gives events_page_views the reports' whole condition as its predicate, under the same name", async () => {
    const { rows } = await owner.query<{ indexname: string; indexdef: string }>(
      `select indexname, indexdef from pg_indexes where schemaname = $1 and indexname like 'events_page_views%'`,
      [schema],
    );
    expect(rows.map((r) => r.indexname)).toEqual(['events_page_views']);
    expect(rows[0]!.indexdef).toContain("((context ->> 'bot'::text) IS NULL)");
    expect(rows[0]!.indexdef).toContain("((context ->> 'excluded'::text) IS NULL)");
    expect(rows[0]!.indexdef).toContain('INCLUDE (utm_source)');
  });

  it('serves a report that writes humanEvents from the index alone, and holds only the counted page views', async () => {
    expect(await plan(sourcesOf(humanEvents('e')), RANGE)).toContain(
      'Index Only Scan using events_page_views',
    );
    // Without the excluded condition the query no longer implies the predicate: the index cannot serve it.
    expect(await plan(sourcesOf(`(e.context ->> 'bot') is null`), RANGE)).not.toContain('events_page_views');
    const { rows } = await owner.query(sourcesOf(humanEvents('e')), RANGE);
    expect(rows).toEqual([{ utm_source: null, count: '1' }]);
  });
});
