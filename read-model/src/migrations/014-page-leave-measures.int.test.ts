/**
 * analytics 011 (file 014) against the stack's PostgreSQL, in a schema of this file's own
 * (`rm14_<id>_…`), migrated from the DDL of the releases before the version table with events in
 * place: every event projected before the columns existed gets the measures `pageLeaveMeasures`
 * gives it (each of the rule's cases), and the reports' covering index of the page leaves is there.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident } from '../catalog';
import { pageLeaveMeasures } from '../page-leaves';
import { PAGE_LEAVE_CASES } from '../page-leaves.fixtures';
import { oldAnalyticsSchema, type OldSchema } from './test-support';

const id = randomBytes(4).toString('hex');
const schema = `rm14_${id}_analytics`;
const s = ident(schema);
const project = '5c1d2e3f-4a5b-4c6d-8e7f-1a2b3c4d5e6f';
let owner: pg.Pool;
let old: OldSchema;

beforeAll(async () => {
  old = await oldAnalyticsSchema(schema);
  owner = old.owner;
  await owner.query(
    `insert into ${s}.events (project_id, event_id, event_name, ts, received_at, url, metadata, context)
     select $1, gen_random_uuid(), c.name, now(), now(), 'https://a.dev/', c.metadata::jsonb, '{}'
       from unnest($2::text[], $3::text[]) as c(name, metadata)`,
    [project, PAGE_LEAVE_CASES.map(([name]) => name), PAGE_LEAVE_CASES.map(([, metadata]) => metadata)],
  );
  await old.migrate();
});

afterAll(async () => {
  await old?.drop();
});

describe('the page-leave measures of the events already projected', () => {
  it('are pageLeaveMeasures of each event, as the projection writes them from now on', async () => {
    const { rows } = await owner.query<{
      event_name: string;
      metadata: string;
      leave_duration_ms: number | null;
      leave_scroll_depth: number | null;
    }>(`select event_name, metadata::text, leave_duration_ms, leave_scroll_depth from ${s}.events`);
    expect(rows).toHaveLength(PAGE_LEAVE_CASES.length);
    for (const row of rows) {
      const { durationMs, scrollDepth } = pageLeaveMeasures(
        row.event_name,
        JSON.parse(row.metadata) as Record<string, unknown>,
      );
      expect([row.event_name, row.metadata, row.leave_duration_ms, row.leave_scroll_depth]).toEqual([
        row.event_name,
        row.metadata,
        durationMs,
        scrollDepth,
      ]);
    }
    // The cases' own answers too, so that the rule itself cannot drift unnoticed.
    const measured = rows.map((r) => [r.event_name, r.leave_duration_ms, r.leave_scroll_depth]).sort();
    const expected = PAGE_LEAVE_CASES.map(([name, , duration, depth]) => [name, duration, depth]).sort();
    expect(measured).toEqual(expected);
  });

  it('are in the covering index of the human page leaves', async () => {
    const { rows } = await owner.query<{ indexdef: string }>(
      `select indexdef from pg_indexes where schemaname = $1 and indexname = 'events_page_leaves'`,
      [schema],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.indexdef).toMatch(
      /INCLUDE \(page, session_id, event_id, leave_duration_ms, leave_scroll_depth\)/,
    );
    expect(rows[0]!.indexdef).toMatch(/event_name = 'page_leave'/);
  });
});
