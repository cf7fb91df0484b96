/**
 * The reports' traffic: the exact event count, visits consistent with their events (as the
 * analytics projection would have built them), bots outside every visit, the rhythms and tails.
 */
import { describe, expect, test } from 'vitest';
import { pagePath } from '@eventlens/read-model';
import { dayWeights, WEEKLY } from './site';
import { E, EVENT_COLUMNS, V, VISIT_COLUMNS, type Cell } from './columns';
import { traffic } from './traffic';

const DAY = 86_400_000;
const project = '00000000-0000-4000-8000-000000000001';
// 28 whole UTC days from a Monday.
const from = Date.UTC(2025, 0, 6);
const to = from + 28 * DAY;

function all(events = 20_000, botShare = 0.03) {
  const ev: Cell[][] = [];
  const vi: Cell[][] = [];
  for (const day of traffic({ projectId: project, events, from, to, botShare, seed: 11 })) {
    ev.push(...day.events);
    vi.push(...day.visits);
  }
  return { ev, vi };
}
const { ev, vi } = all();
const isBot = (row: Cell[]) => (JSON.parse(row[E.context] as string) as { bot?: string }).bot !== undefined;
const time = (cell: Cell | undefined) => Date.parse(cell as string);

describe('traffic', () => {
  test('yields exactly the events asked for, bots their share, every row of the columns’ width', () => {
    expect(ev).toHaveLength(20_000);
    expect(ev.filter(isBot)).toHaveLength(600);
    expect(ev.every((r) => r.length === EVENT_COLUMNS.length)).toBe(true);
    expect(vi.every((r) => r.length === VISIT_COLUMNS.length)).toBe(true);
    expect(new Set(ev.map((r) => r[E.event_id])).size).toBe(20_000);
    expect(ev.every((r) => time(r[E.ts]) >= from && time(r[E.ts]) < to)).toBe(true);
  });

  test('each page_leave carries the time on its page and its scroll depth, as the SDK sends them', () => {
    const leaves = ev.filter((r) => r[E.event_name] === 'page_leave');
    expect(leaves.length).toBeGreaterThan(1000);
    const depths = new Set<number>();
    for (const r of leaves) {
      const metadata = JSON.parse(r[E.metadata] as string) as { duration_ms: number; scroll_depth: number };
      expect(metadata.duration_ms).toBeGreaterThanOrEqual(1000);
      expect(metadata.duration_ms).toBeLessThanOrEqual(30 * 60_000);
      expect(Number.isInteger(metadata.scroll_depth)).toBe(true);
      expect(metadata.scroll_depth).toBeGreaterThanOrEqual(11);
      expect(metadata.scroll_depth).toBeLessThanOrEqual(100);
      depths.add(metadata.scroll_depth);
      // The measures the reports read, as the projection writes them from the metadata.
      expect([r[E.leave_duration_ms], r[E.leave_scroll_depth]]).toEqual([
        metadata.duration_ms,
        metadata.scroll_depth,
      ]);
    }
    expect(depths.size).toBeGreaterThan(50); // a spread, not one value
    const others = ev.filter((r) => r[E.event_name] !== 'page_leave');
    expect(others.every((r) => r[E.leave_duration_ms] === null && r[E.leave_scroll_depth] === null)).toBe(
      true,
    );
  });

  test('each visit is its human events: counts, visitor keys, first and last, entry and exit, bounce', () => {
    const bySession = new Map<string, Cell[][]>();
    for (const r of ev.filter((r) => !isBot(r))) {
      const list = bySession.get(r[E.session_id] as string) ?? [];
      list.push(r);
      bySession.set(r[E.session_id] as string, list);
    }
    expect(bySession.size).toBe(vi.length);
    for (const v of vi) {
      const rows = bySession.get(v[V.session_id] as string)!;
      const sorted = [...rows].sort((a, b) => time(a[E.ts]) - time(b[E.ts]));
      const first = sorted[0]!;
      const last = sorted.at(-1)!;
      expect(v[V.event_count]).toBe(rows.length);
      expect(v[V.page_views]).toBe(rows.filter((r) => r[E.event_name] === 'page_view').length);
      const keys = [...new Set(rows.map((r) => r[E.user_id] ?? r[E.anonymous_id]))];
      expect(v[V.visitor_keys]).toBe(`{${keys.map((k) => `"${k}"`).join(',')}}`);
      expect(v[V.engagement_events]).toBe(
        rows.filter((r) => r[E.event_name] !== 'page_view' && r[E.event_name] !== 'page_leave').length,
      );
      expect([v[V.first_seen], v[V.last_seen]]).toEqual([first[E.ts], last[E.ts]]);
      expect([v[V.entry_event_id], v[V.exit_event_id]]).toEqual([first[E.event_id], last[E.event_id]]);
      expect([v[V.entry_url], v[V.exit_url]]).toEqual([first[E.url], last[E.url]]);
      expect(v[V.entry_path]).toBe(pagePath(first[E.url] as string));
      expect(v[V.entry_referrer]).toBe(first[E.referrer]);
      expect(first[E.event_name]).toBe('page_view');
      expect(v[V.utm_source]).toBe(first[E.utm_source]);
      expect([v[V.browser], v[V.os], v[V.device_type], v[V.country]]).toEqual([
        first[E.browser],
        first[E.os],
        first[E.device_type],
        first[E.country],
      ]);
      expect(
        rows.every((r) => r[E.anonymous_id] === v[V.anonymous_id] && r[E.user_id] === v[V.user_id]),
      ).toBe(true);
      // Times strictly increase within a visit, so entry and exit need no tie-break.
      expect(new Set(rows.map((r) => r[E.ts])).size).toBe(rows.length);
    }
  });

  test('bots make no visit; visits and bounces in plausible proportions', () => {
    const sessions = new Set<Cell | undefined>(vi.map((v) => v[V.session_id]));
    expect(ev.filter(isBot).some((r) => sessions.has(r[E.session_id]))).toBe(false);
    const bounced =
      vi.filter((v) => v[V.page_views] === 1 && v[V.engagement_events] === 0).length / vi.length;
    expect(bounced).toBeGreaterThan(0.25);
    expect(bounced).toBeLessThan(0.5);
    const perVisit = (ev.length - 600) / vi.length;
    expect(perVisit).toBeGreaterThan(3.5);
    expect(perVisit).toBeLessThan(7);
  });

  test('many visitors, most of them with one visit; some signed in', () => {
    const visitors = new Map<Cell | undefined, number>();
    for (const v of vi)
      visitors.set(
        v[V.user_id] ?? v[V.anonymous_id],
        (visitors.get(v[V.user_id] ?? v[V.anonymous_id]) ?? 0) + 1,
      );
    expect(visitors.size).toBeGreaterThan(vi.length * 0.3);
    expect(visitors.size).toBeLessThan(vi.length * 0.7);
    expect(vi.some((v) => v[V.user_id] !== null)).toBe(true);
    expect([...visitors.values()].filter((n) => n === 1).length).toBeGreaterThan(visitors.size * 0.4);
  });

  test('long tails: pages and referring sites, with a head that takes a large share', () => {
    const pages = new Map<string, number>();
    for (const r of ev)
      if (r[E.event_name] === 'page_view')
        pages.set(pagePath(r[E.url] as string), (pages.get(pagePath(r[E.url] as string)) ?? 0) + 1);
    const counts = [...pages.values()].sort((a, b) => b - a);
    expect(pages.get('/')).toBe(counts[0]);
    expect(pages.size).toBeGreaterThan(1500);
    expect(counts.filter((c) => c === 1).length).toBeGreaterThan(800);
    const sources = new Set(vi.map((v) => v[V.source]));
    expect(sources.has('Direct / None')).toBe(true);
    expect(sources.has('Google')).toBe(true);
    expect([...sources].filter((s) => String(s).endsWith('.example.org')).length).toBeGreaterThan(150);
  });

  test('a weekly and a daily rhythm: weekdays over weekends, afternoons over nights', () => {
    const byDow = new Array<number>(7).fill(0);
    const byHour = new Array<number>(24).fill(0);
    for (const v of vi) {
      const d = new Date(v[V.first_seen] as string);
      byDow[d.getUTCDay()]!++;
      byHour[d.getUTCHours()]!++;
    }
    expect(byDow[3]! / byDow[0]!).toBeGreaterThan(1.4);
    expect(byHour[14]! / byHour[3]!).toBeGreaterThan(4);
  });

  test('the same seed gives the same shape (ids aside)', () => {
    const shape = (rows: Cell[][]) => rows.slice(0, 500).map((r) => [r[E.event_name], r[E.ts], r[E.url]]);
    expect(shape(all().ev)).toEqual(shape(ev));
  });
});

describe('dayWeights', () => {
  test('covers [from, to) day by day, partial days in part, weekends lower, growth', () => {
    const days = dayWeights(from + DAY / 2, from + 14 * DAY);
    expect(days).toHaveLength(14);
    expect(days[0]!.start).toBe(from + DAY / 2);
    expect(days.at(-1)!.end).toBe(from + 14 * DAY);
    // Monday half a day, at the start of the growth.
    expect(days[0]!.weight).toBeCloseTo(0.5 * WEEKLY[1]!, 5);
    // Sunday (day 6) below Saturday's neighbour Friday (day 4), and the second Monday above the first's full weight.
    expect(days[6]!.weight).toBeLessThan(days[4]!.weight);
    expect(days[7]!.weight).toBeGreaterThan(WEEKLY[1]!);
  });
});
