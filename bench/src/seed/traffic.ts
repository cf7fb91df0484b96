/**
 * A web site's traffic, as the analytics projection would have stored it: rows of
 * `analytics.events` and the matching visits of `analytics.sessions` (docs/DESIGN.md, "Visits"),
 * for the reports benchmark (../benchmarks/reports.ts). Pure: it yields rows; ./load.ts copies them.
 *
 * The shape, meant to look like a real site's months:
 * - **Visitors**: each visit is a returning visitor's with probability 0.5 (recent visitors more
 *   often), else a new one's; 12% of visitors are signed in (`user_id`), every visitor has an
 *   `anonymous_id` (a v4 UUID, as the SDK makes). A visitor keeps one device and one country.
 * - **Time**: a daily rhythm (UTC: night at a fifth of the afternoon peak), a weekly one (weekends
 *   at 60%), and growth (the last day has 1.8× the first day's traffic).
 * - **Visits**: 1 page view, then another with probability 0.5, then 0.6 each; per page view a
 *   `page_leave` (85%, `metadata.duration_ms` the time on the page, `scroll_depth` 11–100 with it) and engagement events (30%: one or two, names on a long tail); gaps of 45 s
 *   on average. Bounce follows (one page view, no engagement), as the projection computes it.
 * - **Pages** (20,000), **referring sites** (30,000), **UTM campaigns** (300), **countries** (60) on
 *   Zipf tails; sources as the projection names them (projections/src/analytics/sources.ts): 45%
 *   direct, search engines, social sites, and other sites named by their host; 8% of visits come
 *   with UTM values. One page view in 2,000 has a 3 KB query string (URLs may be 6 KB).
 * - **Bots**: `botShare` of the events carry `context.bot`; as the projection does, they make no
 *   visit.
 *
 * The count is exact: `events` rows in all, humans first up to their share, bots filling the rest.
 * The site's catalogue, tails and rhythms are ./site.ts's, the rows' columns ./columns.ts's; this file
 * makes the rows.
 */
import { randomUUID } from 'node:crypto';
import { pageLeaveMeasures, pagePath } from '@eventlens/read-model';
import { exponential, seededRandom, zipf } from './random';
import {
  bot,
  BOTS,
  campaign,
  COUNTRIES,
  country,
  DAY_MS,
  dayWeights,
  element,
  ENGAGEMENT,
  engagement,
  hour,
  HOUR_MS,
  LANGUAGES,
  otherHost,
  otherSite,
  PAGES,
  pageUrl,
  plan,
  PLANS,
  profile,
  PROFILES,
  referralKind,
  REFERRALS,
  SITE,
  UTM_SOURCES,
  utmSource,
} from './site';
import { E, EVENT_COLUMNS, V, VISIT_COLUMNS, type Cell } from './columns';

// --- The generator --------------------------------------------------------------------------

export interface TrafficOptions {
  projectId: string;
  /** Rows of analytics.events in all, bots included. */
  events: number;
  /** The first instant (inclusive) and the last (exclusive) of the traffic, epoch ms. */
  from: number;
  to: number;
  /** The share of events marked as bot traffic (default 0.03). */
  botShare?: number;
  /** The seed of the shape (default 1). */
  seed?: number;
}

/** A UTC day of traffic: its events and the visits that start in it. */
export interface TrafficDay {
  day: string;
  events: Cell[][];
  visits: Cell[][];
}

const iso = (ms: number) => new Date(ms).toISOString();

interface Visitors {
  anonymous: string[];
  user: Array<string | null>;
  profile: number[];
  country: number[];
}

/**
 * The traffic, one UTC day at a time (a day's rows fit in memory; the caller copies each before
 * asking for the next). Visits are generated in order of their start within a day.
 */
export function* traffic(options: TrafficOptions): Generator<TrafficDay> {
  const { projectId, events: total, from, to } = options;
  if (!(to > from)) throw new Error('traffic: `to` must be after `from`');
  const random = seededRandom(options.seed ?? 1);
  const botTotal = Math.round(total * (options.botShare ?? 0.03));
  const humanTotal = total - botTotal;
  const days = dayWeights(from, to);
  const weightSum = days.reduce((a, d) => a + d.weight, 0);
  const visitors: Visitors = { anonymous: [], user: [], profile: [], country: [] };
  let humans = 0;
  let bots = 0;
  let cumulative = 0;
  const page = zipf(PAGES.length, 1.05);

  const pickVisitor = (): number => {
    const n = visitors.anonymous.length;
    if (n > 0 && random() < 0.5) return n - 1 - Math.floor(n * random() ** 2);
    visitors.anonymous.push(randomUUID());
    visitors.user.push(random() < 0.12 ? `user_${n + 1}` : null);
    visitors.profile.push(profile(random));
    visitors.country.push(country(random));
    return n;
  };

  /** A moment of the day [start, end), by the hourly rhythm. */
  const momentIn = (start: number, end: number): number => {
    const day = Math.floor(start / DAY_MS) * DAY_MS;
    for (let tries = 0; tries < 50; tries++) {
      const t = day + hour(random) * HOUR_MS + Math.floor(random() * HOUR_MS);
      if (t >= start && t < end) return t;
    }
    return start + Math.floor(random() * (end - start));
  };

  for (let d = 0; d < days.length; d++) {
    const { start, end, weight } = days[d]!;
    cumulative += weight;
    const last = d === days.length - 1;
    const humanGoal = last ? humanTotal : Math.round((humanTotal * cumulative) / weightSum);
    const botGoal = last ? total - humanGoal : Math.round((botTotal * cumulative) / weightSum);
    const visits: Array<{ start: number; events: Cell[][]; visit: Cell[] }> = [];
    while (humans < humanGoal) {
      const v = visit(momentIn(start, end), humanGoal - humans);
      humans += v.events.length;
      visits.push(v);
    }
    visits.sort((a, b) => a.start - b.start);
    const dayEvents = visits.flatMap((v) => v.events);
    // Bots: page views at any hour, of any page, in sessions no visit is made of.
    let botSession = randomUUID();
    const botAnonymous = randomUUID();
    const botEnd = last ? total - humans : botGoal;
    for (; bots < botEnd; bots++) {
      if (random() < 0.2) botSession = randomUUID();
      const ts = start + Math.floor(random() * (end - start));
      const row: Cell[] = new Array(EVENT_COLUMNS.length).fill(null);
      row[E.project_id] = projectId;
      row[E.event_id] = randomUUID();
      row[E.event_name] = 'page_view';
      row[E.session_id] = botSession;
      row[E.anonymous_id] = botAnonymous;
      row[E.ts] = iso(ts);
      row[E.received_at] = iso(ts + 80);
      row[E.url] = `${SITE}${PAGES[Math.floor(random() * PAGES.length)]}`;
      row[E.page] = pagePath(row[E.url] as string);
      row[E.metadata] = '{}';
      row[E.context] = JSON.stringify({ bot: BOTS[bot(random)] });
      dayEvents.push(row);
    }
    yield { day: iso(start).slice(0, 10), events: dayEvents, visits: visits.map((v) => v.visit) };
  }

  /** One visit starting at `t0`, of at most `budget` events (and none at or after `to`). */
  function visit(t0: number, budget: number) {
    const who = pickVisitor();
    const client = PROFILES[visitors.profile[who]!]!;
    const countryCode = COUNTRIES[visitors.country[who]!]!;
    const sessionId = randomUUID();
    const userId = visitors.user[who]!;
    const anonymousId = visitors.anonymous[who]!;
    const language = LANGUAGES[countryCode] ?? 'en-US';
    const context = JSON.stringify({ locale: language });

    // Where the visit came from: UTM values (8%), else a referrer (or none).
    let referrer: string | null = null;
    let source = 'Direct / None';
    let utm: {
      source: string;
      medium: string;
      campaign: string;
      term: string | null;
      content: string | null;
    } | null = null;
    if (random() < 0.08) {
      const u = UTM_SOURCES[utmSource(random)]!;
      utm = {
        source: u.value,
        medium: u.medium,
        campaign: `campaign-${campaign(random) + 1}`,
        term: random() < 0.2 ? `term-${Math.floor(random() * 50)}` : null,
        content: random() < 0.3 ? `variant-${Math.floor(random() * 4)}` : null,
      };
      source = u.source;
    }
    const kind = referralKind(random);
    if (kind === 1) {
      const k = otherSite(random);
      referrer = `https://${k % 3 === 0 ? 'www.' : ''}${otherHost(k)}/posts/${Math.floor(random() * 100)}`;
      if (!utm) source = otherHost(k);
    } else if (kind >= 2) {
      const r = REFERRALS[kind - 2]!;
      referrer = r.url(random);
      if (!utm) source = r.source;
    }

    const rows: Cell[][] = [];
    let pageViews = 0;
    let engagements = 0;
    let t = t0;
    let previousUrl: string | null = null;
    const event = (
      name: string,
      url: string,
      ref: string | null,
      metadata: Record<string, unknown>,
      entryUtm: boolean,
    ) => {
      const row: Cell[] = new Array(EVENT_COLUMNS.length).fill(null);
      row[E.project_id] = projectId;
      row[E.event_id] = randomUUID();
      row[E.event_name] = name;
      row[E.session_id] = sessionId;
      row[E.user_id] = userId;
      row[E.anonymous_id] = anonymousId;
      row[E.ts] = iso(t);
      row[E.received_at] = iso(t + 50 + Math.floor(random() * 400));
      row[E.client_sent_at] = iso(t + 20);
      row[E.url] = url;
      row[E.page] = pagePath(url);
      row[E.referrer] = ref;
      row[E.metadata] = JSON.stringify(metadata);
      const measures = pageLeaveMeasures(name, metadata);
      row[E.leave_duration_ms] = measures.durationMs;
      row[E.leave_scroll_depth] = measures.scrollDepth;
      row[E.context] = context;
      row[E.page_title] = `${url.slice(SITE.length).split('?')[0]} · Example`;
      if (entryUtm && utm) {
        row[E.utm_source] = utm.source;
        row[E.utm_medium] = utm.medium;
        row[E.utm_campaign] = utm.campaign;
        row[E.utm_term] = utm.term;
        row[E.utm_content] = utm.content;
      }
      row[E.screen_width] = client.sw;
      row[E.screen_height] = client.sh;
      row[E.language] = language;
      row[E.browser] = client.browser;
      row[E.browser_version] = client.bv;
      row[E.os] = client.os;
      row[E.os_version] = client.ov;
      row[E.device_type] = client.device;
      row[E.country] = countryCode;
      rows.push(row);
    };
    for (;;) {
      if (rows.length >= budget || t >= to) break;
      const path = PAGES[page(random)]!;
      let url = pageUrl(random, path);
      if (pageViews === 0 && utm) {
        const q = `utm_source=${utm.source}&utm_medium=${utm.medium}&utm_campaign=${utm.campaign}`;
        url = `${SITE}${path}?${q}`;
      }
      event('page_view', url, pageViews === 0 ? referrer : previousUrl, {}, pageViews === 0);
      pageViews++;
      const dwell = Math.min(30 * 60_000, Math.max(1000, exponential(random, 45_000)));
      const leaveAt = t + dwell;
      if (random() < 0.3) {
        const n = random() < 0.7 ? 1 : 2;
        for (let i = 0; i < n && rows.length < budget; i++) {
          t += 1 + Math.floor(random() * (dwell / 3));
          if (t >= to) break;
          const metadata = { element: `el-${element(random) + 1}`, plan: PLANS[plan(random)] };
          event(ENGAGEMENT[engagement(random)]!, url, previousUrl, metadata, false);
          engagements++;
        }
      }
      t = Math.max(t + 1, leaveAt);
      // As the SDK sends it: the time the page was shown and how far down it was seen (the Stats API's
      // time_on_page and scroll_depth read them); the longer on the page, the deeper, with no draw of
      // its own, so the rest of the data is what it was before scroll depth.
      const leave = { duration_ms: dwell, scroll_depth: Math.min(100, 10 + Math.floor(dwell / 1000)) };
      if (random() < 0.85 && rows.length < budget && t < to)
        event('page_leave', url, previousUrl, leave, false);
      previousUrl = url;
      const more = pageViews === 1 ? 0.5 : 0.6;
      if (random() >= more || pageViews >= 40) break;
      t += 500 + Math.floor(random() * 3000);
    }

    const first = rows[0]!;
    const lastRow = rows[rows.length - 1]!;
    const v: Cell[] = new Array(VISIT_COLUMNS.length).fill(null);
    v[V.project_id] = projectId;
    v[V.session_id] = sessionId;
    v[V.user_id] = userId;
    v[V.anonymous_id] = anonymousId;
    v[V.first_seen] = first[E.ts]!;
    v[V.last_seen] = lastRow[E.ts]!;
    v[V.event_count] = rows.length;
    v[V.page_views] = pageViews;
    v[V.engagement_events] = engagements;
    v[V.entry_url] = first[E.url]!;
    v[V.exit_url] = lastRow[E.url]!;
    v[V.entry_event_id] = first[E.event_id]!;
    v[V.exit_event_id] = lastRow[E.event_id]!;
    v[V.entry_path] = pagePath(first[E.url] as string);
    v[V.exit_path] = pagePath(lastRow[E.url] as string);
    v[V.entry_referrer] = referrer;
    v[V.source] = source;
    v[V.utm_source] = utm?.source ?? null;
    v[V.utm_medium] = utm?.medium ?? null;
    v[V.utm_campaign] = utm?.campaign ?? null;
    v[V.utm_term] = utm?.term ?? null;
    v[V.utm_content] = utm?.content ?? null;
    v[V.browser] = client.browser;
    v[V.os] = client.os;
    v[V.device_type] = client.device;
    v[V.country] = countryCode;
    v[V.is_bot] = false;
    // Every event of the visit has the same key (read-model analytics 007), as an array literal.
    v[V.visitor_keys] = `{"${userId ?? anonymousId}"}`;
    return { start: t0, events: rows, visit: v };
  }
}
