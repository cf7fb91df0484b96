/**
 * The aggregates of one batch, computed in memory from the event rows that were actually inserted
 * (invariant 3: a duplicate event id never reaches this function) and then merged into the tables
 * with one upsert each. Pure; every list comes sorted by its table's primary key, so concurrent
 * batches lock rows in the same order and do not deadlock.
 *
 * Merging is order-independent, so a batch may arrive in any order relative to another one
 * (other partitions, retries, replays): counts add up, first/last seen take the min/max, and the
 * entry/exit URL belong to the event that is first/last by (ts, event_id) — the tie-break makes
 * the result the same whatever the arrival order. A session is a visit: its attributes (source,
 * UTM values, browser, OS, device, country, entry path and referrer) are the entry event's, so they
 * move with the entry when a later batch brings an earlier event (./visits.ts; docs/DESIGN.md, "Visits").
 */
import { BOT_CONTEXT_KEY } from '@eventlens/contracts';
import { EXCLUDED_CONTEXT_KEY } from '@eventlens/read-model';
import type { EventRow } from './rows';
import { visitOf, type VisitFields } from './visits';

export interface VolumeRow {
  project_id: string;
  /** Epoch ms of the minute. */
  minute: number;
  event_name: string;
  count: number;
}

export interface SessionCounts {
  project_id: string;
  session_id: string;
  /** Of the latest event (by ts, event_id) that has one. */
  user_id: string | null;
  anonymous_id: string | null;
  first_seen: number;
  last_seen: number;
  event_count: number;
  page_views: number;
  entry_url: string | null;
  exit_url: string | null;
  entry_event_id: string;
  exit_event_id: string;
  /** Events other than `page_view` and `page_leave`, and not marked non-interactive (`isEngagement`). */
  engagement_events: number;
  /**
   * The distinct visitor keys (`userKey`) of the batch's events of the visit, sorted; empty when
   * none has either id. apply.ts merges them into the row's `visitor_keys`.
   */
  visitor_keys: string[];
}

/** A session as the visit it is: the counts above, and the entry event's attributes. */
export type SessionRow = SessionCounts &
  VisitFields & {
    /** Path of exit_url (`pagePath`), null when it has no URL. */
    exit_path: string | null;
  };

export interface PageRow {
  project_id: string;
  hour: number;
  path: string;
  views: number;
}

export interface DailyUserRow {
  project_id: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
  user_key: string;
}

export interface NameRow {
  project_id: string;
  event_name: string;
  count: number;
  last_seen: number;
}

/**
 * Events counted apart per project and UTC day, left out of every report: bot traffic
 * (`isBotTraffic`, bot_events_day) or a project's excluded traffic (`isExcludedTraffic`,
 * excluded_events_day).
 */
export interface BotRow {
  project_id: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
  count: number;
}

export interface Aggregates {
  volume: VolumeRow[];
  bots: BotRow[];
  /** Events from the project's excluded address ranges that are not bot traffic (those count as bots). */
  excluded: BotRow[];
  sessions: SessionRow[];
  pages: PageRow[];
  dailyUsers: DailyUserRow[];
  names: NameRow[];
}

export const PAGE_VIEW = 'page_view';
/** Sent by the SDK when a page is left (sdk/src/pageviews.ts): the end of a view, not an interaction. */
export const PAGE_LEAVE = 'page_leave';

/**
 * The context key and value that say an event is no interaction: what the ingestion API's
 * `POST /api/event` writes for Plausible's `interactive: false` (command-side ingest/plausible.ts),
 * and any sender may set on its own events.
 */
export const INTERACTIVE_CONTEXT_KEY = 'interactive';
export const NOT_INTERACTIVE = 'false';

/**
 * An engagement event: anything the visitor did besides viewing and leaving pages (a click, a
 * signup, any custom event), unless it is marked non-interactive (context `interactive: "false"`,
 * Plausible's `interactive: false`: a video autoplaying, a scroll depth sent by a script). A visit
 * with one page view and no engagement event is a bounce (the `bounced` column), as in Plausible;
 * page_leave does not count, since the SDK sends it for every view. docs/DESIGN.md, "Visits".
 */
export function isEngagement(row: Pick<EventRow, 'event_name' | 'context'>): boolean {
  return (
    row.event_name !== PAGE_VIEW &&
    row.event_name !== PAGE_LEAVE &&
    row.context[INTERACTIVE_CONTEXT_KEY] !== NOT_INTERACTIVE
  );
}
const MINUTE = 60_000;
const HOUR = 3_600_000;

/**
 * Bot traffic: the ingestion API marked the event with the context key `bot` (what the request's
 * User-Agent was recognised as; command-side `ingest/bots.ts`). Such an event stays in the events
 * table, visible in the explorer, and is left out of every aggregate the reports read.
 */
export function isBotTraffic(row: Pick<EventRow, 'context'>): boolean {
  return Object.hasOwn(row.context, BOT_CONTEXT_KEY);
}

/**
 * A project's own traffic: the ingestion API marked the event with the context key `excluded`
 * (`address`: it came from one of the project's excluded address ranges, command-side
 * `ingest/routes.ts`). Like bot traffic it stays in the events table, visible in the explorer, and
 * is left out of every aggregate the reports read; it is counted apart in `excluded`. An event that
 * is both is counted as bot traffic, so every event left out is counted once.
 */
export function isExcludedTraffic(row: Pick<EventRow, 'context'>): boolean {
  return Object.hasOwn(row.context, EXCLUDED_CONTEXT_KEY);
}

/** Who counts as a daily user: the identified user, else the anonymous id, else nobody. */
export function userKey(row: Pick<EventRow, 'user_id' | 'anonymous_id'>): string | null {
  return row.user_id ?? row.anonymous_id ?? null;
}

/**
 * The ISO 8601 text (UTC) of the start of the `unitMs` bucket a timestamp falls in, cut to `chars`
 * characters, memoised per bucket: a batch spans a few minutes and days, and `toISOString` for
 * every row was a visible share of the projection's CPU. Each memo keeps at most 10,000 buckets.
 */
export function utcBucketText(unitMs: number, chars: number): (ts: number) => string {
  const memo = new Map<number, string>();
  return (ts) => {
    const bucket = Math.floor(ts / unitMs);
    let text = memo.get(bucket);
    if (text === undefined) {
      text = new Date(bucket * unitMs).toISOString().slice(0, chars);
      if (memo.size > 10_000) memo.clear();
      memo.set(bucket, text);
    }
    return text;
  };
}

/** YYYY-MM-DD (UTC) of a timestamp. */
export const utcDay = utcBucketText(86_400_000, 10);

/** (ts, event_id) order: is `a` earlier than `b`? */
export function isEarlier(a: { ts: number; id: string }, b: { ts: number; id: string }): boolean {
  return a.ts < b.ts || (a.ts === b.ts && a.id < b.id);
}

type SessionState = SessionCounts & {
  userTs: number;
  userId: string;
  anonTs: number;
  anonId: string;
  /** The events that are entry and exit so far: the visit's attributes are derived from them once, at the end. */
  entry: EventRow;
  exit: EventRow;
};

/** A map of maps: keys stay primitives, so no key string is built per row. */
function child<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
const maps = <K, V>() => new Map<K, V>();

export function aggregate(rows: readonly EventRow[]): Aggregates {
  // project → minute → name, project → name, project → hour → path, project → day → user, project → session
  const volume = new Map<string, Map<number, Map<string, VolumeRow>>>();
  const names = new Map<string, Map<string, NameRow>>();
  const pages = new Map<string, Map<number, Map<string, PageRow>>>();
  const dailyUsers = new Map<string, Map<string, Map<string, DailyUserRow>>>();
  const sessions = new Map<string, Map<string, SessionState>>();
  const bots = new Map<string, Map<string, BotRow>>();
  const excluded = new Map<string, Map<string, BotRow>>();

  for (const row of rows) {
    const project = row.project_id;
    const apart = isBotTraffic(row) ? bots : isExcludedTraffic(row) ? excluded : undefined;
    if (apart !== undefined) {
      const day = utcDay(row.ts);
      const byDay = child(apart, project, maps<string, BotRow>);
      const b = byDay.get(day);
      if (b) b.count++;
      else byDay.set(day, { project_id: project, day, count: 1 });
      continue;
    }
    const minute = Math.floor(row.ts / MINUTE) * MINUTE;
    const byName = child(
      child(volume, project, maps<number, Map<string, VolumeRow>>),
      minute,
      maps<string, VolumeRow>,
    );
    const v = byName.get(row.event_name);
    if (v) v.count++;
    else byName.set(row.event_name, { project_id: project, minute, event_name: row.event_name, count: 1 });

    const projectNames = child(names, project, maps<string, NameRow>);
    const n = projectNames.get(row.event_name);
    if (n) {
      n.count++;
      if (row.ts > n.last_seen) n.last_seen = row.ts;
    } else
      projectNames.set(row.event_name, {
        project_id: project,
        event_name: row.event_name,
        count: 1,
        last_seen: row.ts,
      });

    const isPageView = row.event_name === PAGE_VIEW;
    if (isPageView && row.page !== null) {
      const hour = Math.floor(row.ts / HOUR) * HOUR;
      const path = row.page;
      const byPath = child(
        child(pages, project, maps<number, Map<string, PageRow>>),
        hour,
        maps<string, PageRow>,
      );
      const p = byPath.get(path);
      if (p) p.views++;
      else byPath.set(path, { project_id: project, hour, path, views: 1 });
    }

    const key = userKey(row);
    if (key !== null) {
      const day = utcDay(row.ts);
      const users = child(
        child(dailyUsers, project, maps<string, Map<string, DailyUserRow>>),
        day,
        maps<string, DailyUserRow>,
      );
      if (!users.has(key)) users.set(key, { project_id: project, day, user_key: key });
    }

    if (row.session_id !== null) {
      const projectSessions = child(sessions, project, maps<string, SessionState>);
      const me = { ts: row.ts, id: row.event_id };
      const s = projectSessions.get(row.session_id);
      if (!s) {
        projectSessions.set(row.session_id, {
          project_id: project,
          session_id: row.session_id,
          user_id: row.user_id,
          anonymous_id: row.anonymous_id,
          first_seen: row.ts,
          last_seen: row.ts,
          event_count: 1,
          page_views: isPageView ? 1 : 0,
          entry_url: row.url,
          exit_url: row.url,
          entry_event_id: row.event_id,
          exit_event_id: row.event_id,
          engagement_events: isEngagement(row) ? 1 : 0,
          visitor_keys: key === null ? [] : [key],
          entry: row,
          exit: row,
          userTs: row.user_id === null ? -Infinity : row.ts,
          userId: row.user_id === null ? '' : row.event_id,
          anonTs: row.anonymous_id === null ? -Infinity : row.ts,
          anonId: row.anonymous_id === null ? '' : row.event_id,
        });
        continue;
      }
      s.event_count++;
      if (isPageView) s.page_views++;
      // Nearly always one key per visit (two when a user id appears mid-visit): a scan, not a Set.
      if (key !== null && !s.visitor_keys.includes(key)) s.visitor_keys.push(key);
      if (isEngagement(row)) s.engagement_events++;
      if (isEarlier(me, { ts: s.first_seen, id: s.entry_event_id })) {
        s.first_seen = row.ts;
        s.entry_url = row.url;
        s.entry_event_id = row.event_id;
        s.entry = row;
      }
      if (isEarlier({ ts: s.last_seen, id: s.exit_event_id }, me)) {
        s.last_seen = row.ts;
        s.exit_url = row.url;
        s.exit_event_id = row.event_id;
        s.exit = row;
      }
      if (row.user_id !== null && isEarlier({ ts: s.userTs, id: s.userId }, me)) {
        s.user_id = row.user_id;
        s.userTs = row.ts;
        s.userId = row.event_id;
      }
      if (row.anonymous_id !== null && isEarlier({ ts: s.anonTs, id: s.anonId }, me)) {
        s.anonymous_id = row.anonymous_id;
        s.anonTs = row.ts;
        s.anonId = row.event_id;
      }
    }
  }

  return {
    volume: sortBy(leaves(volume, 3), (r) => [r.project_id, r.minute, r.event_name]),
    bots: sortBy(leaves(bots, 2), (r) => [r.project_id, r.day]),
    excluded: sortBy(leaves(excluded, 2), (r) => [r.project_id, r.day]),
    sessions: sortBy(leaves<SessionState>(sessions, 2).map(sessionRow), (r) => [r.project_id, r.session_id]),
    pages: sortBy(leaves(pages, 3), (r) => [r.project_id, r.hour, r.path]),
    dailyUsers: sortBy(leaves(dailyUsers, 3), (r) => [r.project_id, r.day, r.user_key]),
    names: sortBy(leaves(names, 2), (r) => [r.project_id, r.event_name]),
  };
}

/** The row of a session's state: its counts, exit path and visit attributes, written out (no spread: it is hot). */
function sessionRow(s: SessionState): SessionRow {
  const visit = visitOf(s.entry);
  return {
    project_id: s.project_id,
    session_id: s.session_id,
    user_id: s.user_id,
    anonymous_id: s.anonymous_id,
    first_seen: s.first_seen,
    last_seen: s.last_seen,
    event_count: s.event_count,
    page_views: s.page_views,
    entry_url: s.entry_url,
    exit_url: s.exit_url,
    entry_event_id: s.entry_event_id,
    exit_event_id: s.exit_event_id,
    engagement_events: s.engagement_events,
    // Sorted, so that the rows are the same whatever order the events came in.
    visitor_keys: s.visitor_keys.length > 1 ? s.visitor_keys.sort() : s.visitor_keys,
    exit_path: s.exit.page,
    entry_path: visit.entry_path,
    entry_referrer: visit.entry_referrer,
    source: visit.source,
    utm_source: visit.utm_source,
    utm_medium: visit.utm_medium,
    utm_campaign: visit.utm_campaign,
    utm_term: visit.utm_term,
    utm_content: visit.utm_content,
    browser: visit.browser,
    browser_version: visit.browser_version,
    os: visit.os,
    os_version: visit.os_version,
    device_type: visit.device_type,
    country: visit.country,
  };
}

/** The rows at the bottom of a map of maps, `depth` levels deep. */
function leaves<T>(map: Map<unknown, unknown>, depth: number): T[] {
  const out: T[] = [];
  const walk = (node: Map<unknown, unknown>, level: number) => {
    for (const value of node.values()) {
      if (level === 1) out.push(value as T);
      else walk(value as Map<unknown, unknown>, level - 1);
    }
  };
  walk(map, depth);
  return out;
}

function sortBy<T>(items: T[], key: (item: T) => (string | number)[]): T[] {
  return items
    .map((item) => ({ item, key: key(item) }))
    .sort((a, b) => {
      for (let i = 0; i < a.key.length; i++) {
        const x = a.key[i]!;
        const y = b.key[i]!;
        if (x < y) return -1;
        if (x > y) return 1;
      }
      return 0;
    })
    .map(({ item }) => item);
}
