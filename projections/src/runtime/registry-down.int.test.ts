import { createCodec } from '@eventlens/contracts';
import { stackForTests } from '@eventlens/stack';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@eventlens/stack/eventually';
import { ident } from '../db';
import { expectedReadModels, readModels } from '../testing/expected';
import {
  caughtUp,
  count,
  createTestEnv,
  produceEvents,
  startInProcess,
  type InProcess,
  type TestEnv,
} from '../testing/fixture';
import { generateTraffic } from '../testing/traffic';

/**
 * The schema registry "goes down" for the workers only: they reach it through a proxy that the
 * test switches off and on (the shared registry is never touched). A worker that has not seen a
 * schema id yet cannot decode — that is a transient failure, not a bad record.
 */
describe('schema registry unavailable (through a proxy the test controls)', () => {
  let env: TestEnv;
  let workers: InProcess;
  let proxy: http.Server;
  let up = false;

  beforeAll(async () => {
    const dev = await stackForTests();
    const target = new URL(dev.registryUrl);
    proxy = http.createServer((req, res) => {
      if (!up) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('registry down');
        return;
      }
      const forward = http.request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.writeHead(502).end());
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxied = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${target.pathname}`;
    env = await createTestEnv();
    // The workers' codec starts with an empty cache and only knows the proxy.
    workers = await startInProcess(env, ['analytics', 'ops'], {
      codec: createCodec({ registryUrl: proxied }),
    });
  });
  afterAll(async () => {
    await workers?.stop();
    await env?.cleanup();
    proxy?.close();
  });

  it('pauses on a registry outage instead of dead-lettering, and resumes when it is back', async () => {
    const { schema, source } = env.topology.projections.analytics;
    const traffic = generateTraffic({ projects: 2, sessionsPerProject: 5, eventsPerSession: 10, seed: 5 });
    await produceEvents(env, traffic);

    const transient = async () =>
      (await workers.metrics.transientErrors.get()).values
        .filter((v) => v.labels.code === 'REGISTRY_UNAVAILABLE')
        .reduce((sum, v) => sum + v.value, 0);
    await eventually('the workers retrying the registry three times', async () => (await transient()) >= 3, {
      timeoutMs: 30_000,
    });
    expect(
      await count(env.pool, `select coalesce(sum(next_offset), 0) as n from ${ident(schema)}.checkpoints`),
    ).toBe(0);

    up = true;
    await caughtUp(env, schema, source);
    expect(await readModels(env.pool, schema)).toEqual(expectedReadModels(traffic));
    // Nothing was treated as a bad record.
    const ops = ident(env.topology.ops.schema);
    expect(await count(env.pool, `select count(*) as n from ${ops}.failure_counts`)).toBe(0);
    expect(await count(env.pool, `select count(*) as n from ${ops}.dlq_records`)).toBe(0);
  });
});
