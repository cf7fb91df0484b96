/**
 * runProjections with neither Kafka nor PostgreSQL answering (a first deploy whose Kafka is still
 * starting): the health listener answers at once, /readyz names both, and the process waits for
 * them instead of exiting into a restart loop; a stop meanwhile ends it. Both addresses are ports
 * nothing listens on.
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from './config';
import { runProjections } from './service';

/** A port free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

it('answers /healthz and names the missing dependencies in /readyz while it waits for them, and stops meanwhile', async () => {
  const port = await freePort();
  const config = loadConfig({
    EVENTLENS_KAFKA_BROKERS: '127.0.0.1:9',
    EVENTLENS_REGISTRY_URL: 'http://127.0.0.1:9/apis/ccompat/v7',
    EVENTLENS_DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none',
    EVENTLENS_READER_ROLE: 'reader',
    EVENTLENS_PROJECTIONS_PORT: String(port),
    EVENTLENS_LOG_LEVEL: 'error',
  });
  const running = await runProjections(config);
  stops.push(() => running.stop());
  let settled = false;
  void running.ready.then(
    () => (settled = true),
    () => (settled = true),
  );

  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  expect(health.status).toBe(200);
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  expect(ready.status).toBe(503);
  const body = JSON.stringify(await ready.json());
  expect(body).toContain('kafka');
  expect(body).toContain('postgres');
  // Still waiting a few seconds on: it did not give up (it used to exit after about 6 s).
  await new Promise((resolve) => setTimeout(resolve, 8_000));
  expect(settled).toBe(false);
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

  await running.stop();
  await expect(running.ready).resolves.toBeUndefined();
  await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
}, 30_000);
