/**
 * analytics 006 (file 009) against the stack's PostgreSQL, in a schema of this file's own
 * (`rm9_<id>_…`), migrated from the DDL of the releases before the version table with events in
 * place: every event projected before the column existed gets the page `pagePath` gives its URL
 * (each of the rule's cases, hash routes included), and an event without a URL none.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident } from '../catalog';
import { pagePath } from '../pages';
import { PAGE_CASES } from '../pages.fixtures';
import { oldAnalyticsSchema, type OldSchema } from './test-support';

const id = randomBytes(4).toString('hex');
const schema = `rm9_${id}_analytics`;
const s = ident(schema);
const project = '9e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b';
const urls: (string | null)[] = [...PAGE_CASES.map(([url]) => url), null];
let owner: pg.Pool;
let old: OldSchema;

beforeAll(async () => {
  old = await oldAnalyticsSchema(schema);
  owner = old.owner;
  await owner.query(
    `insert into ${s}.events (project_id, event_id, event_name, ts, received_at, url, context)
     select $1, gen_random_uuid(), 'page_view', now(), now(), u, '{}' from unnest($2::text[]) as u`,
    [project, urls],
  );
  await old.migrate();
});

afterAll(async () => {
  await old?.drop();
});

describe('events.page for the events already projected', () => {
  it('is pagePath of each URL, as the projection writes it from now on; null without a URL', async () => {
    const { rows } = await owner.query<{ url: string | null; page: string | null }>(
      `select url, page from ${s}.events`,
    );
    expect(rows).toHaveLength(urls.length);
    for (const row of rows) expect(row.page).toBe(row.url === null ? null : pagePath(row.url));
    // The cases' own answers too, so that the rule itself cannot drift unnoticed.
    const byUrl = new Map(rows.map((r) => [r.url, r.page]));
    for (const [url, page] of PAGE_CASES) expect(byUrl.get(url)).toBe(page);
  });
});
