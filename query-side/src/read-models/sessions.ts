/**
 * Sessions (`analytics.sessions`), most recently active first, keyset on (last_seen, session_id)
 * over the `sessions_recent` index; one session with its events, oldest first, over
 * `events_by_session` read backwards.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import type { ReaderTables, SessionsRow } from '@eventlens/read-model';
import { cursorTimestampSql, decodeCursor, encodeCursor } from '../http/cursor';
import { invalidField, notFound } from '../http/errors';
import { checkOpenRange, cursorParam, fromParam, iso, limitParam, textFilter, toParam } from '../http/params';
import { defineRoute, type AnyRoute } from '../http/route';
import { EventItem, selectEvents, toEventItem } from './events';
import { NextCursor, Timestamp, toCount, toIso } from './schemas';

/**
 * One session (a visit): `entry_url` / `exit_url` as the SDK sent them, and `entry_page` /
 * `exit_page`, the read model's `sessions.entry_path` / `exit_path`, which is what the Overview's
 * entry and exit pages and the Stats API's `visit:entry_page` / `visit:exit_page` name them by.
 */
export const SessionItem = z
  .object({
    session_id: z.string(),
    user_id: z.string().nullable(),
    anonymous_id: z.string().nullable(),
    first_seen: Timestamp,
    last_seen: Timestamp,
    duration_ms: z.number().int().meta({ description: 'last_seen − first_seen.' }),
    event_count: z.number().int(),
    page_views: z.number().int(),
    entry_url: z.string().nullable(),
    exit_url: z.string().nullable(),
    entry_page: z.string().nullable().meta({
      description:
        'The visit’s entry page as the reports name it, its `visit:entry_page` value: the path of `entry_url` without the query string, with its hash route (`#/…`, `#!/…`) when the URL has one, e.g. `/blog` for `https://x.dev/blog?utm_source=twitter`. Null without an entry URL.',
      example: '/blog',
    }),
    exit_page: z.string().nullable().meta({
      description:
        'The visit’s exit page as the reports name it, its `visit:exit_page` value: the path of `exit_url` without the query string, with its hash route (`#/…`, `#!/…`) when the URL has one, e.g. `/app/#/settings` for `https://x.dev/app/#/settings`. Null without an exit URL.',
      example: '/app/#/settings',
    }),
  })
  .meta({ id: 'Session' });

export const SessionsPage = z
  .object({ items: z.array(SessionItem), next_cursor: NextCursor })
  .meta({ id: 'SessionsPage' });

export const SessionsQuery = z.strictObject({
  cursor: cursorParam,
  limit: limitParam(50),
  from: fromParam.meta({ description: 'Sessions active at or after this instant (last_seen >= from).' }),
  to: toParam.meta({ description: 'Sessions active before this instant (first_seen < to).' }),
  user_id: textFilter('Only sessions of this user id.'),
});

export const SessionParams = z.strictObject({
  session_id: z.string().min(1).max(200).meta({ description: 'The session id (as the SDK sent it).' }),
});

export const TimelineQuery = z.strictObject({
  cursor: cursorParam.meta({ description: 'Opaque: `timeline.next_cursor` of the previous answer.' }),
  limit: limitParam(100),
});

export const SessionDetail = z
  .object({
    session: SessionItem,
    timeline: z.object({
      items: z.array(EventItem).meta({ description: 'The session’s events, oldest first.' }),
      next_cursor: NextCursor,
    }),
  })
  .meta({ id: 'SessionDetail' });

type SessionRow = Pick<SessionsRow, (typeof SESSION_COLUMNS)[number]> & { last_seen_key: string };

const SESSION_COLUMNS = [
  'session_id',
  'user_id',
  'anonymous_id',
  'first_seen',
  'last_seen',
  'event_count',
  'page_views',
  'entry_url',
  'exit_url',
  'entry_path',
  'exit_path',
] as const;

function selectSessions(db: Knex, tables: ReaderTables) {
  return db(tables.sessions).select<SessionRow[]>([
    ...SESSION_COLUMNS,
    db.raw(`${cursorTimestampSql('last_seen')} as last_seen_key`),
  ]);
}

function toSessionItem(row: SessionRow): z.input<typeof SessionItem> {
  return {
    session_id: row.session_id,
    user_id: row.user_id,
    anonymous_id: row.anonymous_id,
    first_seen: toIso(row.first_seen),
    last_seen: toIso(row.last_seen),
    duration_ms: new Date(row.last_seen).getTime() - new Date(row.first_seen).getTime(),
    event_count: toCount(row.event_count),
    page_views: toCount(row.page_views),
    entry_url: row.entry_url,
    exit_url: row.exit_url,
    entry_page: row.entry_path,
    exit_page: row.exit_path,
  };
}

export function sessionRoutes(db: Knex, tables: ReaderTables): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/sessions',
      tag: 'sessions',
      summary: 'List sessions, most recently active first',
      description:
        'Keyset pagination on (last_seen, session_id). from/to select sessions active in [from, to) ' +
        '(last_seen >= from and first_seen < to); without them the list is not windowed. A session ' +
        'that gets an event during a walk moves ahead of the cursor and is not listed again in that ' +
        'walk (the order is by activity): a new walk lists it first; the events (`/v1/events`) page in ' +
        'an order that never changes.',
      auth: 'project',
      query: SessionsQuery,
      response: { status: 200, description: 'A page of sessions.', schema: SessionsPage },
      async handle({ auth, query }) {
        const problem = checkOpenRange(query.from, query.to);
        if (problem) throw invalidField('from', problem);
        const q = selectSessions(db, tables).where('project_id', auth.projectId);
        if (query.from !== undefined) q.where('last_seen', '>=', iso(query.from));
        if (query.to !== undefined) q.where('first_seen', '<', iso(query.to));
        if (query.user_id !== undefined) q.where('user_id', query.user_id);
        if (query.cursor !== undefined) {
          const [lastSeen, sessionId] = decodeCursor('sessions', query.cursor);
          q.whereRaw('(last_seen, session_id) < (?::timestamptz, ?)', [lastSeen, sessionId]);
        }
        const rows = await q
          .orderBy([
            { column: 'last_seen', order: 'desc' },
            { column: 'session_id', order: 'desc' },
          ])
          .limit(query.limit + 1);
        const page = rows.slice(0, query.limit);
        const last = page[page.length - 1];
        return {
          items: page.map(toSessionItem),
          next_cursor:
            rows.length > query.limit && last
              ? encodeCursor('sessions', [last.last_seen_key, last.session_id])
              : null,
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/sessions/{session_id}',
      tag: 'sessions',
      summary: 'One session and its timeline',
      description:
        'The timeline lists the session’s events oldest first, `limit` at a time (default 100, at most 200).',
      auth: 'project',
      params: SessionParams,
      query: TimelineQuery,
      response: { status: 200, description: 'The session and a page of its events.', schema: SessionDetail },
      async handle({ auth, params, query }) {
        // A bad cursor is a 400 whether or not the session exists.
        const after = query.cursor !== undefined ? decodeCursor('timeline', query.cursor) : undefined;
        const row = await selectSessions(db, tables)
          .where({ project_id: auth.projectId, session_id: params.session_id })
          .first();
        if (!row) throw notFound('session');
        const q = selectEvents(db, tables).where({
          project_id: auth.projectId,
          session_id: params.session_id,
        });
        if (after) q.whereRaw('(ts, event_id) > (?::timestamptz, ?::uuid)', after);
        const events = await q
          .orderBy([
            { column: 'ts', order: 'asc' },
            { column: 'event_id', order: 'asc' },
          ])
          .limit(query.limit + 1);
        const page = events.slice(0, query.limit);
        const last = page[page.length - 1];
        return {
          session: toSessionItem(row),
          timeline: {
            items: page.map(toEventItem),
            next_cursor:
              events.length > query.limit && last
                ? encodeCursor('timeline', [last.ts_key, last.event_id])
                : null,
          },
        };
      },
    }),
  ];
}
