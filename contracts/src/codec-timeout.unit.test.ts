/**
 * A registry that accepts connections and never answers must not hang a service: every registry
 * request the codec makes (setting the compatibility level, registering, fetching a writer schema)
 * fails as REGISTRY_UNAVAILABLE (retriable) within its bound.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodecError, createCodec } from './codec';

let server: http.Server;
let url: string;
/** The paths the silent registry was asked for, so a test can tell which request timed out. */
const asked: string[] = [];

beforeAll(async () => {
  // Answers /config/* at once with the level the codec sets (so registration reaches the registry
  // client) and nothing else, ever.
  server = http.createServer((req, res) => {
    asked.push(`${req.method} ${req.url}`);
    if (req.url?.startsWith('/config/')) {
      res.setHeader('content-type', 'application/json');
      res.end('{"compatibility":"FULL_TRANSITIVE","compatibilityLevel":"FULL_TRANSITIVE"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(promise: Promise<unknown>): Promise<{ error: CodecError; ms: number }> {
  const started = Date.now();
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CodecError);
  return { error: error as CodecError, ms: Date.now() - started };
}

describe('registry request timeout', () => {
  it('a hung registry fails the compatibility request as REGISTRY_UNAVAILABLE', async () => {
    const codec = createCodec({
      registryUrl: url,
      requestTimeoutMs: 200,
      fetchImpl: (input, init) => fetch(String(input).replace('/config/', '/hang/'), init),
    });
    const { error, ms } = await failure(codec.register());
    expect(error.code).toBe('REGISTRY_UNAVAILABLE');
    expect(error.transient).toBe(true);
    expect(ms).toBeLessThan(5_000);
  });

  it('a hung registry fails registration and a schema lookup as REGISTRY_UNAVAILABLE', async () => {
    // The codec's own PUT /config is answered without the network, so that under a loaded machine
    // it cannot be the request that times out: the one under test is the registry client's.
    const codec = createCodec({
      registryUrl: url,
      requestTimeoutMs: 1_000,
      fetchImpl: (input, init) =>
        String(input).includes('/config/')
          ? Promise.resolve(
              new Response('{"compatibility":"FULL_TRANSITIVE"}', {
                status: 200,
                headers: { 'content-type': 'application/json' },
              }),
            )
          : fetch(input, init),
    });
    const registering = await failure(codec.register());
    expect(registering.error.code).toBe('REGISTRY_UNAVAILABLE');
    expect(registering.error.message).toMatch(/registering/);
    expect(asked.some((line) => line.startsWith('POST /subjects/'))).toBe(true);

    // A record with an unknown writer schema id makes the codec fetch that schema.
    const record = Buffer.from([0, 0, 0, 0, 42, 0]);
    const lookup = await failure(codec.decode(record));
    expect(lookup.error.code).toBe('REGISTRY_UNAVAILABLE');
    expect(lookup.error.transient).toBe(true);
    expect(asked).toContain('GET /schemas/ids/42');
  });
});
