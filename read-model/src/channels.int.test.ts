/**
 * `channelSql` run by the stack's PostgreSQL over visits given as rows of (source, utm_medium,
 * utm_campaign, utm_source): one case per rule of the table in channels.ts, and the cases where
 * the order of the rules decides.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackForTests } from '@eventlens/stack';
import { DIRECT_SOURCE } from './catalog';
import { channelSql } from './channels';

type Visit = [
  source: string | null,
  medium: string | null,
  campaign: string | null,
  utmSource: string | null,
];

const CASES: Array<[Visit, string]> = [
  [[DIRECT_SOURCE, null, null, null], 'Direct'],
  [[null, null, null, null], 'Direct'],
  [['Google', null, null, null], 'Organic Search'],
  [['Yahoo!', null, null, null], 'Organic Search'],
  [['Google', 'cpc', null, 'google'], 'Paid Search'],
  [['Bing', 'Paid-Search', null, 'bing'], 'Paid Search'],
  [['Facebook', null, null, null], 'Organic Social'],
  [['Facebook', 'paid_social', null, 'fb'], 'Paid Social'],
  [['blog.example.org', 'social', null, null], 'Organic Social'],
  [['YouTube', null, null, null], 'Organic Video'],
  [['YouTube', 'cpv', null, 'yt'], 'Paid Video'],
  [['newsletter', 'video-promo', null, 'newsletter'], 'Organic Video'],
  [['amazon.com', null, null, null], 'Organic Shopping'],
  [['partner.example', null, 'summer-shop', null], 'Organic Shopping'],
  [['amazon.com', 'ppc', null, null], 'Paid Shopping'],
  [['partner.example', 'cpc', 'Shopping', null], 'Paid Shopping'],
  [['partner.example', 'cpc', 'workshop', null], 'Paid Other'],
  [['partner.example', 'cpc', 'A Cross-Network test', null], 'Cross-network'],
  [['ads.example', 'banner', null, null], 'Display'],
  [['ads.example', 'retargeting', null, null], 'Paid Other'],
  [['chatgpt.com', null, null, 'chatgpt.com'], 'AI Assistants'],
  [['newsletter', 'email', null, 'newsletter'], 'Email'],
  [['weekly digest', null, null, 'Weekly-Newsletter'], 'Email'],
  [['mail.google.com', null, null, null], 'Email'],
  [['partner.example', 'affiliate', null, null], 'Affiliates'],
  [['podcast.example', 'audio', null, null], 'Audio'],
  [['sms', null, null, 'sms'], 'SMS'],
  [['app.example', 'web-push', null, null], 'Mobile Push Notifications'],
  [['app.example', 'mobile', null, null], 'Mobile Push Notifications'],
  [[DIRECT_SOURCE, 'referral', null, null], 'Referral'],
  [['blog.example.org', null, null, null], 'Referral'],
];

let pool: pg.Pool;

beforeAll(async () => {
  const dev = await stackForTests();
  pool = new pg.Pool({ connectionString: dev.databaseUrl, max: 1 });
});

afterAll(async () => {
  await pool?.end();
});

describe('channelSql', () => {
  it('names each visit the channel of the first rule that holds', async () => {
    const { rows } = await pool.query<{ i: number; channel: string }>(
      `select s.i, ${channelSql('s')} as channel
         from jsonb_to_recordset($1::jsonb)
              as s(i int, source text, utm_medium text, utm_campaign text, utm_source text)
        order by s.i`,
      [
        JSON.stringify(
          CASES.map(([[source, medium, campaign, utmSource]], i) => ({
            i,
            source,
            utm_medium: medium,
            utm_campaign: campaign,
            utm_source: utmSource,
          })),
        ),
      ],
    );
    expect(rows.map((r) => [CASES[r.i]![0], r.channel])).toEqual(CASES.map(([visit, c]) => [visit, c]));
  });
});
