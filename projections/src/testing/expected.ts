/**
 * The test oracle: what every analytics read model must contain for a list of produced events,
 * computed the simple way (a separate implementation from src/analytics), and the same read
 * models as they are in PostgreSQL, normalised for `toEqual`.
 */
import type { EventTracked } from '@eventlens/contracts';
import { ident, type Pool } from '../db';

export interface ReadModels {
  /** `page`: the URL's path (the tests' URLs are absolute, without hash routes), null without a URL. */
  events: { project_id: string; event_id: string; event_name: string; ts: number; page: string | null }[];
  volume: { project_id: string; minute: number; event_name: string; count: number }[];
  sessions: {
    project_id: string;
    session_id: string;
    user_id: string | null;
    first_seen: number;
    last_seen: number;
    event_count: number;
    page_views: number;
    duration_ms: number;
    entry_url: string | null;
    exit_url: string | null;
  }[];
  pages: { project_id: string; hour: number; path: string; views: number }[];
  dailyUsers: { project_id: string; day: string; user_key: string }[];
  names: { project_id: string; event_name: string; count: number; last_seen: number }[];
  bots: { project_id: string; day: string; count: number }[];
}

const byKey =
  <T>(key: (row: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

export function expectedReadModels(produced: readonly EventTracked[]): ReadModels {
  const unique = new Map<string, EventTracked>();
  for (const e of produced) {
    const key = `${e.project_id}|${e.event_id}`;
    if (!unique.has(key)) unique.set(key, e);
  }
  const all = [...unique.values()];
  // Bot traffic (context.bot) is in the events table and counted apart; every other model leaves it out.
  const isBot = (e: EventTracked) => Object.hasOwn(e.context, 'bot');
  const events = all.filter((e) => !isBot(e));
  const tally = <T>(rows: T[], key: (r: T) => string, make: (r: T) => object) => {
    const out = new Map<string, Record<string, unknown>>();
    for (const r of rows) {
      const k = key(r);
      const existing = out.get(k);
      if (existing) existing.n = (existing.n as number) + 1;
      else out.set(k, { ...make(r), n: 1 });
    }
    return [...out.values()];
  };
  const minute = (ts: number) => ts - (ts % 60_000);
  const hour = (ts: number) => ts - (ts % 3_600_000);
  const earlier = (a: EventTracked, b: EventTracked) =>
    a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.event_id < b.event_id);

  const sessions = new Map<string, EventTracked[]>();
  for (const e of events) {
    if (e.session_id === null) continue;
    const k = `${e.project_id}|${e.session_id}`;
    sessions.set(k, [...(sessions.get(k) ?? []), e]);
  }

  const daily = new Map<string, { project_id: string; day: string; user_key: string }>();
  for (const e of events) {
    const user = e.user_id ?? e.anonymous_id;
    if (user === null) continue;
    const day = new Date(e.timestamp).toISOString().slice(0, 10);
    daily.set(`${e.project_id}|${day}|${user}`, { project_id: e.project_id, day, user_key: user });
  }

  return {
    events: all
      .map((e) => ({
        project_id: e.project_id,
        event_id: e.event_id,
        event_name: e.event_name,
        ts: e.timestamp,
        // The path as sent: URL percent-encodes what is not ASCII, which decodeURI undoes.
        page: e.url === null ? null : decodeURI(new URL(e.url).pathname),
      }))
      .sort(byKey((r) => `${r.project_id}|${r.event_id}`)),
    volume: tally(
      events,
      (e) => `${e.project_id}|${minute(e.timestamp)}|${e.event_name}`,
      (e) => ({ project_id: e.project_id, minute: minute(e.timestamp), event_name: e.event_name }),
    )
      .map(({ n, ...r }) => ({ ...r, count: n }) as ReadModels['volume'][number])
      .sort(byKey((r) => `${r.project_id}|${r.minute}|${r.event_name}`)),
    sessions: [...sessions.values()]
      .map((list) => {
        const first = list.reduce((a, b) => (earlier(b, a) ? b : a));
        const last = list.reduce((a, b) => (earlier(a, b) ? b : a));
        return {
          project_id: first.project_id,
          session_id: first.session_id!,
          user_id: list.find((e) => e.user_id !== null)?.user_id ?? null,
          first_seen: first.timestamp,
          last_seen: last.timestamp,
          event_count: list.length,
          page_views: list.filter((e) => e.event_name === 'page_view').length,
          duration_ms: last.timestamp - first.timestamp,
          entry_url: first.url,
          exit_url: last.url,
        };
      })
      .sort(byKey((r) => `${r.project_id}|${r.session_id}`)),
    pages: tally(
      events.filter((e) => e.event_name === 'page_view' && e.url !== null),
      (e) => `${e.project_id}|${hour(e.timestamp)}|${new URL(e.url!).pathname}`,
      (e) => ({
        project_id: e.project_id,
        hour: hour(e.timestamp),
        path: decodeURI(new URL(e.url!).pathname),
      }),
    )
      .map(({ n, ...r }) => ({ ...r, views: n }) as ReadModels['pages'][number])
      .sort(byKey((r) => `${r.project_id}|${r.hour}|${r.path}`)),
    dailyUsers: [...daily.values()].sort(byKey((r) => `${r.project_id}|${r.day}|${r.user_key}`)),
    names: tally(
      events,
      (e) => `${e.project_id}|${e.event_name}`,
      (e) => ({ project_id: e.project_id, event_name: e.event_name }),
    )
      .map(({ n, ...r }) => {
        const row = r as { project_id: string; event_name: string };
        const lastSeen = Math.max(
          ...events
            .filter((e) => e.project_id === row.project_id && e.event_name === row.event_name)
            .map((e) => e.timestamp),
        );
        return { ...row, count: n as number, last_seen: lastSeen };
      })
      .sort(byKey((r) => `${r.project_id}|${r.event_name}`)),
    bots: tally(
      all.filter(isBot),
      (e) => `${e.project_id}|${new Date(e.timestamp).toISOString().slice(0, 10)}`,
      (e) => ({ project_id: e.project_id, day: new Date(e.timestamp).toISOString().slice(0, 10) }),
    )
      .map(({ n, ...r }) => ({ ...r, count: n }) as ReadModels['bots'][number])
      .sort(byKey((r) => `${r.project_id}|${r.day}`)),
  };
}

const ms = (column: string) => `(extract(epoch from ${column}) * 1000)::float8 as ${column}`;

export async function readModels(
  pool: Pool,
  schema: string,
  projectIds?: readonly string[],
): Promise<ReadModels> {
  const s = ident(schema);
  const where = projectIds ? 'where project_id = any($1::uuid[])' : '';
  const values = projectIds ? [projectIds] : [];
  const q = async <T>(sql: string) => (await pool.query(sql, values)).rows as T[];
  const num = <T extends Record<string, unknown>>(rows: T[], fields: (keyof T)[]) =>
    rows.map((r) => {
      const out = { ...r };
      for (const f of fields) if (out[f] !== null) (out as Record<keyof T, unknown>)[f] = Number(out[f]);
      return out;
    });
  return {
    events: num(
      await q<ReadModels['events'][number]>(
        `select project_id::text, event_id::text, event_name, ${ms('ts')}, page from ${s}.events ${where}`,
      ),
      ['ts'],
    ).sort(byKey((r) => `${r.project_id}|${r.event_id}`)),
    volume: num(
      await q<ReadModels['volume'][number]>(
        `select project_id::text, ${ms('minute')}, event_name, count from ${s}.volume_minute ${where}`,
      ),
      ['minute', 'count'],
    ).sort(byKey((r) => `${r.project_id}|${r.minute}|${r.event_name}`)),
    sessions: num(
      await q<ReadModels['sessions'][number]>(
        `select project_id::text, session_id, user_id, ${ms('first_seen')}, ${ms('last_seen')}, event_count,
                page_views, duration_ms, entry_url, exit_url
           from ${s}.sessions ${where}`,
      ),
      ['first_seen', 'last_seen', 'event_count', 'page_views', 'duration_ms'],
    ).sort(byKey((r) => `${r.project_id}|${r.session_id}`)),
    pages: num(
      await q<ReadModels['pages'][number]>(
        `select project_id::text, ${ms('hour')}, path, views from ${s}.page_views_hour ${where}`,
      ),
      ['hour', 'views'],
    ).sort(byKey((r) => `${r.project_id}|${r.hour}|${r.path}`)),
    dailyUsers: (
      await q<ReadModels['dailyUsers'][number]>(
        `select project_id::text, day::text, user_key from ${s}.daily_users ${where}`,
      )
    ).sort(byKey((r) => `${r.project_id}|${r.day}|${r.user_key}`)),
    names: num(
      await q<ReadModels['names'][number]>(
        `select project_id::text, event_name, count, ${ms('last_seen')} from ${s}.event_names ${where}`,
      ),
      ['count', 'last_seen'],
    ).sort(byKey((r) => `${r.project_id}|${r.event_name}`)),
    bots: num(
      await q<ReadModels['bots'][number]>(
        `select project_id::text, day::text, count from ${s}.bot_events_day ${where}`,
      ),
      ['count'],
    ).sort(byKey((r) => `${r.project_id}|${r.day}`)),
  };
}
