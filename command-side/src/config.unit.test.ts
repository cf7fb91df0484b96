import { hashPassword, verifyPassword } from '@eventlens/contracts';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';

const env = {
  EVENTLENS_KAFKA_BROKERS: '127.0.0.1:19092',
  EVENTLENS_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
  EVENTLENS_SESSION_SECRET: 'a-session-secret-of-some-length',
};

describe('configuration', () => {
  it('applies the defaults', () => {
    expect(loadConfig(env)).toMatchObject({
      kafkaBrokers: ['127.0.0.1:19092'],
      http: { port: 18100, host: '127.0.0.1' },
      topics: { events: 'eventlens.events', admin: 'eventlens.admin' },
      rateLimit: { eventsPerSecond: 1000, burst: 2000 },
      adminToken: undefined,
    });
  });

  it('fails with one line naming the variable', () => {
    expect(() => loadConfig({ ...env, EVENTLENS_SESSION_SECRET: undefined })).toThrow(
      /^EVENTLENS_SESSION_SECRET: is required$/,
    );
    expect(() => loadConfig({ ...env, EVENTLENS_INGEST_PORT: 'eighty' })).toThrow(/^EVENTLENS_INGEST_PORT: /);
    expect(() => loadConfig({ ...env, EVENTLENS_KAFKA_BROKERS: 'localhost' })).toThrow(
      'EVENTLENS_KAFKA_BROKERS: must be host:port[,host:port]',
    );
    expect(() =>
      loadConfig({ ...env, EVENTLENS_RATE_LIMIT_EVENTS_PER_S: '100', EVENTLENS_RATE_LIMIT_BURST: '0' }),
    ).toThrow(/^EVENTLENS_RATE_LIMIT_BURST: /);
  });
});

describe('trusted proxies', () => {
  it('trusts none by default, and parses a list of addresses, ranges and named ranges', () => {
    expect(loadConfig(env).http.trustProxy).toEqual([]);
    expect(
      loadConfig({ ...env, EVENTLENS_INGEST_TRUST_PROXY: 'loopback, 10.0.0.0/8,::1 ,fd00::/8' }).http
        .trustProxy,
    ).toEqual(['loopback', '10.0.0.0/8', '::1', 'fd00::/8']);
  });

  it('refuses anything else, naming the variable', () => {
    for (const value of ['everything', '10.0.0.0/33', '300.1.1.1', 'true', '1']) {
      expect(() => loadConfig({ ...env, EVENTLENS_INGEST_TRUST_PROXY: value })).toThrow(
        /^EVENTLENS_INGEST_TRUST_PROXY: /,
      );
    }
  });
});

describe('console passwords', () => {
  it('hashes with scrypt in the shared format and verifies', async () => {
    const stored = await hashPassword('correct horse battery staple', { N: 1024 });
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
    expect(await verifyPassword('x', 'scrypt$3$8$1$AA==$AA==')).toBe(false);
    expect(await verifyPassword('x', 'bcrypt$whatever')).toBe(false);
  });

  it('uses the default cost when none is given', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored.split('$').slice(0, 4)).toEqual(['scrypt', String(2 ** 15), '8', '1']);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
  });
});
