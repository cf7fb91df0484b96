/**
 * A project's excluded address ranges at ingestion, against the running stack: an event whose
 * client address (the connecting one, or X-Forwarded-For from a trusted proxy) lies in one of them
 * is accepted and appended with `context.excluded = "address"` on POST /v1/events, /v1/batch and
 * /api/event, the rest of the event as it would be otherwise and the address in no field; another
 * address is not marked; a settings change applies to the events received after it.
 */
import { randomUUID } from 'node:crypto';
import { EVENT_SCHEMAS, type EventTracked } from '@eventlens/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminClient,
  collectTopic,
  createTestTopics,
  deleteTestTopics,
  startCommandSide,
  testConfig,
  testStack,
  type CollectedRecord,
  type RunningCommandSide,
  type TestStack,
} from '../test-support';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let stack: TestStack;
let topics: { events: string; admin: string };
let running: RunningCommandSide;
let events: Awaited<ReturnType<typeof collectTopic>>;
let admin: ReturnType<typeof adminClient>;
let projectId: string;
let key: string;
const domain = `own-${randomUUID().slice(0, 8)}.example`;

beforeAll(async () => {
  stack = await testStack();
  topics = await createTestTopics(stack);
  // Loopback is a trusted proxy: a request without X-Forwarded-For is from 127.0.0.1, one with it
  // from the address it names.
  running = await startCommandSide(
    testConfig(stack, topics, { http: { port: 0, host: '127.0.0.1', trustProxy: ['loopback'] } }),
  );
  admin = adminClient(running.url);
  ({ projectId, key } = await admin.projectWithKey('excluded ranges'));
  await settings(['127.0.0.0/8', '203.0.113.0/24']);
  events = await collectTopic(stack, topics.events);
});

afterAll(async () => {
  await events?.stop();
  await running?.stop();
  if (topics) await deleteTestTopics(stack, topics);
});

async function settings(ranges: string[]) {
  const put = await admin.call('PUT', `/v1/admin/projects/${projectId}/settings`, {
    time_zone: 'UTC',
    domains: [domain],
    excluded_address_ranges: ranges,
  });
  expect(put.status).toBe(200);
}

/** Posts `body` to `path` (from `forwardedFor` when given) and reads back the events it appended. */
async function sent(path: string, body: unknown, forwardedFor?: string): Promise<EventTracked[]> {
  const marker = randomUUID();
  const response = await fetch(`${running.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': CHROME,
      ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
    },
    body: JSON.stringify(body).replaceAll('MARKER', marker),
  });
  const answer = (await response.json()) as { accepted: number };
  expect(response.status, JSON.stringify(answer)).toBe(202);
  const mine = (all: CollectedRecord[]) =>
    all
      .filter((r) => r.event.type === 'EventTracked' && r.event.value.url?.includes(marker))
      .map((r) => EVENT_SCHEMAS.EventTracked.parse({ ...r.event.value }));
  return events.until((all) => mine(all).length === answer.accepted && mine(all));
}

const page = (path: string) => ({ event_name: 'page_view', url: `https://shop.example${path}?m=MARKER` });

describe('excluded address ranges at ingestion', () => {
  it('marks an event from 127.0.0.1 on /v1/events, and keeps the rest of it as sent, without the address', async () => {
    const [event] = await sent('/v1/events', { api_key: key, ...page('/a'), context: { title: 'A' } });
    expect(event).toMatchObject({ project_id: projectId, event_name: 'page_view', browser: 'Chrome' });
    expect(event!.context).toEqual({ title: 'A', excluded: 'address' });
    expect(event!.page_title).toBe('A');
    expect(JSON.stringify(event)).not.toContain('127.0.0.1');
  });

  it('marks every event of a batch, and an /api/event addressed by domain, from a range through a trusted proxy', async () => {
    const batch = await sent(
      '/v1/batch',
      { api_key: key, events: [page('/b1'), page('/b2')] },
      '203.0.113.9',
    );
    expect(batch.map((e) => e.context)).toEqual([{ excluded: 'address' }, { excluded: 'address' }]);
    const [plausible] = await sent(
      '/api/event',
      { n: 'pageview', u: page('/p').url, d: domain },
      '203.0.113.10',
    );
    expect(plausible).toMatchObject({ project_id: projectId, event_name: 'page_view' });
    expect(plausible!.context).toEqual({ excluded: 'address' });
    expect(JSON.stringify([...batch, plausible])).not.toMatch(/203\.0\.113/);
  });

  it('does not mark an event from another address', async () => {
    const [ours] = await sent('/v1/events', { api_key: key, ...page('/c') }, '198.51.100.7');
    expect(ours!.context).toEqual({});
    const [plausible] = await sent('/api/event', { n: 'Signup', u: page('/p2').url, d: key }, '198.51.100.7');
    expect(plausible!.context).toEqual({});
  });

  it('applies a settings change to the events received after it', async () => {
    await settings(['198.51.100.0/24']);
    const [loopback] = await sent('/v1/events', { api_key: key, ...page('/d') });
    expect(loopback!.context).toEqual({});
    const [now] = await sent('/v1/events', { api_key: key, ...page('/e') }, '198.51.100.7');
    expect(now!.context).toEqual({ excluded: 'address' });
  });
});
