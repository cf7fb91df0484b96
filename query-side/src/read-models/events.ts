/**
 * The explorer over `analytics.events`: latest first, keyset pagination on (ts, event_id) so the
 * first page and the thousandth cost the same, and every query rides an index of ddl.ts
 * (`events_keyset`, or `events_by_name` / `events_by_user` / `events_by_session` when filtered).
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import type { EventsRow, ReaderTables } from '@eventlens/read-model';
import { decodeCursor, encodeCursor, cursorTimestampSql } from '../http/cursor';
import { invalidField, notFound } from '../http/errors';
import { checkOpenRange, cursorParam, fromParam, iso, limitParam, textFilter, toParam } from '../http/params';
import { defineRoute, type AnyRoute } from '../http/route';
import { JsonObject, NextCursor, Timestamp, Uuid, toIso } from './schemas';

export const EventItem = z
  .object({
    event_id: Uuid,
    event_name: z.string(),
    session_id: z.string().nullable(),
    user_id: z.string().nullable(),
    anonymous_id: z.string().nullable(),
    url: z.string().nullable(),
    referrer: z.string().nullable(),
    timestamp: Timestamp.meta({ description: 'When it happened (client clock).' }),
    received_at: Timestamp.meta({ description: 'When the ingestion API accepted it.' }),
    metadata: JsonObject,
    context: JsonObject,
  })
  .meta({ id: 'Event' });

export const EventsPage = z
  .object({ items: z.array(EventItem), next_cursor: NextCursor })
  .meta({ id: 'EventsPage' });

export const EventsQuery = z.strictObject({
  cursor: cursorParam,
  limit: limitParam(50),
  event_name: textFilter('Only events with this exact name.'),
  user_id: textFilter('Only events of this user id.'),
  session_id: textFilter('Only events of this session id.'),
  from: fromParam,
  to: toParam,
});

export const EventParams = z.strictObject({ event_id: Uuid.meta({ description: 'The event id.' }) });

/** The explorer's columns of analytics.events, and the row's cursor timestamp. */
export type EventRow = Pick<EventsRow, (typeof EVENT_COLUMNS)[number]> & { ts_key: string };

export const EVENT_COLUMNS = [
  'event_id',
  'event_name',
  'session_id',
  'user_id',
  'anonymous_id',
  'url',
  'referrer',
  'ts',
  'received_at',
  'metadata',
  'context',
] as const;

export function selectEvents(db: Knex, tables: ReaderTables) {
  return db(tables.events).select<EventRow[]>([
    ...EVENT_COLUMNS,
    db.raw(`${cursorTimestampSql('ts')} as ts_key`),
  ]);
}

export function toEventItem(row: EventRow): z.input<typeof EventItem> {
  return {
    event_id: row.event_id,
    event_name: row.event_name,
    session_id: row.session_id,
    user_id: row.user_id,
    anonymous_id: row.anonymous_id,
    url: row.url,
    referrer: row.referrer,
    timestamp: toIso(row.ts),
    received_at: toIso(row.received_at),
    metadata: row.metadata ?? {},
    context: row.context ?? {},
  };
}

export interface ListEventsInput {
  projectId: string;
  limit: number;
  cursor?: string;
  event_name?: string;
  user_id?: string;
  session_id?: string;
  from?: number;
  to?: number;
}

/** The explorer's filters (tenancy first), shared by the list and the CSV export (export.ts). */
export type EventFilters = Omit<ListEventsInput, 'limit' | 'cursor'>;

/** Adds the caller's project and the filters to a query over analytics.events; ts is [from, to). */
export function whereEventFilters<Q extends Knex.QueryBuilder>(q: Q, input: EventFilters): Q {
  q.where('project_id', input.projectId);
  if (input.event_name !== undefined) q.where('event_name', input.event_name);
  if (input.user_id !== undefined) q.where('user_id', input.user_id);
  if (input.session_id !== undefined) q.where('session_id', input.session_id);
  if (input.from !== undefined) q.where('ts', '>=', iso(input.from));
  if (input.to !== undefined) q.where('ts', '<', iso(input.to));
  return q;
}

/** The explorer's query (limit + 1 rows, to know whether a next page exists). */
export function eventsQuery(db: Knex, tables: ReaderTables, input: ListEventsInput) {
  const q = whereEventFilters(selectEvents(db, tables), input);
  if (input.cursor !== undefined) {
    const [ts, id] = decodeCursor('events', input.cursor);
    q.whereRaw('(ts, event_id) < (?::timestamptz, ?::uuid)', [ts, id]);
  }
  return q
    .orderBy([
      { column: 'ts', order: 'desc' },
      { column: 'event_id', order: 'desc' },
    ])
    .limit(input.limit + 1);
}

export async function listEvents(db: Knex, tables: ReaderTables, input: ListEventsInput) {
  const rows = await eventsQuery(db, tables, input);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toEventItem),
    next_cursor:
      rows.length > input.limit && last ? encodeCursor('events', [last.ts_key, last.event_id]) : null,
  };
}

export function eventRoutes(db: Knex, tables: ReaderTables): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/events',
      tag: 'explorer',
      summary: 'List events, latest first',
      description:
        'Keyset pagination on (timestamp, event_id), newest first. Without from/to the list is not windowed. ' +
        '`limit` above 200 is a 400, not a clamp.',
      auth: 'project',
      query: EventsQuery,
      response: { status: 200, description: 'A page of events.', schema: EventsPage },
      async handle({ auth, query }) {
        const problem = checkOpenRange(query.from, query.to);
        if (problem) throw invalidField('from', problem);
        return listEvents(db, tables, { ...query, projectId: auth.projectId });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/{event_id}',
      tag: 'explorer',
      summary: 'One event',
      auth: 'project',
      params: EventParams,
      response: { status: 200, description: 'The event.', schema: EventItem },
      async handle({ auth, params }) {
        const row = await selectEvents(db, tables)
          .where({ project_id: auth.projectId, event_id: params.event_id })
          .first();
        if (!row) throw notFound('event');
        return toEventItem(row);
      },
    }),
  ];
}
