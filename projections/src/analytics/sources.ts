/**
 * Where a visit came from: its referrer (and `utm_source`) as a source name, by one table.
 *
 * The rules, in order (the same as Plausible's, so reports read the same way):
 * 1. `utm_source` set (not blank) wins over the referrer: a campaign link says where it was posted
 *    better than the page it was clicked on. A value that names a source of the table (its name,
 *    one of its hosts or aliases, any case: `google`, `fb`, `t.co`) is that source's name; any
 *    other value is kept as sent, trimmed (`newsletter`).
 * 2. No referrer, a referrer that is not an absolute http(s) URL, or a referrer on the page's own
 *    host (internal navigation: `www.` and case ignored) is `Direct / None`.
 * 3. A referrer host that is, or is under, a host of the table is that source (`l.facebook.com` is
 *    Facebook); a search engine listed by brand (`google`) matches under any country domain
 *    (`google.de`, `google.co.uk`, `google.com.br`).
 * 4. Any other host names itself, lowercase and without `www.` (`blog.example.org`).
 *
 * Why a table of EventLens's own rather than a library: the maintained npm package for this
 * (@tryghost/referrer-parser) carries its product's own rules (ghost.org and `…-newsletter` UTM
 * sources rewritten), misses YouTube, Pinterest and Ecosia, and re-sorts its 3 000-entry table on
 * every call (about 1 ms each); the Snowplow ports (`referer-parser`, `referrer-parser`, `inbound`)
 * are unmaintained and pull in js-yaml 2. The reports need only a source name per visit, so the
 * table below is short, reviewed here, and the rule a report's reader can check.
 */
import { DIRECT_SOURCE } from '@eventlens/read-model';

export interface SourceRule {
  /** The name the reports show. */
  readonly name: string;
  /** Hosts that are this source, subdomains included (`facebook.com` covers `l.facebook.com`). */
  readonly hosts?: readonly string[];
  /**
   * Search-engine brands found under any country domain: `google` matches `google.<tld>` and
   * `google.<co|com|…>.<cc>`, at any subdomain (`www.google.co.uk`).
   */
  readonly brands?: readonly string[];
  /** Other `utm_source` values that name this source (lowercase). */
  readonly aliases?: readonly string[];
}

/** The table: search engines, then social sites and communities. Names as the sources call themselves. */
export const SOURCES: readonly SourceRule[] = [
  // Search engines
  { name: 'Google', brands: ['google'] },
  { name: 'Bing', brands: ['bing'] },
  { name: 'DuckDuckGo', hosts: ['duckduckgo.com', 'ddg.gg'], aliases: ['ddg'] },
  { name: 'Yahoo!', brands: ['yahoo'] },
  { name: 'Baidu', brands: ['baidu'] },
  { name: 'Yandex', brands: ['yandex', 'ya'] },
  { name: 'Ecosia', hosts: ['ecosia.org'] },
  { name: 'Brave Search', hosts: ['search.brave.com'], aliases: ['brave'] },
  { name: 'Qwant', hosts: ['qwant.com'] },
  { name: 'Startpage', hosts: ['startpage.com'] },
  { name: 'Naver', hosts: ['naver.com'] },
  { name: 'Seznam', hosts: ['seznam.cz'] },
  // Social sites and communities
  { name: 'Facebook', hosts: ['facebook.com', 'fb.com', 'fb.me', 'messenger.com'], aliases: ['fb'] },
  { name: 'Twitter', hosts: ['twitter.com', 't.co', 'x.com'], aliases: ['x'] },
  { name: 'LinkedIn', hosts: ['linkedin.com', 'lnkd.in'] },
  { name: 'Reddit', hosts: ['reddit.com', 'redd.it'] },
  { name: 'Instagram', hosts: ['instagram.com'], aliases: ['ig'] },
  { name: 'YouTube', hosts: ['youtube.com', 'youtu.be'], aliases: ['yt'] },
  { name: 'Pinterest', hosts: ['pinterest.com', 'pin.it'] },
  { name: 'Hacker News', hosts: ['news.ycombinator.com'], aliases: ['hn', 'hackernews'] },
  { name: 'GitHub', hosts: ['github.com'] },
  { name: 'Stack Overflow', hosts: ['stackoverflow.com'] },
  { name: 'Mastodon', hosts: ['mastodon.social'] },
  { name: 'Bluesky', hosts: ['bsky.app'] },
  { name: 'Threads', hosts: ['threads.net', 'threads.com'] },
  { name: 'TikTok', hosts: ['tiktok.com'] },
  { name: 'Product Hunt', hosts: ['producthunt.com'] },
  { name: 'Dev.to', hosts: ['dev.to'] },
  { name: 'Medium', hosts: ['medium.com'] },
];

/** Second-level labels under which a country domain holds brands (`google.co.uk`, `google.com.br`). */
const COUNTRY_SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'ac', 'ne', 'or', 'gov', 'edu']);

const byHost = new Map<string, string>();
const byBrand = new Map<string, string>();
const byUtm = new Map<string, string>();
for (const rule of SOURCES) {
  for (const host of rule.hosts ?? []) byHost.set(host, rule.name);
  for (const brand of rule.brands ?? []) byBrand.set(brand, rule.name);
  for (const alias of [rule.name, ...(rule.hosts ?? []), ...(rule.brands ?? []), ...(rule.aliases ?? [])])
    byUtm.set(alias.toLowerCase(), rule.name);
}

/** The table's source of a host (lowercase, no port), or undefined for a host it does not list. */
export function knownSource(host: string): string | undefined {
  const labels = host.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const name = byHost.get(labels.slice(i).join('.'));
    if (name !== undefined) return name;
  }
  for (let i = 0; i < labels.length - 1; i++) {
    const name = byBrand.get(labels[i]!);
    if (name === undefined) continue;
    const rest = labels.length - i - 1;
    if (rest === 1 || (rest === 2 && COUNTRY_SECOND_LEVEL.has(labels[i + 1]!))) return name;
  }
  return undefined;
}

/** The lowercase host of an absolute http(s) URL without `www.`, or null for anything else. */
export function siteHost(url: string | null): string | null {
  if (url === null) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') return null;
  return parsed.hostname.replace(/^www\./, '');
}

/**
 * The source name of a visit from its entry event: `utm_source`, else the referrer, by the rules
 * at the top of this file. Pure; never throws.
 */
export function sourceOf(entry: {
  referrer: string | null;
  url: string | null;
  utm_source: string | null;
}): string {
  const utm = entry.utm_source?.trim();
  if (utm) return byUtm.get(utm.toLowerCase()) ?? utm;
  const host = siteHost(entry.referrer);
  if (host === null || host === siteHost(entry.url)) return DIRECT_SOURCE;
  return knownSource(host) ?? host;
}
