import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { healthHandlers, readinessAnswer, runChecks } from './health';

describe('runChecks', () => {
  it('names each check ok, or with its error, or with a timeout', async () => {
    const results = await runChecks(
      {
        postgres: async () => undefined,
        kafka: () => {
          throw new Error('connect ECONNREFUSED');
        },
        registry: () => new Promise(() => undefined),
      },
      50,
    );
    expect(results).toEqual([
      { name: 'postgres', ok: true, detail: 'ok' },
      { name: 'kafka', ok: false, detail: 'connect ECONNREFUSED' },
      { name: 'registry', ok: false, detail: 'no answer within 50 ms' },
    ]);
  });
});

describe('readinessAnswer', () => {
  it('is 200 ready when every check is ok, else 503 NOT_READY naming the failing ones', () => {
    expect(readinessAnswer([{ name: 'postgres', ok: true, detail: 'ok' }])).toEqual({
      status: 200,
      headers: {},
      body: { status: 'ready', checks: { postgres: { ok: true, detail: 'ok' } } },
    });
    const answer = readinessAnswer([
      { name: 'postgres', ok: true, detail: 'ok' },
      { name: 'kafka', ok: false, detail: 'no broker' },
    ]);
    expect(answer.status).toBe(503);
    expect(answer.headers).toEqual({ 'Retry-After': '1' });
    expect(answer.body).toEqual({
      status: 'not ready',
      error: { code: 'NOT_READY', message: 'not ready: kafka (no broker)' },
      checks: { postgres: { ok: true, detail: 'ok' }, kafka: { ok: false, detail: 'no broker' } },
    });
  });
});

describe('healthHandlers', () => {
  let ready = false;
  const { healthz, readyz } = healthHandlers({
    checks: {
      db: () => {
        if (!ready) throw new Error('down');
      },
    },
  });
  const server = createServer((req, res) => (req.url === '/healthz' ? healthz(req, res) : readyz(req, res)));
  const base = new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('answers /healthz always and /readyz from the checks, as JSON', async () => {
    const health = await fetch(`${await base}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const down = await fetch(`${await base}/readyz`);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1');
    expect(((await down.json()) as { error: { code: string } }).error.code).toBe('NOT_READY');
    ready = true;
    const up = await fetch(`${await base}/readyz`);
    expect(up.status).toBe(200);
    expect(up.headers.get('content-type')).toMatch(/^application\/json/);
  });
});
