/**
 * The launcher's schema registration against a plain HTTP server playing a registry that is not
 * ready (503) or refuses the credentials (401): the first is waited for, the second stops at once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StackError } from './errors';
import { registerSchemas } from './provision';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server answering every request with `status`; `requests` counts them. */
async function registryAnswering(status: number) {
  const seen = { requests: 0 };
  server = createServer((_req, res) => {
    seen.requests++;
    res.writeHead(status, { 'content-type': 'application/json' }).end('{"error_code":50301}');
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('registerSchemas', () => {
  it('tries again while the registry is unavailable, then names the last failure', async () => {
    const { url, seen } = await registryAnswering(503);
    const error = await registerSchemas(url, undefined, 3_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackError);
    expect((error as StackError).message).toMatch(
      /^registering schemas failed: the registry was unavailable for 3 s \(last: schema registry refused to set \w+ on .+: HTTP 503/,
    );
    // Tried again: at least twice (a loaded machine fitted only two tries in 1.5 s).
    expect(seen.requests).toBeGreaterThanOrEqual(2);
  });

  it('stops at once when the registry refuses the credentials', async () => {
    const { url, seen } = await registryAnswering(401);
    const error = await registerSchemas(url, undefined, 30_000).catch((e: unknown) => e);
    expect((error as StackError).message).toMatch(
      /^registering schemas failed: schema registry at .+ refused a request without credentials \(HTTP 401\)/,
    );
    expect(seen.requests).toBe(1);
  });
});
