/**
 * The running stack's services, as a newcomer uses them: POST with the demo write key, read back
 * with the demo read key; the record on the log in the Confluent wire format; tenancy and
 * revocation end to end.
 */
import { randomUUID } from 'node:crypto';
import { createCodec, TOPICS } from '@eventlens/contracts';
import { stackForTests, type DevFile } from '@eventlens/stack';
import { eventually } from '@eventlens/stack/eventually';
import { Kafka, logLevel } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';

let dev: Required<
  Pick<DevFile, 'ingestUrl' | 'queryUrl' | 'apiKey' | 'readKey' | 'adminToken' | 'projectId'>
> &
  DevFile;

const post = (route: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${dev.ingestUrl}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const query = (route: string, key: string) =>
  fetch(`${dev.queryUrl}${route}`, { headers: { authorization: `Bearer ${key}` } });

async function adminCommand(method: string, route: string, body?: unknown) {
  const res = await fetch(`${dev.ingestUrl}${route}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${dev.adminToken}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBeLessThan(300);
  return res.status === 204 ? {} : ((await res.json()) as Record<string, string>);
}

beforeAll(async () => {
  const file = await stackForTests();
  for (const field of ['ingestUrl', 'queryUrl', 'apiKey', 'readKey', 'adminToken', 'projectId'] as const) {
    if (!file[field])
      throw new Error(
        `dev.json has no ${field}: restart the stack ("npm run stack:down && npm run stack:up")`,
      );
  }
  dev = file as typeof dev;
});

describe('the pipeline end to end', () => {
  it('POST → on the log in the Confluent wire format → visible through the query API within seconds', async () => {
    const kafka = new Kafka({
      clientId: 'e2e',
      brokers: dev.kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    const before = await admin.fetchTopicOffsets(TOPICS.events);
    await admin.disconnect();

    const eventId = randomUUID();
    const sessionId = `e2e-${randomUUID()}`;
    const sent = Date.now();
    const res = await post('/v1/events', {
      api_key: dev.apiKey,
      event_name: 'button_click',
      event_id: eventId,
      session_id: sessionId,
      metadata: { plan: 'pro', html: '<img src=x onerror=alert(1)>' },
      url: 'https://example.com/pricing?x=1',
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1 });

    // Visible within 10 s of the POST being sent: the wait is what is left of those 10 s.
    const item = await eventually(
      'the event in the query API within 10 s of the POST',
      async () => {
        const r = await query(`/v1/events/${eventId}`, dev.readKey);
        return r.status === 200 ? ((await r.json()) as Record<string, unknown>) : undefined;
      },
      { timeoutMs: 10_000 - (Date.now() - sent) },
    );
    expect(item).toMatchObject({
      event_id: eventId,
      event_name: 'button_click',
      session_id: sessionId,
      metadata: { plan: 'pro', html: '<img src=x onerror=alert(1)>' },
      url: 'https://example.com/pricing?x=1',
    });
    const session = await eventually('the session', async () => {
      const r = await query(`/v1/sessions/${sessionId}`, dev.readKey);
      return r.status === 200 ? ((await r.json()) as { session: { event_count: number } }) : undefined;
    });
    expect(session.session.event_count).toBe(1);

    // The record itself, read straight off the partition it went to.
    const codec = createCodec({ registryUrl: dev.registryUrl });
    const consumer = kafka.consumer({ groupId: `e2e-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.events });
    let found: { first: number; type: string; projectId: string } | undefined;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const p of before)
        consumer.seek({ topic: TOPICS.events, partition: p.partition, offset: p.offset });
    });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const decoded = await codec.decode(message.value!);
        if (decoded.type === 'EventTracked' && decoded.value.event_id === eventId) {
          found = { first: message.value![0]!, type: decoded.type, projectId: decoded.value.project_id };
        }
      },
    });
    await eventually('the record on the log', () => found, { timeoutMs: 30_000 });
    await consumer.disconnect();
    expect(found).toEqual({ first: 0, type: 'EventTracked', projectId: dev.projectId });
  });

  it("keeps projects apart: B's read key sees nothing of A and gets 404 for A's event", async () => {
    const eventId = randomUUID();
    expect(
      (await post('/v1/events', { api_key: dev.apiKey, event_name: 'private', event_id: eventId })).status,
    ).toBe(202);
    await eventually(
      'the event for A',
      async () => (await query(`/v1/events/${eventId}`, dev.readKey)).status === 200,
    );

    const project = await adminCommand('POST', '/v1/admin/projects', { name: `B ${randomUUID()}` });
    const readB = await adminCommand('POST', `/v1/admin/projects/${project.project_id}/keys`, {
      kind: 'read',
    });
    const asB = await eventually('B read key to be known', async () => {
      const r = await query('/v1/events', readB.key!);
      return r.status === 200 ? ((await r.json()) as { items: unknown[] }) : undefined;
    });
    expect(asB.items).toEqual([]);
    expect((await query(`/v1/events/${eventId}`, readB.key!)).status).toBe(404);
  });

  it('keeps bot traffic out of the reports: counted apart, still in the explorer', async () => {
    const project = await adminCommand('POST', '/v1/admin/projects', { name: `bots ${randomUUID()}` });
    const write = await adminCommand('POST', `/v1/admin/projects/${project.project_id}/keys`, {
      kind: 'write',
    });
    const read = await adminCommand('POST', `/v1/admin/projects/${project.project_id}/keys`, {
      kind: 'read',
    });
    const browser =
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
    const sent = [
      { id: randomUUID(), ua: browser },
      { id: randomUUID(), ua: browser.replace('Chrome/', 'HeadlessChrome/') },
    ];
    for (const { id, ua } of sent) {
      const body = {
        api_key: write.key,
        event_name: 'page_view',
        event_id: id,
        url: 'https://site.example/a',
      };
      await eventually(
        'the write key to be known',
        async () => (await post('/v1/events', body, { 'user-agent': ua })).status === 202,
      );
    }
    const [person, bot] = await Promise.all(
      sent.map(({ id }) =>
        eventually(`event ${id}`, async () => {
          const r = await query(`/v1/events/${id}`, read.key!);
          return r.status === 200 ? ((await r.json()) as { context: Record<string, string> }) : undefined;
        }),
      ),
    );
    expect(person!.context.bot).toBeUndefined();
    expect(bot!.context.bot).toMatch(/headless/i);
    const overview = (await (await query('/v1/stats/overview', read.key!)).json()) as Record<string, number>;
    expect(overview).toMatchObject({ events: 1, page_views: 1, bot_events: 1 });
  });

  it('refuses a revoked write key within 2 seconds', async () => {
    const write = await adminCommand('POST', `/v1/admin/projects/${dev.projectId}/keys`, {
      kind: 'write',
      name: 'to revoke',
    });
    expect((await post('/v1/events', { api_key: write.key, event_name: 'before_revoke' })).status).toBe(202);
    await adminCommand('DELETE', `/v1/admin/projects/${dev.projectId}/keys/${write.key_id}`);
    const status = await eventually(
      'the revoked key to be refused within 2 s',
      async () => {
        const r = await post('/v1/events', { api_key: write.key, event_name: 'after_revoke' });
        return r.status === 401 ? r.status : undefined;
      },
      { timeoutMs: 2_000 },
    );
    expect(status).toBe(401);
  });
});
