/**
 * A visit's acquisition channel (`visit:channel`: "Organic Search", "Paid Social", "Email", …),
 * derived from the visit's source and UTM values when a report reads it, so every visit ever
 * projected has one and a change of these rules needs no rebuild.
 *
 * The rules are Plausible's (`Plausible.Ingestion.Acquisition`, which adapts Google Analytics 4's
 * default channel group), in its order, over the lowercased `source`, `utm_medium`, `utm_campaign`
 * and `utm_source`; the first that holds names the channel:
 *
 * | channel                   | when                                                                    |
 * | ------------------------- | ----------------------------------------------------------------------- |
 * | Cross-network             | the campaign contains `cross-network`                                   |
 * | Paid Shopping             | (a shopping source, or a shopping campaign) and a paid medium           |
 * | Paid Search               | a search source and a paid medium                                       |
 * | Paid Social               | a social source and a paid medium                                       |
 * | Paid Video                | a video source and a paid medium                                        |
 * | Display                   | the medium is display, banner, expandable, interstitial or cpm          |
 * | Paid Other                | a paid medium                                                           |
 * | Organic Shopping          | a shopping source, or a shopping campaign                               |
 * | Organic Social            | a social source, or a social medium (`social`, `sm`, `social-media`, …) |
 * | Organic Video             | a video source, or a medium that contains `video`                       |
 * | AI Assistants             | an AI assistant source                                                  |
 * | Organic Search            | a search source                                                         |
 * | Email                     | an email source, or `utm_source`/`utm_medium` containing an email tag   |
 * | Affiliates                | the medium is `affiliate`                                               |
 * | Audio                     | the medium is `audio`                                                   |
 * | SMS                       | `utm_source` or the medium is `sms`                                     |
 * | Mobile Push Notifications | the medium ends with `push` or contains `mobile` or `notification`      |
 * | Referral                  | the medium is referral, app or link, or the visit has a source          |
 * | Direct                    | anything else: no source (`Direct / None`) and no UTM values            |
 *
 * A paid medium matches `^(.*cp.*|ppc|retargeting|paid.*)$`; a shopping campaign
 * `^(.*(([^a-df-z]|^)shop|shopping).*)$` (both Plausible's). The categories of sources are
 * `SOURCE_CATEGORIES`: the source names the analytics projection gives
 * (`projections/src/analytics/sources.ts`) and well-known sites it names by their host.
 *
 * Differences from Plausible (docs/stats-api.md): the category table is EventLens's own, shorter
 * than Google's list Plausible reads; a Google or Bing visit is Paid Search by its medium only (the
 * landing page's `gclid`/`msclkid` are not kept); `utm_source` values that Plausible takes as paid
 * by themselves (`adwords`, `facebook_ad`, …) need a paid medium here too.
 */
import { DIRECT_SOURCE } from './catalog';

export type SourceCategory = 'search' | 'social' | 'video' | 'shopping' | 'email' | 'ai';

/** Category of a source, by its name as a visit holds it, lowercased. */
export const SOURCE_CATEGORIES: Readonly<Record<string, SourceCategory>> = {
  // The projection's search engines (sources.ts; a utm_source naming one is stored as its name, so
  // only the names are keys here; projections' visits.unit.test.ts checks every name has a key).
  google: 'search',
  bing: 'search',
  duckduckgo: 'search',
  'yahoo!': 'search',
  baidu: 'search',
  yandex: 'search',
  ecosia: 'search',
  'brave search': 'search',
  qwant: 'search',
  startpage: 'search',
  naver: 'search',
  seznam: 'search',
  sogou: 'search',
  // Its social sites and communities.
  facebook: 'social',
  twitter: 'social',
  linkedin: 'social',
  reddit: 'social',
  instagram: 'social',
  pinterest: 'social',
  'hacker news': 'social',
  github: 'social',
  'stack overflow': 'social',
  mastodon: 'social',
  bluesky: 'social',
  threads: 'social',
  'product hunt': 'social',
  'dev.to': 'social',
  medium: 'social',
  'discord.com': 'social',
  'slack.com': 'social',
  'telegram.org': 'social',
  't.me': 'social',
  'vk.com': 'social',
  // Video sites.
  youtube: 'video',
  tiktok: 'video',
  'vimeo.com': 'video',
  'twitch.tv': 'video',
  'dailymotion.com': 'video',
  // Shopping sites, named by their host.
  'amazon.com': 'shopping',
  'ebay.com': 'shopping',
  'etsy.com': 'shopping',
  'shopify.com': 'shopping',
  'aliexpress.com': 'shopping',
  'temu.com': 'shopping',
  // Web mail, named by its host.
  'mail.google.com': 'email',
  'outlook.live.com': 'email',
  'outlook.office.com': 'email',
  'mail.yahoo.com': 'email',
  'mail.proton.me': 'email',
  gmail: 'email',
  // AI assistants, by host and by the utm_source they add (`?utm_source=chatgpt.com`).
  'chatgpt.com': 'ai',
  chatgpt: 'ai',
  'chat.openai.com': 'ai',
  'claude.ai': 'ai',
  'perplexity.ai': 'ai',
  perplexity: 'ai',
  'gemini.google.com': 'ai',
  'copilot.microsoft.com': 'ai',
  'chat.deepseek.com': 'ai',
  'grok.com': 'ai',
};

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The channel of the visit row `alias` (an `analytics.sessions` row) as a SQL expression: text,
 * never null. Every value in it is a constant of this module, so it binds nothing.
 */
export function channelSql(alias: string): string {
  const lower = (column: string) => `lower(coalesce(${alias}.${column}, ''))`;
  // No source, and the projection's name for none, are Plausible's empty source.
  const source = `(case when ${alias}.source = ${literal(DIRECT_SOURCE)} then '' else ${lower('source')} end)`;
  const medium = lower('utm_medium');
  const campaign = lower('utm_campaign');
  const utmSource = lower('utm_source');
  const category = (c: SourceCategory) => {
    const names = Object.keys(SOURCE_CATEGORIES).filter((name) => SOURCE_CATEGORIES[name] === c);
    return `${source} in (${names.map(literal).join(', ')})`;
  };
  const contains = (value: string, parts: string[]) =>
    `(${parts.map((p) => `strpos(${value}, ${literal(p)}) > 0`).join(' or ')})`;
  const paidMedium = `${medium} ~ '^(.*cp.*|ppc|retargeting|paid.*)$'`;
  const shoppingCampaign = `${campaign} ~ '^(.*(([^a-df-z]|^)shop|shopping).*)$'`;
  const shopping = `(${category('shopping')} or ${shoppingCampaign})`;
  const emailTags = ['email', 'e-mail', 'e_mail', 'e mail', 'newsletter'];
  const rules: Array<[string, string]> = [
    ['Cross-network', contains(campaign, ['cross-network'])],
    ['Paid Shopping', `${shopping} and ${paidMedium}`],
    ['Paid Search', `${category('search')} and ${paidMedium}`],
    ['Paid Social', `${category('social')} and ${paidMedium}`],
    ['Paid Video', `${category('video')} and ${paidMedium}`],
    ['Display', `${medium} in ('display', 'banner', 'expandable', 'interstitial', 'cpm')`],
    ['Paid Other', paidMedium],
    ['Organic Shopping', shopping],
    [
      'Organic Social',
      `(${category('social')} or ${medium} in ('social', 'social-network', 'social-media', 'sm', 'social network', 'social media'))`,
    ],
    ['Organic Video', `(${category('video')} or ${contains(medium, ['video'])})`],
    ['AI Assistants', category('ai')],
    ['Organic Search', category('search')],
    [
      'Email',
      `(${category('email')} or ${contains(utmSource, emailTags)} or ${contains(medium, emailTags)})`,
    ],
    ['Affiliates', `${medium} = 'affiliate'`],
    ['Audio', `${medium} = 'audio'`],
    ['SMS', `(${utmSource} = 'sms' or ${medium} = 'sms')`],
    [
      'Mobile Push Notifications',
      `(${medium} like '%push' or ${contains(medium, ['mobile', 'notification'])} or ${source} = 'firebase')`,
    ],
    ['Referral', `(${medium} in ('referral', 'app', 'link') or ${source} <> '')`],
  ];
  return `(case ${rules.map(([name, when]) => `when ${when} then ${literal(name)}`).join(' ')} else 'Direct' end)`;
}
