import { BatchItem } from '@eventlens/contracts';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors';
import {
  readPlausibleEvent,
  sentAs,
  siteOf,
  toBatchItem,
  utcDay,
  visitorOf,
  type Visitor,
} from './plausible';

const KEY = 'el_abcdefghijklmnop0123';
const SECRET = 'a-secret-of-at-least-16-characters';
const VISITOR: Visitor = { anonymousId: 'pv_1', sessionId: 'ps_1' };
const DAY = 86_400_000;
const NOON = Date.parse('2026-03-04T12:00:00Z');

/** The HttpError readPlausibleEvent refuses `body` with (it must refuse it). */
function refused(body: unknown): HttpError {
  try {
    readPlausibleEvent(body);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return error;
  }
  throw new Error('accepted');
}

function refusal(body: unknown): { code: string; fields: string[] } {
  const error = refused(body);
  return { code: error.code, fields: (error.options.fields ?? []).map((f) => f.field) };
}

describe('readPlausibleEvent', () => {
  it("reads the script's short keys as the Events API's long ones", () => {
    expect(
      readPlausibleEvent({
        n: 'Signup',
        u: 'https://example.com/a',
        d: KEY,
        r: null,
        p: { plan: 'pro', seats: 3, trial: false },
        i: false,
        w: 1280,
        h: 1,
        v: 12,
      }),
    ).toEqual({
      name: 'Signup',
      url: 'https://example.com/a',
      domain: KEY,
      referrer: null,
      props: { plan: 'pro', seats: 3, trial: false },
      interactive: false,
    });
  });

  it("reads an engagement event's e (ms on the page) and sd (scroll depth), and ignores w, h and v", () => {
    expect(
      readPlausibleEvent({
        n: 'engagement',
        u: 'https://example.com/a',
        d: KEY,
        e: 4250,
        sd: 80,
        w: 1280,
        h: 1,
        v: 27,
      }),
    ).toEqual({
      name: 'engagement',
      url: 'https://example.com/a',
      domain: KEY,
      engagementTime: 4250,
      scrollDepth: 80,
    });
  });

  it('reads the long keys, and props sent as JSON text (m, older scripts)', () => {
    expect(
      readPlausibleEvent({
        name: 'pageview',
        url: 'https://example.com/',
        domain: KEY,
        referrer: 'https://search.example/',
        m: '{"author":"Ada","n":1.5}',
        revenue: { amount: '12.50', currency: 'EUR' },
      }),
    ).toEqual({
      name: 'pageview',
      url: 'https://example.com/',
      domain: KEY,
      referrer: 'https://search.example/',
      props: { author: 'Ada', n: 1.5 },
      revenue: { amount: '12.50', currency: 'EUR' },
    });
  });

  it('refuses with 400 INVALID_FIELD naming each field as the request spelled it', () => {
    expect(refusal({ u: 'https://example.com/', d: KEY })).toEqual({
      code: 'INVALID_FIELD',
      fields: ['name'],
    });
    expect(refusal({ n: 'pageview', d: KEY })).toEqual({ code: 'INVALID_FIELD', fields: ['url'] });
    expect(refusal({ n: 'pageview', u: 'https://example.com/' })).toEqual({
      code: 'INVALID_FIELD',
      fields: ['domain'],
    });
    expect(refusal({ n: '  ', u: 'https://example.com/', d: KEY })).toEqual({
      code: 'INVALID_FIELD',
      fields: ['n'],
    });
    expect(refusal({ n: 'x', u: 'https://example.com/', d: KEY, p: 'not json' })).toEqual({
      code: 'INVALID_FIELD',
      fields: ['p'],
    });
    expect(refusal({ n: 'x', u: 'https://example.com/', d: KEY, props: [1] })).toEqual({
      code: 'INVALID_FIELD',
      fields: ['props'],
    });
    expect(refusal({ name: 'x', url: 'https://example.com/', domain: KEY, interactive: 'no' })).toEqual({
      code: 'INVALID_FIELD',
      fields: ['interactive'],
    });
    for (const e of [-1, 1.5, '1200'])
      expect(refusal({ n: 'engagement', u: 'https://example.com/', d: KEY, e })).toEqual({
        code: 'INVALID_FIELD',
        fields: ['e'],
      });
    for (const sd of [-1, 50.5, '80'])
      expect(refusal({ n: 'engagement', u: 'https://example.com/', d: KEY, sd })).toEqual({
        code: 'INVALID_FIELD',
        fields: ['sd'],
      });
    expect(
      refusal({ name: 'x', url: 'https://example.com/', domain: KEY, $: { amount: 1, currency: 'euro' } }),
    ).toEqual({ code: 'INVALID_FIELD', fields: ['$.currency'] });
    expect(refusal([])).toEqual({ code: 'INVALID_FIELD', fields: ['body'] });
  });

  it("holds the URL's utm_* values to the contract's rule for context values, naming the URL as sent (they were dead-lettered, or cut)", () => {
    const fieldsOf = (body: unknown) => refused(body).options.fields ?? [];
    // %00 decodes to NUL, which PostgreSQL text cannot hold: the projection dead-lettered the event.
    expect(fieldsOf({ n: 'pageview', u: 'https://shop.example/?utm_source=news%00letter', d: KEY })).toEqual([
      {
        field: 'u',
        message:
          "its query's utm_source, decoded, contains the NUL character (U+0000), which cannot be stored; remove it",
      },
    ]);
    // 501 UTF-16 units, one over the limit: refused, not cut (a cut at 500 units split this emoji
    // and left U+FFFD in its place).
    const long = `${'a'.repeat(499)}%F0%9F%98%80`;
    const [tooLong] = fieldsOf({
      name: 'pageview',
      url: `https://pl.dev/?utm_campaign=${long}`,
      domain: KEY,
    });
    expect(tooLong).toEqual({
      field: 'url',
      message:
        "its query's utm_campaign, decoded, must be at most 500 characters (UTF-16 code units: an emoji counts 2)",
    });
    // At the limit it is kept whole.
    const kept = readPlausibleEvent({
      n: 'pageview',
      u: `https://pl.dev/?utm_term=${'a'.repeat(498)}%F0%9F%98%80`,
      d: KEY,
    });
    expect(toBatchItem(kept, VISITOR, () => 'id').context).toEqual({ utm_term: `${'a'.repeat(498)}😀` });
  });

  it('tells props sent as JSON text (m) what cannot be kept exactly, at its path, as props sent as an object are told', () => {
    const text = '{"order_id":12345678901234567890,"a":{"b":-0}}';
    expect(refused({ n: 'x', u: 'https://a.example/', d: KEY, m: text }).options.fields).toEqual([
      {
        field: 'm.order_id',
        message: '12345678901234567890 cannot be stored exactly as a number; send it as a string',
      },
      { field: 'm.a.b', message: 'is negative zero (-0), which is stored as 0; send 0' },
    ]);
  });

  it('tells a revenue amount of neither type what it takes, and a string that is no decimal that', () => {
    const messageOf = (amount: unknown) =>
      refused({ n: 'x', u: 'https://example.com/', d: KEY, $: { amount, currency: 'EUR' } }).message;
    expect(messageOf(true)).toBe('$.amount: must be a number or a decimal string ("12.50")');
    expect(messageOf(null)).toBe('$.amount: must be a number or a decimal string ("12.50")');
    expect(messageOf('12,50')).toBe('$.amount: must be a decimal number');
  });

  it('tells a request without a domain what to send, as it tells an empty one', () => {
    const messageOf = (body: unknown) => refused(body).message;
    const hint = /is required: a domain the project declares \(data-domain="example.com"\), or its write key/;
    expect(messageOf({ n: 'pageview', u: 'https://example.com/' })).toMatch(hint);
    expect(messageOf({ n: 'pageview', u: 'https://example.com/', d: '' })).toMatch(hint);
    // Another type is told the type, not that the field is missing.
    expect(messageOf({ n: 'pageview', u: 'https://example.com/', d: 5 })).not.toMatch(hint);
  });
});

describe('toBatchItem', () => {
  const ids = () => 'b1c4a3e2-0d1f-4b7e-9a52-3c9f1e7d2a10';

  it('maps a pageview to page_view with the derived visitor and visit, valid for the contract', () => {
    const item = toBatchItem(
      {
        name: 'pageview',
        url: 'https://example.com/p?utm_source=news&utm_campaign=spring&x=1',
        domain: KEY,
        referrer: 'https://search.example/',
      },
      VISITOR,
      ids,
    );
    expect(item).toEqual({
      event_name: 'page_view',
      event_id: ids(),
      anonymous_id: 'pv_1',
      session_id: 'ps_1',
      url: 'https://example.com/p?utm_source=news&utm_campaign=spring&x=1',
      referrer: 'https://search.example/',
      context: { utm_source: 'news', utm_campaign: 'spring' },
    });
    expect(BatchItem.safeParse(item).success).toBe(true);
  });

  it('keeps custom names and props exactly; marks non-interactive events and revenue in the context', () => {
    const props = { plan: 'pro', seats: 3, trial: false };
    const item = toBatchItem(
      {
        name: 'Signup',
        url: 'https://example.com/',
        domain: KEY,
        referrer: null,
        props,
        interactive: false,
        revenue: { amount: 12.5, currency: 'EUR' },
      },
      VISITOR,
      ids,
    );
    expect(item.event_name).toBe('Signup');
    expect(item.metadata).toBe(props);
    expect(item).not.toHaveProperty('referrer');
    expect(item.context).toEqual({ interactive: 'false', revenue_amount: '12.5', revenue_currency: 'EUR' });
    expect(BatchItem.safeParse(item).success).toBe(true);
  });

  it('takes a currency code in any case, kept in upper case; not a code of another length', () => {
    const sent = {
      n: 'Purchase',
      u: 'https://example.com/',
      d: KEY,
      $: { amount: '49.90', currency: 'eur' },
    };
    const event = readPlausibleEvent(sent);
    expect(event.revenue).toEqual({ amount: '49.90', currency: 'eur' });
    expect(toBatchItem(event, VISITOR, ids).context).toMatchObject({
      revenue_amount: '49.90',
      revenue_currency: 'EUR',
    });
    expect(refusal({ ...sent, $: { amount: 1, currency: 'eu' } })).toEqual({
      code: 'INVALID_FIELD',
      fields: ['$.currency'],
    });
  });

  it("maps the newer script's engagement event to page_leave; interactive true adds no marker", () => {
    const item = toBatchItem(
      { name: 'engagement', url: 'https://example.com/', domain: KEY, interactive: true },
      VISITOR,
      ids,
    );
    expect(item.event_name).toBe('page_leave');
    expect(item).not.toHaveProperty('context');
  });

  it("keeps an engagement's e (ms on the page) as metadata.duration_ms beside the props, never over a prop of that name", () => {
    const engagement = { name: 'engagement', url: 'https://example.com/', domain: KEY };
    const item = toBatchItem({ ...engagement, engagementTime: 4_250 }, VISITOR, ids);
    expect(item.metadata).toEqual({ duration_ms: 4_250 });
    expect(BatchItem.safeParse(item).success).toBe(true);
    const props = { plan: 'pro' };
    expect(toBatchItem({ ...engagement, engagementTime: 0, props }, VISITOR, ids).metadata).toEqual({
      plan: 'pro',
      duration_ms: 0,
    });
    expect(props).toEqual({ plan: 'pro' }); // the props as sent are not changed
    const own = { duration_ms: 'the page’s own' };
    expect(toBatchItem({ ...engagement, engagementTime: 9, props: own }, VISITOR, ids).metadata).toBe(own);
    // Not an engagement: e means nothing, and nothing is added.
    expect(
      toBatchItem({ ...engagement, name: 'pageview', engagementTime: 9 }, VISITOR, ids),
    ).not.toHaveProperty('metadata');
  });

  it("keeps an engagement's sd (scroll depth) as metadata.scroll_depth, as sent, never over a prop of that name", () => {
    const engagement = { name: 'engagement', url: 'https://example.com/', domain: KEY };
    const item = toBatchItem({ ...engagement, engagementTime: 4_250, scrollDepth: 80 }, VISITOR, ids);
    expect(item.metadata).toEqual({ duration_ms: 4_250, scroll_depth: 80 });
    expect(BatchItem.safeParse(item).success).toBe(true);
    // Over 100 is kept as sent: the Stats API leaves it out of scroll_depth (docs/plausible.md).
    expect(toBatchItem({ ...engagement, scrollDepth: 255 }, VISITOR, ids).metadata).toEqual({
      scroll_depth: 255,
    });
    const own = { scroll_depth: 'the page’s own' };
    expect(
      toBatchItem({ ...engagement, engagementTime: 9, scrollDepth: 10, props: own }, VISITOR, ids).metadata,
    ).toEqual({
      scroll_depth: 'the page’s own',
      duration_ms: 9,
    });
    expect(
      toBatchItem({ ...engagement, name: 'pageview', scrollDepth: 10 }, VISITOR, ids),
    ).not.toHaveProperty('metadata');
  });
});

describe('visitorOf', () => {
  const ua = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0';

  it('is stable for one project, address and User-Agent within a UTC day', () => {
    const morning = visitorOf(SECRET, Date.parse('2026-03-04T00:00:00Z'), 'p1', '203.0.113.7', ua);
    const night = visitorOf(SECRET, Date.parse('2026-03-04T23:59:59.999Z'), 'p1', '203.0.113.7', ua);
    expect(night).toEqual(morning);
    expect(morning.anonymousId).toMatch(/^pv_[0-9a-f]{32}$/);
    expect(morning.sessionId).toMatch(/^ps_[0-9a-f]{32}$/);
    expect(morning.sessionId.slice(3)).not.toBe(morning.anonymousId.slice(3));
  });

  it('differs across days, addresses, User-Agents, projects and secrets', () => {
    const base = visitorOf(SECRET, NOON, 'p1', '203.0.113.7', ua).anonymousId;
    const others = [
      visitorOf(SECRET, NOON + DAY, 'p1', '203.0.113.7', ua),
      visitorOf(SECRET, NOON, 'p1', '203.0.113.8', ua),
      visitorOf(SECRET, NOON, 'p1', '203.0.113.7', `${ua} x`),
      visitorOf(SECRET, NOON, 'p2', '203.0.113.7', ua),
      visitorOf(`${SECRET}!`, NOON, 'p1', '203.0.113.7', ua),
    ].map((v) => v.anonymousId);
    expect(new Set([base, ...others]).size).toBe(6);
  });

  it('never carries the address', () => {
    const { anonymousId, sessionId } = visitorOf(SECRET, NOON, 'p1', '203.0.113.7', ua);
    expect(`${anonymousId}${sessionId}`).not.toContain('203.0.113.7');
  });

  it('names the UTC day', () => {
    expect(utcDay(Date.parse('2026-03-04T23:59:59.999Z'))).toBe('2026-03-04');
    expect(utcDay(Date.parse('2026-03-05T00:00:00Z'))).toBe('2026-03-05');
  });
});

describe('siteOf: the project a domain names', () => {
  const PROJECT = '4f3e2d1c-0b9a-4876-9543-210fedcba987';
  const directory = { domainOwner: (domain: string) => (domain === 'shop.example' ? PROJECT : undefined) };
  const refused = (domain: string, field = 'd') => {
    try {
      siteOf(domain, field, directory);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      return { status: error.status, code: error.code, fields: error.options.fields };
    }
    throw new Error('accepted');
  };

  it("finds a declared domain's project, without regard to case", () => {
    expect(siteOf('shop.example', 'd', directory)).toEqual({
      by: 'domain',
      domain: 'shop.example',
      projectId: PROJECT,
    });
    expect(siteOf('Shop.Example', 'd', directory)).toEqual({
      by: 'domain',
      domain: 'shop.example',
      projectId: PROJECT,
    });
  });

  it('leaves a value in a key form to the key check, known or not (a 401 there, as /v1/events)', () => {
    expect(siteOf(KEY, 'd', directory)).toEqual({ by: 'key', apiKey: KEY });
    expect(siteOf('elr_readkey', 'domain', directory)).toEqual({ by: 'key', apiKey: 'elr_readkey' });
  });

  it('refuses an undeclared domain with a 400 naming the field as sent and the fix', () => {
    const other = refused('other.example');
    expect(other).toMatchObject({ status: 400, code: 'INVALID_FIELD' });
    expect(other.fields).toEqual([
      {
        field: 'd',
        message: expect.stringContaining(
          "add it to the project's settings (domains, PUT /v1/admin/projects/{project_id}/settings)",
        ),
      },
    ]);
    expect(refused('www.shop.example', 'domain').fields?.[0]?.field).toBe('domain');
    expect(refused('shop.example,other.example').fields?.[0]?.message).toContain('names several sites');
  });

  it('names the field as the request spelled it', () => {
    expect(sentAs({ d: 'x' }, 'domain')).toBe('d');
    expect(sentAs({ domain: 'x' }, 'domain')).toBe('domain');
    expect(sentAs({}, 'domain')).toBe('domain');
    expect(sentAs('text', 'domain')).toBe('domain');
  });
});
