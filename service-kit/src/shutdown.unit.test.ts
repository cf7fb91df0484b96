import { EventEmitter } from 'node:events';
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { silentLogger } from './logger';
import { closeServer, onShutdown } from './shutdown';

function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  const host = {
    once: (event: string, listener: () => void) => emitter.once(event, listener),
    exit: (code?: number) => void exits.push(code ?? 0),
  } as unknown as Pick<NodeJS.Process, 'once' | 'exit'>;
  return { emitter, exits, host };
}

describe('onShutdown', () => {
  it('stops once on SIGTERM and exits 0', async () => {
    const { emitter, exits, host } = fakeProcess();
    let stops = 0;
    const shutdown = onShutdown({ stop: async () => void stops++, logger: silentLogger, host });
    emitter.emit('SIGTERM');
    emitter.emit('SIGINT');
    await shutdown('again');
    expect(stops).toBe(1);
    expect(exits).toEqual([0]);
  });

  it('exits 1 when stopping fails or outlasts its bound', async () => {
    const failing = fakeProcess();
    await onShutdown({
      stop: () => Promise.reject(new Error('x')),
      logger: silentLogger,
      host: failing.host,
    })('test');
    expect(failing.exits).toEqual([1]);
    const slow = fakeProcess();
    await onShutdown({
      stop: () => new Promise(() => undefined),
      logger: silentLogger,
      host: slow.host,
      timeoutMs: 20,
    })('test');
    expect(slow.exits).toEqual([1]);
  });
});

describe('closeServer', () => {
  it('lets a request in flight finish, then closes', async () => {
    // The handler answers only when the test says so: the request is in flight for as long as needed.
    let arrived!: (res: ServerResponse) => void;
    const inFlight = new Promise<ServerResponse>((resolve) => (arrived = resolve));
    const server = createServer((_req, res) => arrived(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const answer = new Promise<string>((resolve, reject) => {
      request({ port, host: '127.0.0.1', agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(body));
      })
        .on('error', reject)
        .end();
    });
    const response = await inFlight;
    const closed = closeServer(server, 5_000);
    response.end('done');
    expect(await answer).toBe('done');
    await closed;
    expect(server.listening).toBe(false);
  });
});
