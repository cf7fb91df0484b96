/**
 * analytics 009 (file 012) against the stack's PostgreSQL, in a schema of this file's own
 * (`rm12_<id>_…`), migrated from the DDL of the releases before the version table with visits and
 * their events in place: each visit gets the browser and OS versions of its entry event, not of a
 * later event of it; a visit whose entry event has none keeps none.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident } from '../catalog';
import { oldAnalyticsSchema, type OldSchema } from './test-support';

const id = randomBytes(4).toString('hex');
const schema = `rm12_${id}_analytics`;
const s = ident(schema);
const project = '0b1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b';
let owner: pg.Pool;
let old: OldSchema;

/** [session, minute, browser version, OS version] of each event; a session's first is its entry. */
const EVENTS: [string, number, string | null, string | null][] = [
  ['chrome-then-update', 0, '124', '14.4.1'],
  ['chrome-then-update', 1, '125', '14.5'],
  ['no-versions', 2, null, null],
  ['no-versions', 3, '99', '1.0'],
  ['os-only', 4, null, '10'],
];

beforeAll(async () => {
  old = await oldAnalyticsSchema(schema);
  owner = old.owner;
  for (const [session, minute, browserVersion, osVersion] of EVENTS) {
    await owner.query(
      `insert into ${s}.events (project_id, event_id, event_name, session_id, ts, received_at, browser_version, os_version)
       values ($1, gen_random_uuid(), 'page_view', $2, timestamptz '2026-03-01T10:00:00Z' + $3 * interval '1 minute', now(), $4, $5)`,
      [project, session, minute, browserVersion, osVersion],
    );
  }
  // The visits as the projection made them, each naming its earliest event as its entry.
  await owner.query(
    `insert into ${s}.sessions (project_id, session_id, first_seen, last_seen, event_count, page_views, entry_event_id)
     select project_id, session_id, min(ts), max(ts), count(*), count(*),
            (array_agg(event_id order by ts))[1]
       from ${s}.events group by 1, 2`,
  );
  await old.migrate();
});

afterAll(async () => {
  await old?.drop();
});

describe('sessions.browser_version and os_version for the visits already projected', () => {
  it('are the entry event’s', async () => {
    const { rows } = await owner.query(
      `select session_id, browser_version, os_version from ${s}.sessions order by 1`,
    );
    expect(rows).toEqual([
      { session_id: 'chrome-then-update', browser_version: '124', os_version: '14.4.1' },
      { session_id: 'no-versions', browser_version: null, os_version: null },
      { session_id: 'os-only', browser_version: null, os_version: '10' },
    ]);
  });
});
