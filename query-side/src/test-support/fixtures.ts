/** Rows the projections would write, inserted directly by the owner for tests. */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { generateApiKey, hashApiKey, hashPassword } from '@eventlens/contracts';
import { DIRECT_SOURCE, humanEvents, pageLeaveMeasures, pagePath } from '@eventlens/read-model';
import { VISITOR_SQL } from '../stats/sql';

export interface Tenants {
  projectA: string;
  projectB: string;
  readKeyA: string;
  readKeyB: string;
  revokedKeyA: string;
  writeKeyA: string;
  keyIds: { readA: string; readB: string; revokedA: string; writeA: string };
  user: { user_id: string; email: string; password: string };
}

export async function insertProject(owner: pg.Pool, name: string, createdAt = new Date()): Promise<string> {
  const id = randomUUID();
  await owner.query(
    'insert into admin.projects (project_id, name, created_at, created_by) values ($1, $2, $3, $4)',
    [id, name, createdAt, 'fixture'],
  );
  return id;
}

export async function insertKey(
  owner: pg.Pool,
  projectId: string,
  kind: 'read' | 'write',
  options: { revoked?: boolean; name?: string } = {},
): Promise<{ key: string; keyId: string }> {
  const key = generateApiKey(kind);
  const keyId = randomUUID();
  await owner.query(
    `insert into admin.api_keys (key_id, project_id, kind, name, key_hash, key_prefix, issued_at, revoked_at)
     values ($1, $2, $3, $4, $5, $6, now(), $7)`,
    [
      keyId,
      projectId,
      kind,
      options.name ?? `${kind} key`,
      hashApiKey(key),
      key.slice(0, 10),
      options.revoked ? new Date() : null,
    ],
  );
  return { key, keyId };
}

export async function insertUser(owner: pg.Pool, email: string, password: string): Promise<string> {
  const id = randomUUID();
  // A low scrypt cost keeps fixtures fast; verification reads the cost from the hash.
  const hash = await hashPassword(password, { N: 1024 });
  await owner.query(
    'insert into admin.users (user_id, email, name, password_hash, registered_at) values ($1, $2, $3, $4, now())',
    [id, email, 'Fixture User', hash],
  );
  return id;
}

export async function seedTenants(owner: pg.Pool): Promise<Tenants> {
  const projectA = await insertProject(owner, 'Project A', new Date('2024-01-01T00:00:00Z'));
  const projectB = await insertProject(owner, 'Project B', new Date('2024-01-02T00:00:00Z'));
  const readA = await insertKey(owner, projectA, 'read', { name: 'reader A' });
  const readB = await insertKey(owner, projectB, 'read', { name: 'reader B' });
  const revokedA = await insertKey(owner, projectA, 'read', { revoked: true, name: 'old reader A' });
  const writeA = await insertKey(owner, projectA, 'write', { name: 'site A' });
  const email = 'admin@example.test';
  const password = 'correct horse battery staple';
  const userId = await insertUser(owner, email, password);
  return {
    projectA,
    projectB,
    readKeyA: readA.key,
    readKeyB: readB.key,
    revokedKeyA: revokedA.key,
    writeKeyA: writeA.key,
    keyIds: { readA: readA.keyId, readB: readB.keyId, revokedA: revokedA.keyId, writeA: writeA.keyId },
    user: { user_id: userId, email, password },
  };
}

export interface EventFixture {
  project_id: string;
  event_id?: string;
  event_name?: string;
  session_id?: string | null;
  user_id?: string | null;
  anonymous_id?: string | null;
  ts: Date;
  received_at?: Date;
  url?: string | null;
  referrer?: string | null;
  metadata?: Record<string, unknown>;
  context?: Record<string, string>;
}

export async function insertEvents(owner: pg.Pool, events: EventFixture[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < events.length; i += 500) {
    const chunk = events.slice(i, i + 500);
    const values: unknown[] = [];
    const tuples = chunk.map((e, j) => {
      const id = e.event_id ?? randomUUID();
      ids.push(id);
      values.push(
        e.project_id,
        id,
        e.event_name ?? 'click',
        e.session_id ?? null,
        e.user_id ?? null,
        e.anonymous_id ?? null,
        e.ts,
        e.received_at ?? e.ts,
        e.url ?? null,
        // The page and (below) the page-leave measures as the analytics projection writes them.
        e.url == null ? null : pagePath(e.url),
        e.referrer ?? null,
        JSON.stringify(e.metadata ?? {}),
        JSON.stringify(e.context ?? {}),
      );
      const leave = pageLeaveMeasures(e.event_name ?? 'click', e.metadata ?? {});
      values.push(leave.durationMs, leave.scrollDepth);
      const b = j * 15;
      return `(${Array.from({ length: 15 }, (_, k) => `$${b + k + 1}`).join(', ')})`;
    });
    // The events, their human ones' count per UTC minute and name (volume_minute) and the human
    // page views of a page per UTC hour (page_views_hour), as the analytics projection writes them
    // in one transaction: the Stats API reads any of them.
    await owner.query(
      `with inserted as (
         insert into analytics.events (project_id, event_id, event_name, session_id, user_id, anonymous_id, ts,
           received_at, url, page, referrer, metadata, context, leave_duration_ms, leave_scroll_depth) values ${tuples.join(', ')}
         returning project_id, ts, event_name, page, context),
       human as (select * from inserted where (context ->> 'bot') is null and (context ->> 'excluded') is null),
       minutes as (
         insert into analytics.volume_minute as t (project_id, minute, event_name, count)
         select project_id, to_timestamp(floor(extract(epoch from ts) / 60) * 60), event_name, count(*)
           from human group by 1, 2, 3
         on conflict (project_id, minute, event_name) do update set count = t.count + excluded.count)
       insert into analytics.page_views_hour as t (project_id, hour, path, views)
       select project_id, to_timestamp(floor(extract(epoch from ts) / 3600) * 3600), page, count(*)
         from human where event_name = 'page_view' and page is not null group by 1, 2, 3
       on conflict (project_id, hour, md5(path)) do update set views = t.views + excluded.views`,
      values,
    );
  }
  return ids;
}

/** The distinct visitor keys of events `e` as `sessions.visitor_keys` holds them (empty: none). */
const VISITOR_KEYS_OF_EVENTS = `coalesce(array_agg(distinct ${VISITOR_SQL}) filter (where ${VISITOR_SQL} is not null), '{}')`;

/**
 * Each visit's visitor keys from its human events, as the analytics projection keeps them
 * (`sessions.visitor_keys`, read-model analytics 007): for visits a test inserted by hand, after
 * their events. A visit must have the events its row counts, as every projected one has.
 */
export async function fillVisitorKeys(owner: pg.Pool): Promise<void> {
  await owner.query(
    `update analytics.sessions t set visitor_keys =
       (select ${VISITOR_KEYS_OF_EVENTS} from analytics.events e
         where e.project_id = t.project_id and e.session_id = t.session_id and ${humanEvents('e')})`,
  );
}

/** Attributes of a visit that `insertVisitsOfEvents` cannot derive from its events. */
export interface VisitAttributes {
  /** Default `Direct / None`. */
  source?: string;
  country?: string;
}

/**
 * The visits of the human events inserted so far, as the analytics projection builds them (span,
 * counts, engagement, visitor keys, entry and exit URL and path, entry referrer; docs/DESIGN.md, "Visits"), for every session id that has no row
 * yet; `attributes` by session id gives a visit's source and country. The others stay null.
 */
export async function insertVisitsOfEvents(
  owner: pg.Pool,
  attributes: Record<string, VisitAttributes> = {},
): Promise<void> {
  await owner.query(
    `insert into analytics.sessions (project_id, session_id, user_id, anonymous_id, first_seen, last_seen,
       event_count, page_views, engagement_events, source, country, visitor_keys, entry_url, exit_url,
       entry_path, exit_path, entry_referrer)
     select e.project_id, e.session_id, max(e.user_id), max(e.anonymous_id), min(e.ts), max(e.ts), count(*),
            count(*) filter (where e.event_name = 'page_view'),
            count(*) filter (where e.event_name not in ('page_view', 'page_leave')
                               and (e.context ->> 'interactive') is distinct from 'false'),
            coalesce(($1::jsonb) -> e.session_id ->> 'source', $2), ($1::jsonb) -> e.session_id ->> 'country',
            ${VISITOR_KEYS_OF_EVENTS},
            -- The earliest and the latest event's URL (ties by event id), as the projection's.
            (array_agg(e.url order by e.ts, e.event_id))[1], (array_agg(e.url order by e.ts desc, e.event_id desc))[1],
            -- Their paths: each event's page is its URL's (pagePath), as the projection's entry and exit paths.
            (array_agg(e.page order by e.ts, e.event_id))[1], (array_agg(e.page order by e.ts desc, e.event_id desc))[1],
            -- The entry event's referrer as sent.
            (array_agg(e.referrer order by e.ts, e.event_id))[1]
       from analytics.events e
      where e.session_id is not null and ${humanEvents('e')}
      group by e.project_id, e.session_id
     on conflict (project_id, session_id) do nothing`,
    [JSON.stringify(attributes), DIRECT_SOURCE],
  );
}
