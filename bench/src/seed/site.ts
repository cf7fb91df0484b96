/**
 * The site behind the seed's traffic (./traffic.ts): its catalogue and its distributions — pages
 * (20,000: head pages, then a long tail), referrers (search engines, social sites, 30,000 other
 * sites on a Zipf tail), UTM sources and campaigns, client profiles, countries and languages,
 * engagement events, plans, bots — and its rhythms (hourly, weekly, growth), with the site's URLs.
 * Samplers take a `Random` (./random.ts) and return an index into their list.
 */
import { weighted, zipf, type Random } from './random';

export const SITE = 'https://www.example.com';
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

// --- The site -------------------------------------------------------------------------------

const HEAD_PAGES = [
  '/',
  '/pricing',
  '/docs',
  '/blog',
  '/features',
  '/signup',
  '/login',
  '/docs/getting-started',
  '/about',
  '/changelog',
  '/integrations',
  '/docs/api',
  '/contact',
  '/customers',
  '/security',
  '/careers',
];
const PAGE_KINDS = ['/blog/post-', '/docs/guide-', '/customers/story-', '/integrations/tool-'];

/** 20,000 paths: the head pages, then a long tail of posts, guides, stories and integrations. */
export const PAGES: readonly string[] = [
  ...HEAD_PAGES,
  ...Array.from(
    { length: 20_000 - HEAD_PAGES.length },
    (_, k) => `${PAGE_KINDS[k % PAGE_KINDS.length]}${k + 1}`,
  ),
];

/** A referrer kind: what share of visits it brings, its URLs, and the source the projection names. */
interface Referral {
  share: number;
  url: (random: Random) => string;
  source: string;
}
const fixed = (url: string) => () => url;
export const REFERRALS: Referral[] = [
  { share: 16, url: fixed('https://www.google.com/'), source: 'Google' },
  { share: 4, url: fixed('https://www.google.de/'), source: 'Google' },
  { share: 2, url: fixed('https://www.google.co.uk/'), source: 'Google' },
  { share: 3, url: fixed('https://www.bing.com/'), source: 'Bing' },
  { share: 2, url: fixed('https://duckduckgo.com/'), source: 'DuckDuckGo' },
  { share: 1, url: fixed('https://search.yahoo.com/'), source: 'Yahoo!' },
  { share: 1, url: fixed('https://www.ecosia.org/'), source: 'Ecosia' },
  { share: 1, url: fixed('https://search.brave.com/'), source: 'Brave Search' },
  { share: 3, url: (r) => `https://t.co/${Math.floor(r() * 1e6).toString(36)}`, source: 'Twitter' },
  {
    share: 3,
    url: (r) => `https://www.reddit.com/r/webdev/comments/${Math.floor(r() * 5e4).toString(36)}/`,
    source: 'Reddit',
  },
  {
    share: 2,
    url: (r) => `https://news.ycombinator.com/item?id=${40_000_000 + Math.floor(r() * 300)}`,
    source: 'Hacker News',
  },
  { share: 2, url: fixed('https://www.linkedin.com/'), source: 'LinkedIn' },
  { share: 1, url: fixed('https://l.facebook.com/'), source: 'Facebook' },
  {
    share: 1,
    url: (r) => `https://github.com/org${Math.floor(r() * 200)}/repo${Math.floor(r() * 50)}`,
    source: 'GitHub',
  },
  { share: 1, url: fixed('https://www.youtube.com/'), source: 'YouTube' },
];
const DIRECT_SHARE = 45;
const OTHER_SITES_SHARE = 12;
/** Other referring sites: 30,000 hosts on a Zipf tail, each named by its host (without `www.`). */
const OTHER_SITES = 30_000;
export const otherHost = (k: number) => `site${k + 1}.example.org`;

export const referralKind = weighted([DIRECT_SHARE, OTHER_SITES_SHARE, ...REFERRALS.map((r) => r.share)]);
export const otherSite = zipf(OTHER_SITES, 1.0);

/** UTM-tagged visits: `utm_source` is the source (the projection's rule 1; known names as the table names them). */
export const UTM_SOURCES: Array<{ value: string; source: string; medium: string }> = [
  { value: 'newsletter', source: 'newsletter', medium: 'email' },
  { value: 'twitter', source: 'Twitter', medium: 'social' },
  { value: 'google', source: 'Google', medium: 'cpc' },
  { value: 'linkedin', source: 'LinkedIn', medium: 'social' },
  ...Array.from({ length: 40 }, (_, k) => ({
    value: `partner-${k + 1}`,
    source: `partner-${k + 1}`,
    medium: 'referral',
  })),
];
export const utmSource = zipf(UTM_SOURCES.length, 1.1);
export const campaign = zipf(300, 1.1);

/** Client profiles as ua-parser-js names them, with their share of visitors. */
export const PROFILES = [
  { w: 30, browser: 'Chrome', bv: '126.0', os: 'Windows', ov: '10', device: 'desktop', sw: 1920, sh: 1080 },
  { w: 12, browser: 'Chrome', bv: '126.0', os: 'macOS', ov: '14.5', device: 'desktop', sw: 1440, sh: 900 },
  { w: 8, browser: 'Safari', bv: '17.5', os: 'macOS', ov: '14.5', device: 'desktop', sw: 1512, sh: 982 },
  { w: 18, browser: 'Mobile Safari', bv: '17.5', os: 'iOS', ov: '17.5', device: 'mobile', sw: 390, sh: 844 },
  { w: 14, browser: 'Chrome', bv: '126.0', os: 'Android', ov: '14', device: 'mobile', sw: 412, sh: 915 },
  { w: 5, browser: 'Firefox', bv: '127.0', os: 'Windows', ov: '10', device: 'desktop', sw: 1920, sh: 1080 },
  { w: 6, browser: 'Edge', bv: '126.0', os: 'Windows', ov: '10', device: 'desktop', sw: 1536, sh: 864 },
  {
    w: 2,
    browser: 'Samsung Internet',
    bv: '25.0',
    os: 'Android',
    ov: '14',
    device: 'mobile',
    sw: 384,
    sh: 854,
  },
  { w: 2, browser: 'Mobile Safari', bv: '17.5', os: 'iOS', ov: '17.5', device: 'tablet', sw: 820, sh: 1180 },
  { w: 2, browser: 'Firefox', bv: '127.0', os: 'Linux', ov: null, device: 'desktop', sw: 2560, sh: 1440 },
  { w: 1, browser: 'Opera', bv: '111.0', os: 'Windows', ov: '11', device: 'desktop', sw: 1366, sh: 768 },
];
export const profile = weighted(PROFILES.map((p) => p.w));

export const COUNTRIES =
  'US DE GB IN FR CA BR NL ES IT PL AU SE JP CH RU TR UA MX KR AT BE ID SG CZ DK NO FI PT IL AR VN CN IE NZ RO HU ZA PH TW HK GR NG CO PK BD EG MY TH CL SK BG HR RS LT EE LV SI KE'.split(
    ' ',
  );
export const country = zipf(COUNTRIES.length, 1.0);
export const LANGUAGES: Record<string, string> = {
  DE: 'de-DE',
  FR: 'fr-FR',
  BR: 'pt-BR',
  ES: 'es-ES',
  JP: 'ja-JP',
};

/** Engagement events: a long tail of names, the first ones common. */
export const ENGAGEMENT = [
  'click',
  'outbound_link',
  'search',
  'signup',
  'file_download',
  'copy_code',
  'video_play',
  'form_submit',
  'add_to_cart',
  'login',
  'checkout',
  'share',
  ...Array.from({ length: 28 }, (_, k) => `feature_${k + 1}`),
];
export const engagement = zipf(ENGAGEMENT.length, 1.2);
export const element = zipf(300, 1.1);
export const PLANS = ['free', 'pro', 'team'];
export const plan = weighted([70, 25, 5]);

export const BOTS = ['Googlebot', 'bingbot', 'AhrefsBot', 'SemrushBot', 'GPTBot', 'YandexBot'];
export const bot = weighted([40, 20, 15, 10, 10, 5]);

/** Relative traffic per UTC hour: lowest before dawn in Europe, highest in the afternoon. */
export const HOURLY = [
  20, 17, 15, 14, 15, 20, 30, 45, 62, 75, 84, 90, 95, 98, 100, 99, 95, 88, 78, 66, 54, 43, 33, 25,
];
export const hour = weighted(HOURLY);
/** Relative traffic per weekday (0 = Sunday). */
export const WEEKLY = [0.6, 1, 1, 1, 1, 0.95, 0.6];

// --- Rhythms and URLs ----------------------------------------------------------------------

/** Every day's weight: the weekly rhythm, growth, and the part of the day inside [from, to). */
export function dayWeights(from: number, to: number): Array<{ start: number; end: number; weight: number }> {
  const days: Array<{ start: number; end: number; weight: number }> = [];
  const first = Math.floor(from / DAY_MS) * DAY_MS;
  const span = Math.max(1, to - from);
  for (let day = first; day < to; day += DAY_MS) {
    const start = Math.max(day, from);
    const end = Math.min(day + DAY_MS, to);
    const share = (end - start) / DAY_MS;
    const growth = 1 + (0.8 * (start - from)) / span;
    days.push({ start, end, weight: share * WEEKLY[new Date(day).getUTCDay()]! * growth });
  }
  return days;
}

/** `path` as a URL of the site, sometimes with a query string (3 KB in one page view of 2,000). */
export function pageUrl(random: Random, path: string): string {
  const u = random();
  if (u < 0.0005) return `${SITE}${path}?state=${'x'.repeat(3000)}`;
  if (u < 0.07) return `${SITE}${path}?ref=nav`;
  if (u < 0.1) return `${SITE}${path}?q=${Math.floor(random() * 1000)}`;
  return `${SITE}${path}`;
}
