import { describe, expect, it } from 'vitest';
import { checkingIntervalMs, createHttpServer, DEFAULT_HTTP_LIMITS } from './listener';

describe('the bounded listener', () => {
  it('sets Node’s timeouts and the connection cap from the limits', () => {
    const limits = {
      headersTimeoutMs: 400,
      requestTimeoutMs: 900,
      keepAliveTimeoutMs: 300,
      maxConnections: 7,
    };
    const server = createHttpServer(() => undefined, limits);
    expect(server.headersTimeout).toBe(400);
    expect(server.requestTimeout).toBe(900);
    expect(server.keepAliveTimeout).toBe(300);
    expect(server.maxConnections).toBe(7);
  });

  it('checks the timeouts at least every second, more often for short bounds', () => {
    expect(checkingIntervalMs(DEFAULT_HTTP_LIMITS)).toBe(1000);
    expect(checkingIntervalMs({ ...DEFAULT_HTTP_LIMITS, headersTimeoutMs: 400 })).toBe(100);
    expect(checkingIntervalMs({ ...DEFAULT_HTTP_LIMITS, headersTimeoutMs: 1 })).toBe(10);
  });
});
