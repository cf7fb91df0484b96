/**
 * analytics 013 (file 016) against the stack's PostgreSQL, in a schema of this file's own
 * (`rm16_<id>_…`), migrated from the DDL of the releases before the version table with counts in
 * place: the rows are kept, and the longest page a URL allows, in characters of 3 UTF-8 bytes that
 * do not compress, is counted by the upsert the projection runs — which the primary key refused.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident } from '../catalog';
import { oldAnalyticsSchema, type OldSchema } from './test-support';

const id = randomBytes(4).toString('hex');
const schema = `rm16_${id}_analytics`;
const s = ident(schema);
const project = '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a';
const HOUR = '2026-03-01T10:00:00Z';
let owner: pg.Pool;
let old: OldSchema;

/** `n` UTF-16 units of 3-byte characters, random so that nothing compresses them. */
const incompressible = (n: number) =>
  Array.from({ length: n }, () => String.fromCharCode(0x4e00 + Math.floor(Math.random() * 0x5000))).join('');

/** One page view of `path` in HOUR, as the projection adds it (projections/src/analytics/apply.ts). */
const upsert = (path: string) =>
  owner.query(
    `insert into ${s}.page_views_hour as t (project_id, hour, path, views) values ($1, $2, $3, 1)
     on conflict (project_id, hour, md5(path)) do update set views = t.views + excluded.views`,
    [project, HOUR, path],
  );

beforeAll(async () => {
  old = await oldAnalyticsSchema(schema);
  owner = old.owner;
  await owner.query(`insert into ${s}.page_views_hour values ($1, $2, '/a', 3)`, [project, HOUR]);
});

afterAll(async () => {
  await old?.drop();
});

describe('analytics 013: page_views_hour keyed by its page’s digest', () => {
  it('took no page longer than a btree entry before, and keeps its rows', async () => {
    const longest = `/${incompressible(2030)}`;
    await expect(upsert('/b').catch((e: Error) => e.message)).resolves.toMatch(
      /no unique or exclusion constraint/,
    );
    await expect(
      owner
        .query(`insert into ${s}.page_views_hour values ($1, $2, $3, 1)`, [project, HOUR, longest])
        .catch((e: Error) => e.message),
    ).resolves.toMatch(/exceeds btree version 4 maximum 2704/);
    await old.migrate();
    const { rows } = await owner.query(`select path, views::int from ${s}.page_views_hour`);
    expect(rows).toEqual([{ path: '/a', views: 3 }]);
  });

  it('counts the longest page a URL allows, and adds to a page’s row rather than repeating it', async () => {
    const longest = `/${incompressible(2030)}`;
    expect(Buffer.byteLength(longest)).toBe(6091);
    for (const path of [longest, longest, '/a']) await upsert(path);
    const { rows } = await owner.query(
      `select octet_length(path) as bytes, views::int from ${s}.page_views_hour order by 1`,
    );
    expect(rows).toEqual([
      { bytes: 2, views: 4 },
      { bytes: 6091, views: 2 },
    ]);
  });
});
