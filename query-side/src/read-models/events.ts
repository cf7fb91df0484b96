/**
 * The explorer over `analytics.events`: latest first, keyset pagination on (ts, event_id) so the
 * first page and the thousandth cost the same, and every query rides an index of the read model's
 * migrations (`events_keyset`, or `events_by_name` / `events_by_user` / `events_by_session` when
 * filtered).
 *
 * Besides event name, user, session and time, the explorer takes the Stats API's filters
 * (`filters`: the JSON of `[["is", "visit:source", ["Google"]], …]`, docs/stats-api.md, Filters),
 * parsed by the Stats API's own filter parser (`parseFilters` of stats/filters.ts) and compiled to SQL
 * by its own compiler (`filterSql` of stats/plan.ts, side `events`), so a filter means the same rows
 * here as in every report. A `visit:*` filter reads the event's visit: `analytics.sessions` joined
 * by (project, session) — a primary-key lookup per row walked in keyset order, which keeps the
 * order served by the index. An `event:goal` filter is of the project's goals, read from its
 * settings (`projectDefaults` of stats/site.ts, as the Stats API reads them) only when a filter
 * names one: the events that reach a goal so named, exactly those the Stats API counts as the
 * goal's completions (bots aside: the explorer lists them).
 *
 * Bot traffic and excluded traffic are listed like any other event (the explorer shows what was
 * received) unless `counted` asks for the events the reports count (`countedParam`); a filter on a
 * `visit:*` dimension keeps only events with a visit, and bot events make none (docs/DESIGN.md,
 * Visits), so `is` on a visit dimension lists no bot's event (but with a missing value's label,
 * `(none)`, `(not set)` or `Direct / None`, which an event without a visit has) while `is_not` does.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { LIMITS, parseJsonExact } from '@eventlens/contracts';
import { humanEvents, type EventsRow, type ProjectGoalRow, type ReaderTables } from '@eventlens/read-model';
import { decodeCursor, encodeCursor, cursorTimestampSql } from '../http/cursor';
import { invalidField, notFound, type ApiError } from '../http/errors';
import {
  checkOpenRange,
  cursorParam,
  fromParam,
  iso,
  limitParam,
  switchParam,
  textFilter,
  toParam,
} from '../http/params';
import { defineRoute, type AnyRoute } from '../http/route';
import { EVENT_DIMENSIONS, VISIT_DIMENSIONS } from '../stats/dimensions';
import { QueryError } from '../stats/errors';
import { filterNames, parseFilters, type Filter } from '../stats/filters';
import { filterSql, usesVisitDimension } from '../stats/clauses';
import { StatsRequest, type StatsQuery } from '../stats/query';
import { Binder } from '../stats/sql';
import { projectDefaults } from '../stats/site';
import { JsonObject, NextCursor, Timestamp, Uuid, toIso } from './schemas';

/**
 * One event of the explorer (and of a session's timeline): `url` as the SDK sent it, and `page`, the
 * read model's `events.page`, which is what every report, the Stats API's `event:page` and the
 * explorer's own page filter name the event's page by.
 */
export const EventItem = z
  .object({
    event_id: Uuid,
    event_name: z.string(),
    session_id: z.string().nullable(),
    user_id: z.string().nullable(),
    anonymous_id: z.string().nullable(),
    url: z.string().nullable(),
    page: z.string().nullable().meta({
      description:
        'The event’s page as the reports name it, its `event:page` value: the path of `url` without the query string, with its hash route (`#/…`, `#!/…`) when the URL has one, e.g. `/blog` for `https://x.dev/blog?utm_source=twitter`, `/app/#/settings` for `https://x.dev/app/#/settings`. Null without a URL.',
      example: '/blog',
    }),
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

/** The longest `filters` parameter: the Stats API's body limit is 16 KB; a URL is smaller. */
export const MAX_FILTERS_PARAM = 8000;

/** `filters`: the Stats API's filter language, as JSON text in one query parameter. */
export const filtersParam = z.string().min(1).max(MAX_FILTERS_PARAM).optional().meta({
  description:
    'Stats API filters as JSON (docs/stats-api.md, Filters), all of which apply: `[operator, dimension, [values…]]` with operator is, is_not, contains, contains_not, matches, matches_not, or `["and"|"or", [filters…]]`, `["not", filter]`, `["has_done"|"has_not_done", filter]` (the event\'s visit has, or has not, an event the filter on event dimensions matches). Dimensions: event:page, event:name, event:hostname, event:props:<key>, event:goal (the names of the project’s goals: the events reaching one so named; a name no goal has matches nothing), and the visit:* dimensions (source, channel, referrer, entry_page, exit_page, entry_page_hostname, exit_page_hostname, utm_*, browser, browser_version, os, os_version, device (or screen), country, country_name: the event’s visit). An invalid filter is a 400 naming it (`filters[1][1]`). Bot events are listed unless `counted` or a filter leaves them out (a visit:* `is` filter does, as bots make no visit, unless its value is a missing value’s label: (none), (not set), Direct / None).',
  example: '[["is","visit:source",["Google"]],["contains","event:page",["/blog"]]]',
});

/**
 * `counted`: only the events the reports count, so that a list opened from a number on the
 * dashboard holds exactly the events behind it. Every report leaves out bot traffic (`context.bot`)
 * and the traffic of the project's excluded address ranges (`context.excluded`), the predicate being
 * read-model's `humanEvents`; the explorer lists them by default, as the record of all accepted.
 */
export const countedParam = switchParam(
  'true or 1: only the events the reports count, leaving out bot traffic (`context.bot`) and excluded traffic (`context.excluded`: the project’s excluded address ranges), as every report does. By default every event is listed.',
);

export const EventsQuery = z.strictObject({
  cursor: cursorParam,
  limit: limitParam(50),
  event_name: textFilter('Only events with this exact name.'),
  user_id: textFilter('Only events of this user id.'),
  session_id: textFilter('Only events of this session id.'),
  from: fromParam,
  to: toParam,
  filters: filtersParam,
  counted: countedParam,
});

/** `filters.1.1` (the Stats API's path) as this parameter names it: `filters[1][1]`. */
const bracketed = (field: string) => field.replace(/\.(\d+)/g, '[$1]');

const EXAMPLE = '[["is","visit:source",["Google"]],["contains","event:page",["/blog"]]]';
const DIMENSIONS = [...EVENT_DIMENSIONS, 'event:props:<key>', ...VISIT_DIMENSIONS].join(', ');

/**
 * What to do about a refused filter, after what is wrong with it: the dimensions, the operators,
 * or the filters' shape; any other message is left as it is.
 */
function fix(message: string): string {
  if (/dimension|filtered on/.test(message)) return `${message}; use one of ${DIMENSIONS}`;
  if (/operator/.test(message))
    return `${message}; use is, is_not, contains, contains_not, matches, matches_not, or and/or/not/has_done/has_not_done`;
  if (/^(must|invalid|too|expected)/i.test(message))
    return `${message}; write filters as in the Stats API, e.g. ${EXAMPLE}`;
  return message;
}

/**
 * The `filters` parameter parsed by the Stats API's filter parser (so they mean what they mean in
 * every report), or undefined when absent or `[]`; a 400 naming the filter (`filters[1][1]`) and the
 * fix otherwise. Reads nothing: an `event:goal` filter needs the project's goals besides
 * (`eventFilterQuery`).
 */
export function parseEventFilters(text: string | undefined): Filter[] | undefined {
  if (text === undefined) return undefined;
  // Under the exactness rule, as a body: JSON.parse would pass a lone surrogate on (PostgreSQL reads
  // it as U+FFFD, which then matches that character) and keep the last of a repeated key's values.
  const parsed = parseJsonExact(text, { maxDepth: LIMITS.bodyMaxDepth });
  if (!parsed.ok && 'syntax' in parsed)
    throw invalidField('filters', `must be JSON: a list of Stats API filters, e.g. ${EXAMPLE}`);
  if (!parsed.ok) {
    const issue = parsed.issues[0]!;
    throw invalidField(bracketed(['filters', ...issue.path].join('.')), issue.message);
  }
  const json = parsed.value;
  const shape = StatsRequest.shape.filters.safeParse(json);
  if (!shape.success) {
    const issue = shape.error.issues[0]!;
    const field = bracketed(['filters', ...issue.path].join('.'));
    throw invalidField(field, fix(Array.isArray(json) ? issue.message : 'must be a list of filters'));
  }
  if (!shape.data || shape.data.length === 0) return undefined;
  try {
    return parseFilters(shape.data);
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    const message = error.message.slice(error.field.length + 2);
    throw invalidField(bracketed(error.field), fix(message));
  }
}

/** Whether any of `filters` names `event:goal`, so that the project's goals must be read. */
export const namesGoals = (filters: readonly Filter[]) => filters.some((f) => filterNames(f, 'event:goal'));

/**
 * Parsed filters as the query the Stats API's compiler reads (`filterSql`): the caller's project,
 * its goals (which `event:goal` names) and the filters. Nothing else of a query (metrics, range,
 * zone) reaches a filter's SQL: they are left empty.
 */
export function eventFilterQuery(
  projectId: string,
  filters: Filter[],
  goals: readonly ProjectGoalRow[] = [],
): StatsQuery {
  return {
    projectId,
    goals,
    metrics: [],
    dimensions: [],
    filters,
    orderBy: [],
    limit: 0,
    offset: 0,
    period: { kind: 'instants', from: '', to: '' },
    timeZone: 'UTC',
    include: { timeLabels: false, totalRows: false, comparison: null },
  };
}

/**
 * What both explorer routes make of `filters`: parsed first (a malformed filter is a 400 before
 * anything is read), then, when one names `event:goal`, the project's goals from its settings
 * (none without settings: a goal name then matches nothing, as in the Stats API). Undefined
 * without filters.
 */
export async function resolveEventFilters(
  db: Knex,
  tables: ReaderTables,
  text: string | undefined,
  projectId: string,
): Promise<StatsQuery | undefined> {
  const filters = parseEventFilters(text);
  if (!filters) return undefined;
  const goals = namesGoals(filters)
    ? (await projectDefaults(db, tables.projectSettings, projectId)).goals
    : [];
  return eventFilterQuery(projectId, filters, goals);
}

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
  'page',
  'referrer',
  'ts',
  'received_at',
  'metadata',
  'context',
] as const;

/** The explorer's columns of `analytics.events` aliased `e`, which the Stats API's compiler names it. */
export function selectEvents(db: Knex, tables: ReaderTables) {
  return db({ e: tables.events }).select<EventRow[]>([
    ...EVENT_COLUMNS.map((c) => `e.${c}`),
    db.raw(`${cursorTimestampSql('e.ts')} as ts_key`),
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
    page: row.page,
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
  /** Stats API filters (resolveEventFilters), all of which apply. */
  filters?: StatsQuery;
  /** Only the events the reports count (`countedParam`): no bot or excluded traffic. */
  counted?: boolean;
}

/** The explorer's filters (tenancy first), shared by the list and the CSV export (export.ts). */
export type EventFilters = Omit<ListEventsInput, 'limit' | 'cursor'>;

/**
 * Adds the caller's project and the filters to a query over analytics.events aliased `e`
 * (selectEvents); ts is [from, to). The Stats API's filters are its compiler's SQL, every value
 * a bound parameter; a `visit:*` filter left-joins the event's visit as `es`, as the compiler
 * expects (no visit: every visit value is null, so `is` fails and `is_not` passes).
 */
export function whereEventFilters<Q extends Knex.QueryBuilder>(
  q: Q,
  tables: ReaderTables,
  input: EventFilters,
): Q {
  q.where('e.project_id', input.projectId);
  if (input.event_name !== undefined) q.where('e.event_name', input.event_name);
  if (input.user_id !== undefined) q.where('e.user_id', input.user_id);
  if (input.session_id !== undefined) q.where('e.session_id', input.session_id);
  if (input.from !== undefined) q.where('e.ts', '>=', iso(input.from));
  if (input.to !== undefined) q.where('e.ts', '<', iso(input.to));
  // The reports' own predicate, as written in the partial indexes' definitions (read-model catalog).
  if (input.counted) q.whereRaw(humanEvents('e'));
  const stats = input.filters;
  if (stats && stats.filters.length > 0) {
    if (usesVisitDimension(stats)) {
      q.leftJoin({ es: tables.sessions }, function on() {
        this.on('es.project_id', '=', 'e.project_id').andOn('es.session_id', '=', 'e.session_id');
      });
    }
    const b = new Binder();
    const sql = stats.filters.map((f) => filterSql(f, 'events', stats, b, tables.events)).join(' and ');
    q.whereRaw(sql, b.bindings as Knex.RawBinding[]);
  }
  return q;
}

/** Latest first, event id breaking ties: the keyset's order. */
export const NEWEST_FIRST = [
  { column: 'e.ts', order: 'desc' },
  { column: 'e.event_id', order: 'desc' },
] as const;

/** The explorer's query (limit + 1 rows, to know whether a next page exists). */
export function eventsQuery(db: Knex, tables: ReaderTables, input: ListEventsInput) {
  const q = whereEventFilters(selectEvents(db, tables), tables, input);
  if (input.cursor !== undefined) {
    const [ts, id] = decodeCursor('events', input.cursor);
    q.whereRaw('(e.ts, e.event_id) < (?::timestamptz, ?::uuid)', [ts, id]);
  }
  return q.orderBy([...NEWEST_FIRST]).limit(input.limit + 1);
}

/**
 * A `matches` filter's pattern that PostgreSQL cannot compile (SQLSTATE 2201B) is the client's
 * mistake: a 400 naming `filters`, as the Stats API answers it.
 */
export function regexError(error: unknown): ApiError | undefined {
  const e = error as { code?: unknown; severity?: unknown };
  if (e?.code === '2201B' && typeof e.severity === 'string')
    return invalidField(
      'filters',
      'a regular expression PostgreSQL cannot compile; fix the matches/matches_not pattern (PostgreSQL syntax)',
    );
  return undefined;
}

export async function listEvents(db: Knex, tables: ReaderTables, input: ListEventsInput) {
  let rows: EventRow[];
  try {
    rows = await eventsQuery(db, tables, input);
  } catch (error) {
    throw regexError(error) ?? error;
  }
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
        '`limit` above 200 is a 400, not a clamp. `filters` takes the Stats API’s filters on any report dimension ' +
        '(docs/stats-api.md); every event is listed, bot and excluded traffic included, unless `counted` or a filter leaves it out.',
      auth: 'project',
      query: EventsQuery,
      response: { status: 200, description: 'A page of events.', schema: EventsPage },
      async handle({ auth, query }) {
        const problem = checkOpenRange(query.from, query.to);
        if (problem) throw invalidField('from', problem);
        const { filters, ...rest } = query;
        const parsed = await resolveEventFilters(db, tables, filters, auth.projectId);
        return listEvents(db, tables, {
          ...rest,
          projectId: auth.projectId,
          ...(parsed ? { filters: parsed } : {}),
        });
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
          .where({ 'e.project_id': auth.projectId, 'e.event_id': params.event_id })
          .first();
        if (!row) throw notFound('event');
        return toEventItem(row);
      },
    }),
  ];
}
