/**
 * analytics 008 (file 011) against the stack's PostgreSQL, in a schema of this file's own
 * (`rm11_<id>_…`), migrated from the DDL of the releases before the version table: an event whose
 * ids and name are as long as the contracts allow, in characters of 3 UTF-8 bytes that do not
 * compress, is accepted with a page of `PAGE_INDEX_MAX_BYTES` (into `events_pages`) and with the
 * longest page a URL can have (into `events_long_pages`), and each index holds the events its
 * predicate names, every human event in exactly one of them.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanEvents, ident, indexedPage, longPage, PAGE_INDEX_MAX_BYTES } from '../catalog';
import { oldAnalyticsSchema, type OldSchema } from './test-support';

const id = randomBytes(4).toString('hex');
const schema = `rm11_${id}_analytics`;
const s = ident(schema);
const project = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
let owner: pg.Pool;
let old: OldSchema;

/** `n` UTF-16 units of 3-byte characters, random so that nothing compresses them. */
const incompressible = (n: number) =>
  Array.from({ length: n }, () => String.fromCharCode(0x4e00 + Math.floor(Math.random() * 0x5000))).join('');

beforeAll(async () => {
  old = await oldAnalyticsSchema(schema);
  owner = old.owner;
  await old.migrate();
});

afterAll(async () => {
  await old?.drop();
});

describe('analytics 008: the page indexes', () => {
  it('accepts the longest ids and name with a page at the bound and with the longest page a URL allows', async () => {
    const [name, session, user, anonymous] = [200, 200, 200, 200].map(incompressible);
    // 266 characters of 3 bytes and two of 1: exactly the bound.
    const atBound = `/${incompressible(266)}/`;
    expect(Buffer.byteLength(atBound)).toBe(PAGE_INDEX_MAX_BYTES);
    // contracts' LIMITS.urlMaxLength: 2,048 units, the path nearly all of them.
    const longest = `/${incompressible(2030)}`;
    for (const page of [atBound, longest, null])
      await owner.query(
        `insert into ${s}.events (project_id, event_id, event_name, session_id, user_id, anonymous_id, ts, received_at, page)
         values ($1, gen_random_uuid(), $2, $3, $4, $5, now(), now(), $6)`,
        [project, name, session, user, anonymous, page],
      );
    await owner.query(
      `insert into ${s}.events (project_id, event_id, event_name, ts, received_at, page, context)
       values ($1, gen_random_uuid(), 'page_view', now(), now(), '/from-a-bot', '{"bot": "Googlebot"}')`,
      [project],
    );
    // Which index each human event is in: the indexes' own predicates, read back from the catalog.
    const { rows: predicates } = await owner.query<{ name: string; predicate: string }>(
      `select c.relname as name, pg_get_expr(i.indpred, i.indrelid) as predicate
         from pg_index i join pg_class c on c.oid = i.indexrelid
        where i.indrelid = $1::regclass and c.relname in ('events_pages', 'events_long_pages') order by 1`,
      [`${s}.events`],
    );
    expect(predicates.map((p) => p.name)).toEqual(['events_long_pages', 'events_pages']);
    for (const { predicate } of predicates) expect(predicate).toContain('octet_length(page)');
    const { rows } = await owner.query<{ page_bytes: number | null; short: boolean; long: boolean }>(
      `select octet_length(e.page) as page_bytes, ${indexedPage('e')} as short, coalesce(${longPage('e')}, false) as long
         from ${s}.events e where ${humanEvents('e')} order by 1 nulls first`,
    );
    expect(rows).toEqual([
      { page_bytes: null, short: true, long: false },
      { page_bytes: PAGE_INDEX_MAX_BYTES, short: true, long: false },
      { page_bytes: Buffer.byteLength(longest), short: false, long: true },
    ]);
  });

  it('knows from its statistics that long pages are rare', async () => {
    // A thousand events with short pages: without statistics on the expressions PostgreSQL would
    // expect a third of them (333) to have a long page.
    await owner.query(
      `insert into ${s}.events (project_id, event_id, event_name, ts, received_at, page)
       select $1, gen_random_uuid(), 'page_view', now() - g * interval '1 second', now(), '/p' || (g % 50)
         from generate_series(1, 1000) g`,
      [project],
    );
    await owner.query(`analyze ${s}.events`);
    const estimate = async (condition: string) => {
      const { rows } = await owner.query<{ 'QUERY PLAN': string }>(
        `explain select * from ${s}.events e where ${condition}`,
      );
      return Number(/rows=(\d+)/.exec(rows[0]!['QUERY PLAN'])![1]);
    };
    expect(await estimate(longPage('e'))).toBeLessThan(20);
    expect(await estimate(indexedPage('e'))).toBeGreaterThan(900);
  });
});
