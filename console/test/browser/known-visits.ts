/**
 * A known set of visits and the answers the reports must give for it, computed by hand (issue 14,
 * "Done when"): visitors, bounces, sources, devices, countries, funnel drop-offs, across a clock
 * change in America/New_York and around midnight in Asia/Kolkata (+05:30).
 * known-visits.browser.test.ts sends the set through the ingestion API and compares the Stats API
 * and the console with these answers.
 *
 * Nothing here counts anything: the events are declared, and every answer is written out below
 * with the working that gives it (the rules are docs/DESIGN.md, "Visits", and docs/stats-api.md).
 *
 * When. The set lies in the week around the latest clock change of America/New_York, so that the
 * console's Funnels screen, which offers only ranges relative to today (at most "12 months": this
 * month and the 11 before), always reaches it: the latest change is at most about 8 months ago.
 * The US rule (since 2007): clocks go back on the first Sunday of November at 02:00 EDT (01:00 to
 * 01:59 happens twice, a 25-hour day) and forward on the second Sunday of March at 02:00 EST
 * (02:00 to 02:59 never happens, a 23-hour day). The events are written as local wall-clock times
 * with their offsets, which differ between the two kinds of change (`before`, `after`), and the
 * answers that differ are written out for both.
 *
 * The visitors (client address → country by the ingestion API's packaged database, User-Agent →
 * browser, OS and device by ua-parser-js; both checked once in command-side's tests):
 *
 * | visitor | browser, OS, device              | address      | country |
 * | ------- | -------------------------------- | ------------ | ------- |
 * | a       | Chrome, Windows, desktop         | 81.2.69.142  | GB      |
 * | b       | Mobile Safari, iOS, mobile       | 2a01:e0a::1  | FR      |
 * | c       | Chrome, Windows, desktop         | 8.8.8.8      | US      |
 * | d       | Chrome, Android, mobile          | 49.44.0.1    | IN      |
 * | e       | Firefox, Mac OS, desktop         | 5.9.0.1      | DE      |
 * | f       | Mobile Safari, iOS, mobile       | 10.1.2.3     | (none)  |
 * | g       | Chrome, Windows, desktop         | 8.8.8.8      | US      |
 * | h       | Mobile Safari, iOS, mobile       | 2a01:e0a::1  | FR      |
 * | i       | Chrome, Android, mobile (a user) | 49.44.0.1    | IN      |
 * | bot     | Chrome Headless (bot traffic)    | 81.2.69.142  | —       |
 *
 * The visits (S is the Sunday of the change; times in New York unless marked IST; +n s after the
 * visit's first event; pv = page_view):
 *
 * | visit | who | starts              | source        | events                                                   | pv | bounce | duration |
 * | ----- | --- | ------------------- | ------------- | -------------------------------------------------------- | -- | ------ | -------- |
 * | V1    | a   | S-3 10:00           | Google        | pv / · +60 pv /pricing · +180 pv /signup · +200 signup_completed | 3 | no | 200 s |
 * | V2    | b   | S-3 11:15           | Direct / None | pv /                                                     | 1  | yes    | 0 s      |
 * | V3    | c   | S-2 09:00           | newsletter    | pv /pricing (utm) · +120 pv / · +150 page_leave /        | 2  | no     | 150 s    |
 * | V4    | d   | S-2 23:40 IST       | Twitter       | pv /blog/hello · +2400 pv /blog/second (00:20 IST, S-1)  | 2  | no     | 2400 s   |
 * | V5    | e   | S-1 00:05 IST       | Hacker News   | pv /                                                     | 1  | yes    | 0 s      |
 * | V6    | a   | S-1 21:30           | Google        | pv /docs · +30 cta_click                                 | 1  | no     | 30 s     |
 * | V7    | f   | S 01:40 (before)    | Direct / None | pv / · +1500 pv /pricing (after the change)              | 2  | no     | 1500 s   |
 * | V8    | g   | S, 10 min after the change | Google | pv /pricing                                              | 1  | yes    | 0 s      |
 * | V9    | h   | S 10:00             | Facebook      | pv / · +90 pv /pricing?plan=pro · +240 pv /signup · +250 signup_completed | 3 | no | 250 s |
 * | V10   | c   | S+1 09:30           | Direct / None | pv /signup · +20 page_leave /signup                      | 1  | yes    | 20 s     |
 * | V11   | i   | S+1 20:30           | newsletter    | pv / (utm) · +45 pv /pricing · +60 cta_click             | 2  | no     | 60 s     |
 * | VB    | bot | S-1 12:00           | (none: a bot makes no visit) | pv /                                      | –  | –      | –        |
 *
 * A bounce is one page view and no engagement event; page_leave is no engagement (V10 bounces,
 * V6 with its click does not). Custom events carry the page they happened on.
 *
 * The project's goals (`GOALS`): the event signup_completed, the page /pricing, the pattern /blog/*
 * and an event nobody sends.
 */

export const SITE = 'https://shop.example';

/**
 * The project's goals (PUT /v1/admin/projects/{id}/settings): a goal is reached by each event of
 * its name, or by each page view whose path matches its pattern (`*` any characters but `/`).
 */
export const GOALS = [
  { name: 'Signed up', event_name: 'signup_completed' },
  { name: 'Saw pricing', page_path: '/pricing' },
  { name: 'Read the blog', page_path: '/blog/*' },
  { name: 'Purchased', event_name: 'purchase' },
];

export type ClockChange = 'fall' | 'spring';

export interface Anchor {
  kind: ClockChange;
  /** The Sunday New York changes its clocks, YYYY-MM-DD. */
  sunday: string;
}

const DAY_MS = 86_400_000;

/** YYYY-MM-DD, `n` days after `date` (YYYY-MM-DD). */
export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** The `n`-th Sunday of a month (1–12) of a year, YYYY-MM-DD. */
function nthSunday(year: number, month: number, n: number): string {
  const weekday = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  return new Date(Date.UTC(year, month - 1, 1 + ((7 - weekday) % 7) + 7 * (n - 1)))
    .toISOString()
    .slice(0, 10);
}

/** New York's clock changes of a year, by the US rule since 2007. */
function changesOf(year: number): Anchor[] {
  return [
    { kind: 'spring', sunday: nthSunday(year, 3, 2) },
    { kind: 'fall', sunday: nthSunday(year, 11, 1) },
  ];
}

/**
 * The latest clock change whose whole set lies in the past at `now` (its last event is early on
 * S+2 in UTC; three days of margin), or, with `sunday` given (`KNOWN_VISITS_SUNDAY=2026-03-08`, to
 * run the other kind of change), that one, which must be one of the rule's Sundays.
 */
export function anchorAt(now: number, sunday?: string): Anchor {
  const year = new Date(now).getUTCFullYear();
  const all = [...changesOf(year - 1), ...changesOf(year)];
  if (sunday !== undefined) {
    const chosen = [...all, ...changesOf(Number(sunday.slice(0, 4)))].find((c) => c.sunday === sunday);
    if (!chosen) throw new Error(`${sunday} is no Sunday on which New York changes its clocks`);
    return chosen;
  }
  return all.filter((c) => Date.parse(`${c.sunday}T00:00:00Z`) + 3 * DAY_MS <= now).at(-1)!;
}

const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  iphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  android:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  firefoxMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0',
  headless:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36',
} as const;

export type VisitorKey = 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h' | 'i' | 'bot';

export interface Visitor {
  userAgent: string;
  /** The client address the request names (X-Forwarded-For through a trusted loopback hop). */
  address: string;
  /** An identified user: their events carry `user_id`, which is the visitor. */
  userId?: string;
}

export const VISITORS: Record<VisitorKey, Visitor> = {
  a: { userAgent: UA.chromeWindows, address: '81.2.69.142' },
  b: { userAgent: UA.iphone, address: '2a01:e0a::1' },
  c: { userAgent: UA.chromeWindows, address: '8.8.8.8' },
  d: { userAgent: UA.android, address: '49.44.0.1' },
  e: { userAgent: UA.firefoxMac, address: '5.9.0.1' },
  f: { userAgent: UA.iphone, address: '10.1.2.3' },
  g: { userAgent: UA.chromeWindows, address: '8.8.8.8' },
  h: { userAgent: UA.iphone, address: '2a01:e0a::1' },
  i: { userAgent: UA.android, address: '49.44.0.1', userId: 'known-user-i' },
  bot: { userAgent: UA.headless, address: '81.2.69.142' },
};

interface Hit {
  /** Seconds after the visit's first event. */
  at: number;
  name: string;
  path: string;
}

interface VisitDef {
  id: string;
  visitor: VisitorKey;
  /** The first event's instant: a local time with its offset (ISO 8601). */
  start: string;
  referrer?: string;
  /** The entry event's page context (the SDK's `utm_*` keys). */
  utm?: Record<string, string>;
  hits: Hit[];
}

const pv = (at: number, path: string): Hit => ({ at, name: 'page_view', path });
const ev = (at: number, name: string, path: string): Hit => ({ at, name, path });
const NEWSLETTER = { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'launch' };

/** The visits, as in the table at the top, for the change `anchor`. */
export function visitsOf(anchor: Anchor): VisitDef[] {
  const day = (n: number) => addDays(anchor.sunday, n);
  // New York's offset before and after the change; India's is +05:30 all year.
  const before = anchor.kind === 'fall' ? '-04:00' : '-05:00';
  const after = anchor.kind === 'fall' ? '-05:00' : '-04:00';
  return [
    {
      id: 'V1',
      visitor: 'a',
      start: `${day(-3)}T10:00:00${before}`,
      referrer: 'https://www.google.com/',
      hits: [pv(0, '/'), pv(60, '/pricing'), pv(180, '/signup'), ev(200, 'signup_completed', '/signup')],
    },
    { id: 'V2', visitor: 'b', start: `${day(-3)}T11:15:00${before}`, hits: [pv(0, '/')] },
    {
      id: 'V3',
      visitor: 'c',
      start: `${day(-2)}T09:00:00${before}`,
      utm: NEWSLETTER,
      hits: [pv(0, '/pricing'), pv(120, '/'), ev(150, 'page_leave', '/')],
    },
    {
      id: 'V4',
      visitor: 'd',
      start: `${day(-2)}T23:40:00+05:30`,
      referrer: 'https://t.co/k4ownv1s1ts',
      hits: [pv(0, '/blog/hello'), pv(2400, '/blog/second')],
    },
    {
      id: 'V5',
      visitor: 'e',
      start: `${day(-1)}T00:05:00+05:30`,
      referrer: 'https://news.ycombinator.com/item?id=1',
      hits: [pv(0, '/')],
    },
    {
      id: 'V6',
      visitor: 'a',
      start: `${day(-1)}T21:30:00${before}`,
      referrer: 'https://www.google.co.uk/',
      hits: [pv(0, '/docs'), ev(30, 'cta_click', '/docs')],
    },
    // 01:40 before the change; its second page view, 25 minutes later, is after it: 01:05 EST on
    // the day clocks go back, 03:05 EDT on the day they go forward.
    {
      id: 'V7',
      visitor: 'f',
      start: `${day(0)}T01:40:00${before}`,
      hits: [pv(0, '/'), pv(1500, '/pricing')],
    },
    // 10 minutes after the change: the second 01:10 (EST), or 03:10 (EDT).
    {
      id: 'V8',
      visitor: 'g',
      start: anchor.kind === 'fall' ? `${day(0)}T01:10:00-05:00` : `${day(0)}T03:10:00-04:00`,
      referrer: 'https://www.google.com/',
      hits: [pv(0, '/pricing')],
    },
    {
      id: 'V9',
      visitor: 'h',
      start: `${day(0)}T10:00:00${after}`,
      referrer: 'https://l.facebook.com/',
      hits: [
        pv(0, '/'),
        pv(90, '/pricing?plan=pro'),
        pv(240, '/signup'),
        ev(250, 'signup_completed', '/signup'),
      ],
    },
    {
      id: 'V10',
      visitor: 'c',
      start: `${day(1)}T09:30:00${after}`,
      hits: [pv(0, '/signup'), ev(20, 'page_leave', '/signup')],
    },
    {
      id: 'V11',
      visitor: 'i',
      start: `${day(1)}T20:30:00${after}`,
      utm: NEWSLETTER,
      hits: [pv(0, '/'), pv(45, '/pricing'), ev(60, 'cta_click', '/pricing')],
    },
    {
      id: 'VB',
      visitor: 'bot',
      start: `${day(-1)}T12:00:00${before}`,
      referrer: 'https://www.google.com/',
      hits: [pv(0, '/')],
    },
  ];
}

/** One event as POST /v1/events takes it, and the visitor whose request sends it. */
export interface KnownEvent {
  visitor: Visitor;
  body: Record<string, unknown>;
}

/** The set's events, in time order within each visit, with ids unique to `run`. */
export function knownEvents(anchor: Anchor, run: string, newId: () => string): KnownEvent[] {
  return visitsOf(anchor).flatMap((visit) => {
    const who = VISITORS[visit.visitor];
    const start = Date.parse(visit.start);
    if (Number.isNaN(start)) throw new Error(`${visit.id}: ${visit.start} is no instant`);
    return visit.hits.map((hit, n) => ({
      visitor: who,
      body: {
        event_name: hit.name,
        event_id: newId(),
        session_id: `${run}-${visit.id}`,
        anonymous_id: `${run}-${visit.visitor}`,
        ...(who.userId ? { user_id: who.userId } : {}),
        timestamp: new Date(start + hit.at * 1000).toISOString(),
        url: `${SITE}${hit.path}`,
        ...(n === 0 && visit.referrer ? { referrer: visit.referrer } : {}),
        ...(n === 0 && visit.utm ? { context: visit.utm } : {}),
      },
    }));
  });
}

/** A report's row: its dimension values and metrics, by name. */
export type Row = Record<string, string | number>;

/**
 * The answers, by hand. Ranges: New York's local days S-3 … S+1 hold the whole set; so do India's
 * S-3 … S+2 and UTC's S-3 … S+2.
 */
export function answersFor(anchor: Anchor) {
  const day = (n: number) => addDays(anchor.sunday, n);
  const hour = (h: string) => `${day(0)} ${h}:00:00`;
  const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
  return {
    /**
     * 11 visits (V1–V11; VB is a bot's), 9 visitors (a–i), 19 page views (3+1+2+2+1+1+2+1+3+1+2),
     * 25 events (4+1+3+2+1+2+2+1+4+2+3). Bounces V2, V5, V8, V10: 4/11 = 36.4 % → 36. Durations
     * 200+0+150+2400+0+30+1500+0+250+20+60 = 4610 s / 11 = 419.09 → 419 s. 19/11 = 1.727 → 1.73.
     */
    totals: {
      visitors: 9,
      visits: 11,
      pageviews: 19,
      events: 25,
      bounce_rate: 36,
      visit_duration: 419,
      views_per_visit: 1.73,
    },
    /**
     * By source: visitors with an event in a visit of that source (c is in newsletter by V3 and
     * in Direct by V10), % of 9. Google V1 V6 (a) V8 (g): 1 bounce of 3 = 33, (200+30+0)/3 =
     * 76.7 → 77; Direct V2 V7 V10: 2 of 3 = 67, (0+1500+20)/3 = 506.7 → 507.
     */
    sources: [
      {
        source: 'Direct / None',
        visitors: 3,
        visits: 3,
        bounce_rate: 67,
        visit_duration: 507,
        percentage: 33.3,
      },
      { source: 'Google', visitors: 2, visits: 3, bounce_rate: 33, visit_duration: 77, percentage: 22.2 },
      { source: 'newsletter', visitors: 2, visits: 2, bounce_rate: 0, visit_duration: 105, percentage: 22.2 },
      { source: 'Facebook', visitors: 1, visits: 1, bounce_rate: 0, visit_duration: 250, percentage: 11.1 },
      {
        source: 'Hacker News',
        visitors: 1,
        visits: 1,
        bounce_rate: 100,
        visit_duration: 0,
        percentage: 11.1,
      },
      { source: 'Twitter', visitors: 1, visits: 1, bounce_rate: 0, visit_duration: 2400, percentage: 11.1 },
    ],
    /** mobile b d f h i (V2 V4 V7 V9 V11); desktop a c e g (V1 V3 V5 V6 V8 V10). */
    devices: [
      { device: 'mobile', visitors: 5, visits: 5, percentage: 55.6 },
      { device: 'desktop', visitors: 4, visits: 6, percentage: 44.4 },
    ],
    browsers: [
      { browser: 'Chrome', visitors: 5, percentage: 55.6 },
      { browser: 'Mobile Safari', visitors: 3, percentage: 33.3 },
      { browser: 'Firefox', visitors: 1, percentage: 11.1 },
    ],
    operatingSystems: [
      { os: 'Windows', visitors: 3, percentage: 33.3 },
      { os: 'iOS', visitors: 3, percentage: 33.3 },
      { os: 'Android', visitors: 2, percentage: 22.2 },
      { os: 'Mac OS', visitors: 1, percentage: 11.1 },
    ],
    /** f's private address has no country: "(none)". US: c (V3, V10) and g (V8). */
    countries: [
      { country: 'FR', visitors: 2, visits: 2, percentage: 22.2 },
      { country: 'IN', visitors: 2, visits: 2, percentage: 22.2 },
      { country: 'US', visitors: 2, visits: 3, percentage: 22.2 },
      { country: '(none)', visitors: 1, visits: 1, percentage: 11.1 },
      { country: 'DE', visitors: 1, visits: 1, percentage: 11.1 },
      { country: 'GB', visitors: 1, visits: 2, percentage: 11.1 },
    ],
    /**
     * By page (the path: /pricing?plan=pro is /pricing). Events: / has V3's page_leave, /pricing
     * V11's click, /signup two signups and V10's page_leave, /docs V6's click.
     */
    pages: [
      { page: '/', visitors: 7, pageviews: 7, events: 8, percentage: 77.8 },
      { page: '/pricing', visitors: 6, pageviews: 6, events: 7, percentage: 66.7 },
      { page: '/signup', visitors: 3, pageviews: 3, events: 6, percentage: 33.3 },
      { page: '/blog/hello', visitors: 1, pageviews: 1, events: 1, percentage: 11.1 },
      { page: '/blog/second', visitors: 1, pageviews: 1, events: 1, percentage: 11.1 },
      { page: '/docs', visitors: 1, pageviews: 1, events: 2, percentage: 11.1 },
    ],
    /** Entry pages: / V1 V2 V5 V7 V9 V11 (a b e f h i), /pricing V3 V8 (c g). */
    entryPages: [
      { entry_page: '/', visitors: 6, visits: 6, percentage: 66.7 },
      { entry_page: '/pricing', visitors: 2, visits: 2, percentage: 22.2 },
      { entry_page: '/blog/hello', visitors: 1, visits: 1, percentage: 11.1 },
      { entry_page: '/docs', visitors: 1, visits: 1, percentage: 11.1 },
      { entry_page: '/signup', visitors: 1, visits: 1, percentage: 11.1 },
    ],
    /** Exit pages, the last event's: /signup V1 V9 V10, / V2 V3 V5, /pricing V7 V8 V11. */
    exitPages: [
      { exit_page: '/', visitors: 3, visits: 3, percentage: 33.3 },
      { exit_page: '/pricing', visitors: 3, visits: 3, percentage: 33.3 },
      { exit_page: '/signup', visitors: 3, visits: 3, percentage: 33.3 },
      { exit_page: '/blog/second', visitors: 1, visits: 1, percentage: 11.1 },
      { exit_page: '/docs', visitors: 1, visits: 1, percentage: 11.1 },
    ],
    /** UTM values: V3 (c) and V11 (i); everyone else's visits have none (c again by V10). */
    utmMedium: [
      { utm_medium: '(none)', visitors: 8, percentage: 88.9 },
      { utm_medium: 'email', visitors: 2, percentage: 22.2 },
    ],
    utmSource: [
      { utm_source: '(none)', visitors: 8, percentage: 88.9 },
      { utm_source: 'newsletter', visitors: 2, percentage: 22.2 },
    ],
    utmCampaign: [
      { utm_campaign: '(none)', visitors: 8, percentage: 88.9 },
      { utm_campaign: 'launch', visitors: 2, percentage: 22.2 },
    ],
    eventNames: [
      { name: 'page_view', events: 19 },
      { name: 'cta_click', events: 2 },
      { name: 'page_leave', events: 2 },
      { name: 'signup_completed', events: 2 },
    ],
    /**
     * New York's days (time:day): V4 and V5, sent from India at 23:40, 00:05 and 00:20 IST, are
     * 13:10–14:50 in New York, all on S-2; V6 at 21:30 on S-1 is already S in UTC; V11 at 20:30 on
     * S+1 is S+2 in UTC. Bounce rate per day: S-3 V2 of 2, S-2 V5 of 3, S V8 of 3, S+1 V10 of 2.
     */
    newYorkDays: [
      { day: day(-3), visitors: 2, visits: 2, pageviews: 4, events: 5, bounce_rate: 50 },
      { day: day(-2), visitors: 3, visits: 3, pageviews: 5, events: 6, bounce_rate: 33 },
      { day: day(-1), visitors: 1, visits: 1, pageviews: 1, events: 2, bounce_rate: 0 },
      { day: day(0), visitors: 3, visits: 3, pageviews: 6, events: 7, bounce_rate: 33 },
      { day: day(1), visitors: 2, visits: 2, pageviews: 3, events: 5, bounce_rate: 50 },
    ],
    /**
     * The day of the change, by wall-clock hour in New York. Going back, 01:00–01:59 happens twice
     * and is one bucket: V7's 01:40 EDT and 01:05 EST and V8's 01:10 EST (visits by their start:
     * V7, V8). Going forward, there is no 02:00: V7's 01:40 EST alone at 01:00, its 03:05 EDT and
     * V8's 03:10 EDT at 03:00. V9's four events at 10:00.
     */
    newYorkChangeDay:
      anchor.kind === 'fall'
        ? {
            hours: [
              { hour: hour('01'), events: 3, visitors: 2, visits: 2 },
              { hour: hour('10'), events: 4, visitors: 1, visits: 1 },
            ],
            /** A 25-hour day has 24 wall-clock hours, 01:00 once. */
            labels: HOURS.map(hour),
          }
        : {
            hours: [
              { hour: hour('01'), events: 1, visitors: 1, visits: 1 },
              { hour: hour('03'), events: 2, visitors: 2, visits: 1 },
              { hour: hour('10'), events: 4, visitors: 1, visits: 1 },
            ],
            /** A 23-hour day: 02:00 never happens. */
            labels: HOURS.filter((h) => h !== '02').map(hour),
          },
    /**
     * KPIs of New York's day S alone: V7, V8, V9 (f g h); 6 page views, 7 events; V8 bounces,
     * 1/3 = 33; (1500+0+250)/3 = 583.3 → 583 s; 6/3 = 2.
     */
    newYorkChangeDayTotals: {
      visitors: 3,
      visits: 3,
      pageviews: 6,
      events: 7,
      bounce_rate: 33,
      visit_duration: 583,
      views_per_visit: 2,
    },
    /**
     * India's days (+05:30): V4 starts at 23:40 on S-2 and ends at 00:20 on S-1; V5 is S-1 00:05.
     * New York's mornings and evenings are India's evenings: V1 V2 on S-3, V3 on S-2, V6 V7 V8 V9
     * on S, V10 on S+1, V11 on S+2 (07:00 or 06:00 IST).
     */
    kolkataDays: [
      { day: day(-3), visitors: 2, visits: 2, pageviews: 4, events: 5 },
      { day: day(-2), visitors: 2, visits: 2, pageviews: 3, events: 4 },
      { day: day(-1), visitors: 2, visits: 1, pageviews: 2, events: 2 },
      { day: day(0), visitors: 4, visits: 4, pageviews: 7, events: 9 },
      { day: day(1), visitors: 1, visits: 1, pageviews: 1, events: 2 },
      { day: day(2), visitors: 1, visits: 1, pageviews: 2, events: 3 },
    ],
    /** UTC's days: nothing on S-1 (V6 is S 01:30 or 02:30 UTC), S holds V6–V9. */
    utcDays: [
      { day: day(-3), visits: 2, events: 5 },
      { day: day(-2), visits: 3, events: 6 },
      { day: day(0), visits: 4, events: 9 },
      { day: day(1), visits: 1, events: 2 },
      { day: day(2), visits: 1, events: 3 },
    ],
    /**
     * India's midnight, by hour: from 23:00 IST on S-2 to 00:59:59 IST on S-1 (17:30 to 19:29:59
     * UTC) there are V4's 23:40 in the 23:00 hour, V5's 00:05 and V4's 00:20 in the 00:00 hour. In
     * UTC the same instants are one hour's: 18:10, 18:35, 18:50.
     */
    kolkataMidnight: {
      range: [`${day(-2)}T23:00:00+05:30`, `${day(-1)}T00:59:59+05:30`] as [string, string],
      kolkata: [
        { hour: `${day(-2)} 23:00:00`, events: 1 },
        { hour: `${day(-1)} 00:00:00`, events: 2 },
      ],
      utc: [{ hour: `${day(-2)} 18:00:00`, events: 3 }],
    },
    /**
     * The funnel / → /pricing → /signup, in order within a visit. Step 1: V1 V2 V3 V5 V7 V9 V11
     * (a b c e f h i; V3 saw /pricing before / only). Step 2: V1 V7 V9 V11 (a f h i). Step 3: V1 V9
     * (a h; c's /signup was in another visit, V10). 4/7 = 57.14 %, 2/7 = 28.57 %; drop-offs 3 of
     * 7 = 42.86 %, 2 of 4 = 50 %.
     */
    funnel: [
      { label: '/', visitors: 7, visits: 7, conversion_rate: 100, drop_off: 0, drop_off_rate: 0 },
      {
        label: '/pricing',
        visitors: 4,
        visits: 4,
        conversion_rate: 57.14,
        drop_off: 3,
        drop_off_rate: 42.86,
      },
      { label: '/signup', visitors: 2, visits: 2, conversion_rate: 28.57, drop_off: 2, drop_off_rate: 50 },
    ],
    /**
     * Goals: converters (visitors), completions (events), the visits that reached each, and
     * converters as % of all 9 visitors, two decimals. Signed up: V1 (a), V9 (h). Saw pricing: the
     * page views of /pricing in V1 V3 V7 V8 V9 (/pricing?plan=pro) V11, by a c f g h i (V11's click
     * on /pricing is no page view). Read the blog: V4's two posts, by d. Purchased: nobody, no row.
     */
    goals: [
      { goal: 'Saw pricing', visitors: 6, events: 6, visits: 6, conversion_rate: 66.67 },
      { goal: 'Signed up', visitors: 2, events: 2, visits: 2, conversion_rate: 22.22 },
      { goal: 'Read the blog', visitors: 1, events: 2, visits: 1, conversion_rate: 11.11 },
    ],
    /** The visits that saw pricing (a goal filter on visit metrics): V8 of those 6 bounced, 16.7 → 17. */
    sawPricingVisits: { visitors: 6, visits: 6, bounce_rate: 17, conversion_rate: 66.67 },
    /**
     * Signed up by source: Google's visitors are a and g, one signed up (50 %); Facebook's only h
     * (100 %); conversion_rate stays of all 9 visitors.
     */
    signedUpBySource: [
      { source: 'Facebook', visitors: 1, group_conversion_rate: 100, conversion_rate: 11.11 },
      { source: 'Google', visitors: 1, group_conversion_rate: 50, conversion_rate: 11.11 },
    ],
    /**
     * Saw pricing by country: FR h of b h, IN i of d i (50 %); US c g, GB a, (none) f, all theirs
     * (100 %); DE's e never saw it (no row).
     */
    sawPricingByCountry: [
      { country: 'US', visitors: 2, group_conversion_rate: 100 },
      { country: '(none)', visitors: 1, group_conversion_rate: 100 },
      { country: 'FR', visitors: 1, group_conversion_rate: 50 },
      { country: 'GB', visitors: 1, group_conversion_rate: 100 },
      { country: 'IN', visitors: 1, group_conversion_rate: 50 },
    ],
    /** The funnel over the visits that signed up (V1, V9): nobody drops off. */
    funnelOfSignups: [
      { label: '/', visitors: 2, visits: 2, conversion_rate: 100, drop_off: 0, drop_off_rate: 0 },
      { label: '/pricing', visitors: 2, visits: 2, conversion_rate: 100, drop_off: 0, drop_off_rate: 0 },
      { label: '/signup', visitors: 2, visits: 2, conversion_rate: 100, drop_off: 0, drop_off_rate: 0 },
    ],
    /** The same visits through a pattern and an event: /pricing* matches /pricing; V1 and V9 signed up after it. */
    funnelByPatternAndEvent: [
      { label: '/', visitors: 7, visits: 7, conversion_rate: 100, drop_off: 0, drop_off_rate: 0 },
      {
        label: '/pricing*',
        visitors: 4,
        visits: 4,
        conversion_rate: 57.14,
        drop_off: 3,
        drop_off_rate: 42.86,
      },
      {
        label: 'signup_completed',
        visitors: 2,
        visits: 2,
        conversion_rate: 28.57,
        drop_off: 2,
        drop_off_rate: 50,
      },
    ],
  };
}

export type Answers = ReturnType<typeof answersFor>;

/** How the console shows the KPI row's values (modules/overview/stats.ts, formatKpi), by hand. */
export const CONSOLE_KPIS = {
  /** 419 s is 6 min 59 s. */
  totals: {
    visitors: '9',
    visits: '11',
    pageviews: '19',
    views_per_visit: '1.73',
    bounce_rate: '36%',
    visit_duration: '6 min 59 s',
    events: '25',
  },
  /** 583 s is 9 min 43 s. */
  changeDay: {
    visitors: '3',
    visits: '3',
    pageviews: '6',
    views_per_visit: '2.00',
    bounce_rate: '33%',
    visit_duration: '9 min 43 s',
    events: '7',
  },
};
