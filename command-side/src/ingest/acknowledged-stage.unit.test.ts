/**
 * The `acknowledged` stage of `eventlens_event_stage_seconds`: every event Kafka acknowledged is
 * observed once, with the seconds from its `received_at` to the acknowledgement. Through the real
 * app on a loopback port, with plain fakes: a clock the fake log moves forward while it "appends".
 */
import type { AddressInfo } from 'node:net';
import { compileAddressRanges } from '@eventlens/contracts';
import { silentLogger } from '@eventlens/service-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeyDirectory, type KeyEntry } from '../admin/directory';
import { createApp } from '../app';
import { createMetrics } from '../http/metrics';

const WRITE_KEY: KeyEntry = {
  key_id: 'key-1',
  project_id: '9a08208e-23d6-43d7-9d63-0b03e2cbbecc',
  kind: 'write',
  name: 'site',
  key_prefix: 'el_test',
  revoked: false,
};
const API_KEY = 'el_4XqbC-NJR6WDd_gdN3TwFwvMMwqiHgqx';
/** What the fake log takes to acknowledge one append. */
const ACK_MS = 42;

async function givenAnApp() {
  let clock = 1_700_000_000_000;
  const metrics = createMetrics({ defaultMetrics: false });
  const app = createApp({
    ingest: {
      directory: {
        keyFor: (key) => (key === API_KEY ? WRITE_KEY : undefined),
        domainOwner: () => undefined,
        excludedRanges: () => compileAddressRanges([]),
      },
      appender: {
        append: async () => {
          clock += ACK_MS;
        },
      },
      codec: { encode: () => Buffer.alloc(1) },
      limiter: { take: async () => ({ ok: true }) },
      eventsTopic: 'events',
      notReady: () => undefined,
      catchUp: async () => undefined,
      now: () => clock,
      newId: () => '00000000-0000-4000-8000-000000000000',
    },
    admin: {
      directory: createKeyDirectory(),
      appender: { append: async () => {} },
      codec: { encode: () => Buffer.alloc(0) },
      adminTopic: 'admin',
      auth: { sessionSecret: 'a session secret of the test', adminToken: undefined },
      notReady: () => undefined,
      catchUp: async () => undefined,
      now: () => clock,
      newId: () => '00000000-0000-4000-8000-000000000000',
    },
    metrics,
    checks: () => [],
    logger: silentLogger,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  /** The acknowledged stage's series: observation count, sum and the cumulative bucket counts. */
  const stage = async () => {
    const [metric] = (await metrics.registry.getMetricsAsJSON()).filter(
      (m) => m.name === 'eventlens_event_stage_seconds',
    );
    // A histogram's values name their series (`_bucket`, `_sum`, `_count`), which the type leaves out.
    const values = (
      (metric?.values ?? []) as { value: number; labels: Record<string, unknown>; metricName?: string }[]
    ).filter((v) => v.labels.stage === 'acknowledged' && v.labels.projection === '');
    const bucket = (le: number) => values.find((v) => v.labels.le === le)?.value;
    return {
      count: values.find((v) => v.metricName === 'eventlens_event_stage_seconds_count')?.value,
      sum: values.find((v) => v.metricName === 'eventlens_event_stage_seconds_sum')?.value,
      bucket,
    };
  };
  return { post, stage };
}

const servers: { close(): void }[] = [];
afterAll(() => servers.forEach((s) => s.close()));

const event = { event_name: 'signup', anonymous_id: 'a-1' };

describe('the acknowledged stage', () => {
  it('observes each accepted event once, with the time from its received_at to the acknowledgement', async () => {
    const { post, stage } = await givenAnApp();

    expect((await post('/v1/events', { api_key: API_KEY, ...event })).status).toBe(202);
    expect((await post('/v1/batch', { api_key: API_KEY, events: [event, event, event] })).status).toBe(202);

    const observed = await stage();
    expect(observed.count).toBe(4);
    expect(observed.sum).toBeCloseTo((4 * ACK_MS) / 1000, 6);
    expect(observed.bucket(0.03)).toBe(0);
    expect(observed.bucket(0.05)).toBe(4);
  });

  it('observes nothing for a refused request', async () => {
    const { post, stage } = await givenAnApp();

    expect(
      (await post('/v1/events', { api_key: 'el_unknownunknownunknownunknown00', ...event })).status,
    ).toBe(401);
    expect((await post('/v1/events', { api_key: API_KEY })).status).toBe(400);

    expect((await stage()).count ?? 0).toBe(0);
  });
});
