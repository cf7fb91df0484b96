/**
 * analytics 003 against the stack's PostgreSQL, in a schema of this file's own (`rm3_<id>_…`):
 * `bounced` follows page views and engagement events, a visit row written before the migration
 * keeps its values and gets the defaults, and the visit reports' time range is an index range.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident } from '../catalog';
import { oldAnalyticsSchema, type OldSchema } from './test-support';

const id = randomBytes(4).toString('hex');
const schema = `rm3_${id}_analytics`;
const project = '3c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f';
let owner: pg.Pool;
let old: OldSchema;

beforeAll(async () => {
  old = await oldAnalyticsSchema(schema);
  owner = old.owner;
  // A schema as the releases before 003 left it, holding a visit.
  await owner.query(
    `insert into ${ident(schema)}.sessions (project_id, session_id, first_seen, last_seen, event_count, page_views,
       entry_url, exit_url)
     values ($1, 'old', '2026-01-01T10:00:00Z', '2026-01-01T10:00:30Z', 2, 1, 'https://a.test/', 'https://a.test/')`,
    [project],
  );
  await old.migrate();
});

afterAll(async () => {
  await old?.drop();
});

describe('analytics 003: visits', () => {
  it('keeps a visit written before it, with the defaults: no engagement, not a bot', async () => {
    const { rows } = await owner.query(
      `select session_id, event_count, page_views, engagement_events, is_bot, bounced, source, entry_path
         from ${ident(schema)}.sessions`,
    );
    expect(rows).toEqual([
      {
        session_id: 'old',
        event_count: '2',
        page_views: '1',
        engagement_events: '0',
        is_bot: false,
        bounced: true,
        source: null,
        entry_path: null,
      },
    ]);
  });

  it('makes bounced one page view and no engagement event', async () => {
    await owner.query(
      `insert into ${ident(schema)}.sessions (project_id, session_id, first_seen, last_seen, event_count, page_views,
         engagement_events)
       select $1, 'v' || pv || '-' || en, now(), now(), pv + en, pv, en
         from generate_series(0, 2) as pv, generate_series(0, 1) as en`,
      [project],
    );
    const { rows } = await owner.query<{ session_id: string; bounced: boolean }>(
      `select session_id, bounced from ${ident(schema)}.sessions where session_id like 'v%' order by session_id`,
    );
    expect(rows.filter((r) => r.bounced).map((r) => r.session_id)).toEqual(['v1-0']);
    expect(rows).toHaveLength(6);
  });

  it('serves the visits that started in a time range from its index', async () => {
    const client = await owner.connect();
    try {
      await client.query('begin');
      // A small table would be read whole whatever its indexes: ask what the planner can do.
      await client.query('set local enable_seqscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `explain select source, count(*), count(*) filter (where bounced) from ${ident(schema)}.sessions
          where project_id = $1 and first_seen >= $2 and first_seen < $3 and not is_bot
          group by source`,
        [project, '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'],
      );
      // sessions_started (this migration), or analytics 005's covering sessions_reports on the same
      // leading columns (project_id, first_seen), which the planner prefers once it exists.
      expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(
        /Index (Only )?Scan using sessions_(started|reports)|Bitmap Index Scan on sessions_(started|reports)/,
      );
      await client.query('rollback');
    } finally {
      client.release();
    }
  });
});
