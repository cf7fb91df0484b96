import { expect, test } from 'vitest';
import { ConfigError } from '@eventlens/service-kit';
import { loadConfig } from './config';

const base = {
  EVENTLENS_READER_DATABASE_URL: 'postgres://reader:pw@127.0.0.1:5432/eventlens',
  EVENTLENS_SESSION_SECRET: 'a-secret-of-enough-length',
};

test('defaults', () => {
  expect(loadConfig(base)).toEqual({
    readerDatabaseUrl: base.EVENTLENS_READER_DATABASE_URL,
    sessionSecret: base.EVENTLENS_SESSION_SECRET,
    port: 18200,
    host: '127.0.0.1',
    cookieSecure: 'auto',
    trustProxy: ['loopback'],
    dbPoolMax: 10,
    statementTimeoutMs: 10_000,
    exportTimeoutMs: 600_000,
    schemaPrefix: '',
    http: {
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 20_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1024,
    },
    log: { level: 'info', format: 'json' },
  });
});

test('the export timeout is parsed and bounded', () => {
  expect(loadConfig({ ...base, EVENTLENS_QUERY_EXPORT_TIMEOUT_MS: '120000' }).exportTimeoutMs).toBe(120_000);
  expect(() => loadConfig({ ...base, EVENTLENS_QUERY_EXPORT_TIMEOUT_MS: '0' })).toThrow(ConfigError);
  expect(() => loadConfig({ ...base, EVENTLENS_QUERY_EXPORT_TIMEOUT_MS: '7200000' })).toThrow(
    /EVENTLENS_QUERY_EXPORT_TIMEOUT_MS/,
  );
});

test('listener bounds', () => {
  const config = loadConfig({
    ...base,
    EVENTLENS_HTTP_HEADERS_TIMEOUT_MS: '2000',
    EVENTLENS_HTTP_REQUEST_TIMEOUT_MS: '3000',
    EVENTLENS_HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
    EVENTLENS_HTTP_MAX_CONNECTIONS: '50',
  });
  expect(config.http).toEqual({
    headersTimeoutMs: 2000,
    requestTimeoutMs: 3000,
    keepAliveTimeoutMs: 1000,
    maxConnections: 50,
  });
  expect(() =>
    loadConfig({
      ...base,
      EVENTLENS_HTTP_HEADERS_TIMEOUT_MS: '5000',
      EVENTLENS_HTTP_REQUEST_TIMEOUT_MS: '4000',
    }),
  ).toThrow('EVENTLENS_HTTP_HEADERS_TIMEOUT_MS: must not exceed EVENTLENS_HTTP_REQUEST_TIMEOUT_MS');
});

test('overrides', () => {
  const config = loadConfig({
    ...base,
    EVENTLENS_QUERY_PORT: '9000',
    EVENTLENS_QUERY_HOST: '0.0.0.0',
    EVENTLENS_QUERY_COOKIE_SECURE: 'true',
    EVENTLENS_QUERY_TRUST_PROXY: 'uniquelocal, 192.0.2.0/24',
  });
  expect(config).toMatchObject({
    port: 9000,
    host: '0.0.0.0',
    cookieSecure: 'always',
    trustProxy: ['uniquelocal', '192.0.2.0/24'],
  });
});

test.each([
  [{ EVENTLENS_SESSION_SECRET: base.EVENTLENS_SESSION_SECRET }, 'EVENTLENS_READER_DATABASE_URL: is required'],
  [
    { ...base, EVENTLENS_SESSION_SECRET: 'short' },
    'EVENTLENS_SESSION_SECRET: must be at least 16 characters',
  ],
  [
    { ...base, EVENTLENS_READER_DATABASE_URL: 'mysql://x' },
    'EVENTLENS_READER_DATABASE_URL: must be a postgres:// URL',
  ],
  [{ ...base, EVENTLENS_QUERY_PORT: 'eighty' }, 'EVENTLENS_QUERY_PORT:'],
  [{ ...base, EVENTLENS_QUERY_COOKIE_SECURE: 'yes' }, 'EVENTLENS_QUERY_COOKIE_SECURE:'],
  [{ ...base, EVENTLENS_HTTP_MAX_CONNECTIONS: '0' }, 'EVENTLENS_HTTP_MAX_CONNECTIONS:'],
  // `true` or a hop count would believe any client's X-Forwarded-For; a misspelt name would crash at start.
  [{ ...base, EVENTLENS_QUERY_TRUST_PROXY: 'true' }, 'EVENTLENS_QUERY_TRUST_PROXY: must list addresses'],
  [{ ...base, EVENTLENS_QUERY_TRUST_PROXY: '1' }, 'EVENTLENS_QUERY_TRUST_PROXY: must list addresses'],
  [{ ...base, EVENTLENS_QUERY_TRUST_PROXY: 'loopbak' }, 'EVENTLENS_QUERY_TRUST_PROXY: must list addresses'],
])('fails with one line naming the variable (%#)', (env, message) => {
  expect(() => loadConfig(env)).toThrow(ConfigError);
  expect(() => loadConfig(env)).toThrow(message);
});

test('the schema prefix: the projections’ EVENTLENS_SCHEMA_PREFIX, refused unless a plain identifier prefix', () => {
  expect(loadConfig({ ...base, EVENTLENS_SCHEMA_PREFIX: 't_1a_' }).schemaPrefix).toBe('t_1a_');
  for (const bad of ['Staging_', '1x', 'a-b', 'a"b', 'a.b']) {
    expect(() => loadConfig({ ...base, EVENTLENS_SCHEMA_PREFIX: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, EVENTLENS_SCHEMA_PREFIX: bad })).toThrow(/^EVENTLENS_SCHEMA_PREFIX: /);
  }
});
