/**
 * POST /api/event against the running stack: requests shaped as Plausible's script sends them
 * (text/plain, short keys, a browser's headers) land in Kafka as the expected EventTracked, with
 * the visitor and visit derived on the server under an injected clock; bad payloads and keys are
 * refused as the other ingestion routes refuse them.
 */
import { randomUUID } from 'node:crypto';
import { EVENT_SCHEMAS, type EventTracked } from '@eventlens/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandSide } from '../command-side';
import {
  adminClient,
  collectTopic,
  createTestTopics,
  deleteTestTopics,
  testConfig,
  testStack,
  type CollectedRecord,
  type TestStack,
} from '../test-support';

const DAY = 86_400_000;
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let stack: TestStack;
let topics: { events: string; admin: string };
let stop: (() => Promise<void>) | undefined;
let url: string;
let events: Awaited<ReturnType<typeof collectTopic>>;
let projectId: string;
let key: string;
let admin: ReturnType<typeof adminClient>;
/** Added to the real clock: moves the service to another day without waiting for one. */
let shift = 0;
/** Event ids the service gives, in order, so each test finds its own records. */
const issued: string[] = [];

beforeAll(async () => {
  stack = await testStack();
  topics = await createTestTopics(stack);
  // Loopback is a trusted proxy, so X-Forwarded-For gives each request its client address.
  // A rate limit far above what the tests send with the shared key, which one test exhausts with its own.
  const config = testConfig(stack, topics, {
    http: { port: 0, host: '127.0.0.1', trustProxy: ['loopback'] },
    rateLimit: { eventsPerSecond: 1, burst: 30 },
  });
  const commandSide = createCommandSide(config, {
    defaultMetrics: false,
    now: () => Date.now() + shift,
    newId: () => {
      const id = randomUUID();
      issued.push(id);
      return id;
    },
  });
  ({ url } = await commandSide.listen());
  stop = () => commandSide.stop();
  await commandSide.whenReady(30_000);
  admin = adminClient(url);
  ({ projectId, key } = await admin.projectWithKey('plausible tests'));
  events = await collectTopic(stack, topics.events);
});

afterAll(async () => {
  await events?.stop();
  await stop?.();
  if (topics) await deleteTestTopics(stack, topics);
});

/** What Plausible's script sends from a visitor's browser: its payload as text/plain, the browser's headers. */
async function send(
  payload: unknown,
  { ip = '198.51.100.23', userAgent = CHROME, path = '/api/event', contentType = 'text/plain' } = {},
) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'user-agent': userAgent,
      'x-forwarded-for': ip,
      origin: 'https://shop.example',
      referer: 'https://shop.example/',
      'accept-language': 'en-GB,en;q=0.9',
    },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  const body = (await response.json()) as {
    accepted?: number;
    error?: { code: string; message: string; fields?: { field: string }[] };
  };
  return { status: response.status, headers: response.headers, body };
}

/** Sends one event and reads back the EventTracked appended for it. */
async function tracked(payload: unknown, options: Parameters<typeof send>[1] = {}): Promise<EventTracked> {
  const before = issued.length;
  const response = await send(payload, options);
  expect(response.status).toBe(202);
  expect(response.body).toEqual({ accepted: 1 });
  const eventId = issued[before]!;
  const record = await events.until((all: CollectedRecord[]) =>
    all.find((r) => r.event.type === 'EventTracked' && r.event.value.event_id === eventId),
  );
  const value = EVENT_SCHEMAS.EventTracked.parse({ ...record.event.value });
  expect(record.key).toBe(`${projectId}:${value.session_id}`);
  return value;
}

const pageview = () => ({
  n: 'pageview',
  u: 'https://shop.example/shoes?utm_source=newsletter&utm_medium=email',
  d: key,
  r: 'https://search.example/?q=shoes',
  w: 1440,
});

describe('POST /api/event', () => {
  it("appends the script's pageview as a page_view with the visitor, visit and browser derived on the server", async () => {
    const before = Date.now();
    const value = await tracked(pageview());
    expect(value).toMatchObject({
      project_id: projectId,
      event_name: 'page_view',
      user_id: null,
      url: 'https://shop.example/shoes?utm_source=newsletter&utm_medium=email',
      referrer: 'https://search.example/?q=shoes',
      metadata_json: '{}',
      context: { utm_source: 'newsletter', utm_medium: 'email' },
      utm_source: 'newsletter',
      utm_medium: 'email',
      browser: 'Chrome',
      browser_version: '131',
      os: 'Windows',
      device_type: 'desktop',
    });
    expect(value.anonymous_id).toMatch(/^pv_[0-9a-f]{32}$/);
    expect(value.session_id).toMatch(/^ps_[0-9a-f]{32}$/);
    expect(value.timestamp).toBe(value.received_at);
    expect(value.received_at).toBeGreaterThanOrEqual(before);
    // The address is looked up and dropped: no field carries it.
    expect(JSON.stringify(value)).not.toContain('198.51.100.23');
  });

  it('keeps a custom event, its props exactly and the non-interactive marker (long keys, application/json)', async () => {
    const value = await tracked(
      {
        name: 'Signup',
        url: 'https://shop.example/join',
        domain: key,
        referrer: null,
        props: { plan: 'pro', seats: 3, trial: false, price: 12.5 },
        interactive: false,
      },
      { contentType: 'application/json' },
    );
    expect(value).toMatchObject({
      event_name: 'Signup',
      url: 'https://shop.example/join',
      referrer: null,
      metadata_json: '{"plan":"pro","seats":3,"trial":false,"price":12.5}',
      context: { interactive: 'false' },
    });
  });

  it("appends the newer script's engagement as a page_leave of the same visit, its e and sd as metadata.duration_ms and scroll_depth", async () => {
    const view = await tracked(pageview());
    const leave = await tracked({ n: 'engagement', u: pageview().u, d: key, r: null, sd: 64, e: 12_345 });
    expect(leave).toMatchObject({
      event_name: 'page_leave',
      url: pageview().u,
      metadata_json: '{"duration_ms":12345,"scroll_depth":64}',
      session_id: view.session_id,
      anonymous_id: view.anonymous_id,
    });
  });

  it('gives the same visitor and visit for one address and browser all day, others across days and addresses', async () => {
    const first = await tracked(pageview());
    const again = await tracked({ ...pageview(), n: 'Download' });
    expect([again.anonymous_id, again.session_id]).toEqual([first.anonymous_id, first.session_id]);

    const otherAddress = await tracked(pageview(), { ip: '198.51.100.24' });
    const otherBrowser = await tracked(pageview(), { userAgent: CHROME.replace('131', '130') });
    shift = DAY;
    try {
      const nextDay = await tracked(pageview());
      const ids = [first, otherAddress, otherBrowser, nextDay].map((v) => v.anonymous_id);
      expect(new Set(ids).size).toBe(4);
      expect(nextDay.session_id).not.toBe(first.session_id);
    } finally {
      shift = 0;
    }
  });

  it('marks a crawler as bot traffic, as /v1/events does', async () => {
    const value = await tracked(pageview(), {
      userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    });
    expect(value.context).toHaveProperty('bot');
    // The visitor's User-Agent in any form: a crawler or an HTTP client that is no browser is a bot here.
    for (const userAgent of ['Googlebot/2.1 (+http://www.google.com/bot.html)', 'curl/8.5.0'])
      expect((await tracked(pageview(), { userAgent })).context, userAgent).toHaveProperty('bot');
  });

  it('refuses a bad payload with 400 INVALID_FIELD naming the field as sent', async () => {
    const cases: Array<[unknown, string]> = [
      [{ u: 'https://shop.example/', d: key }, 'name'],
      [{ n: 'pageview', d: key }, 'url'],
      [{ n: 'pageview', u: 'https://shop.example/' }, 'domain'],
      [{ ...pageview(), p: 'plan=pro' }, 'p'],
      [{ ...pageview(), i: 'yes' }, 'i'],
    ];
    for (const [payload, field] of cases) {
      const response = await send(payload);
      expect(response.status, field).toBe(400);
      expect(response.body.error?.code).toBe('INVALID_FIELD');
      expect(response.body.error?.fields?.map((f) => f.field)).toEqual([field]);
    }
    const notJson = await send('n=pageview');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error?.code).toBe('INVALID_JSON');
    // Counted as the other ingestion routes' refusals are, by reason: the dashboards' refusal rate sees them.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const count = (reason: string) =>
      Number(
        metrics
          .split('\n')
          .find((l) =>
            l.startsWith(`eventlens_ingest_requests_refused_total{route="/api/event",reason="${reason}"} `),
          )
          ?.split(' ')[1] ?? 'NaN',
      );
    expect(count('INVALID_FIELD')).toBeGreaterThanOrEqual(cases.length);
    expect(count('INVALID_JSON')).toBeGreaterThanOrEqual(1);
  });

  it('answers an unknown key as domain exactly as /v1/events answers it', async () => {
    const unknown = 'el_unknownunknownunknown0';
    const plausible = await send({ ...pageview(), d: unknown });
    const ours = await send({ api_key: unknown, event_name: 'page_view' }, { path: '/v1/events' });
    expect(plausible.status).toBe(401);
    expect(plausible).toEqual({ ...ours, headers: plausible.headers });
  });

  it("takes a domain the project declares as its site, as Plausible's script sends it", async () => {
    const { projectId: site, key: siteKey } = await admin.projectWithKey('plausible by domain');
    const domain = `site-${randomUUID().slice(0, 8)}.example`;
    const put = await admin.call('PUT', `/v1/admin/projects/${site}/settings`, {
      time_zone: 'UTC',
      domains: [domain],
    });
    expect(put.status).toBe(200);
    const before = issued.length;
    const response = await send({ ...pageview(), d: domain.toUpperCase() });
    expect(response).toMatchObject({ status: 202, body: { accepted: 1 } });
    const record = await events.until((all: CollectedRecord[]) =>
      all.find((r) => r.event.type === 'EventTracked' && r.event.value.event_id === issued[before]),
    );
    expect(record.event.value).toMatchObject({ project_id: site, event_name: 'page_view' });
    // The same visitor by domain as by the project's write key: the site is the project either way.
    const byKey = await send({ ...pageview(), d: siteKey });
    expect(byKey.status).toBe(202);
    const again = await events.until((all: CollectedRecord[]) =>
      all.find((r) => r.event.type === 'EventTracked' && r.event.value.event_id === issued[before + 1]),
    );
    const ids = (r: CollectedRecord) =>
      r.event.type === 'EventTracked' ? [r.event.value.anonymous_id, r.event.value.session_id] : [];
    expect(ids(again)).toEqual(ids(record));
  });

  it('refuses a domain no project declares with a 400 naming the field as sent and the fix', async () => {
    const undeclared = await send({ ...pageview(), d: 'undeclared.example' });
    expect(undeclared.status).toBe(400);
    expect(undeclared.body.error?.code).toBe('INVALID_FIELD');
    expect(undeclared.body.error?.fields).toEqual([
      { field: 'd', message: expect.stringContaining("add it to the project's settings (domains") },
    ]);
    const long = await send({ name: 'pageview', url: 'https://x.example/', domain: 'undeclared.example' });
    expect(long.body.error?.fields?.map((f) => f.field)).toEqual(['domain']);
  });

  it("answers 429 with Retry-After once the key's rate limit is spent, as /v1/events does; a declared domain has its own", async () => {
    const { projectId: own, key: ownKey } = await admin.projectWithKey('plausible rate limit');
    const domain = `limited-${randomUUID().slice(0, 8)}.example`;
    const put = await admin.call('PUT', `/v1/admin/projects/${own}/settings`, {
      time_zone: 'UTC',
      domains: [domain],
    });
    expect(put.status).toBe(200);
    const spend = async (d: string) => {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      let message: string | undefined;
      // Until the first 429: 30 of burst, plus what the bucket refills (1 a second) while they are
      // sent, which a loaded CI run made more than 40 requests in all.
      for (let i = 0; i < 200 && !statuses.includes(429); i++) {
        const response = await send({ ...pageview(), d });
        statuses.push(response.status);
        if (response.status === 429) {
          retryAfter = response.headers.get('retry-after');
          message = response.body.error?.message;
        }
      }
      return { statuses, retryAfter, message };
    };
    const byKey = await spend(ownKey);
    expect(byKey.statuses[0]).toBe(202);
    expect(byKey.statuses.at(-1)).toBe(429);
    expect(Number(byKey.retryAfter)).toBeGreaterThanOrEqual(1);
    // The key's bucket is spent; the domain's is not, and is spent the same way.
    const byDomain = await spend(domain);
    expect(byDomain.statuses[0]).toBe(202);
    expect(byDomain.statuses.at(-1)).toBe(429);
    expect(byDomain.message).toContain('this domain sends more than its rate limit');
  });

  it('answers the CORS preflight of a sender that asks for one', async () => {
    const response = await fetch(`${url}/api/event`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });
});
