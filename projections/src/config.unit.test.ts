import { describe, expect, it } from 'vitest';
import { ConfigError } from '@eventlens/service-kit';
import { loadConfig } from './config';
import { topology } from './topology';

const base = {
  EVENTLENS_KAFKA_BROKERS: '127.0.0.1:19092',
  EVENTLENS_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
  EVENTLENS_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/eventlens',
  EVENTLENS_READER_DATABASE_URL: 'postgres://eventlens_reader:secret@127.0.0.1:5432/eventlens',
};

describe('loadConfig', () => {
  it('takes the reader role from the reader URL, unless EVENTLENS_READER_ROLE says otherwise', () => {
    expect(loadConfig(base).readerRole).toBe('eventlens_reader');
    expect(loadConfig({ ...base, EVENTLENS_READER_ROLE: 'analyst' }).readerRole).toBe('analyst');
  });

  it('fails with one line that names the variable', () => {
    expect(() => loadConfig({ ...base, EVENTLENS_DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, EVENTLENS_DATABASE_URL: 'mysql://x' })).toThrow(
      /^EVENTLENS_DATABASE_URL: /,
    );
    // Refused at start, as the command side refuses them (they failed 6 s later on a NaN port).
    expect(() => loadConfig({ ...base, EVENTLENS_KAFKA_BROKERS: 'kafka' })).toThrow(
      'EVENTLENS_KAFKA_BROKERS: must be host:port[,host:port]',
    );
    expect(() => loadConfig({ ...base, EVENTLENS_REGISTRY_URL: 'registry:8080' })).toThrow(
      'EVENTLENS_REGISTRY_URL: must be the http(s) URL of the schema registry',
    );
    expect(() => loadConfig({ ...base, EVENTLENS_RETRY_DELAYS_MS: '1,2' })).toThrow(
      /^EVENTLENS_RETRY_DELAYS_MS/,
    );
    const { EVENTLENS_READER_DATABASE_URL: _, ...withoutReader } = base;
    expect(() => loadConfig(withoutReader)).toThrow(/EVENTLENS_READER_DATABASE_URL/);
  });

  it('defaults to the port, delays and names of the contracts', () => {
    const config = loadConfig(base);
    expect(config.port).toBe(18400);
    expect(config.retryDelaysMs).toEqual([1000, 10_000, 60_000]);
    expect(config.kafkaBrokers).toEqual(['127.0.0.1:19092']);
  });
});

describe('topology', () => {
  it('uses exactly the names the launcher creates by default', () => {
    const t = topology(loadConfig(base));
    expect(t.projections.analytics).toEqual({
      name: 'analytics',
      schema: 'analytics',
      source: 'eventlens.events',
      retry: ['eventlens.analytics.retry.1', 'eventlens.analytics.retry.2', 'eventlens.analytics.retry.3'],
      dlq: 'eventlens.analytics.dlq',
      group: 'eventlens.projections.analytics',
      retryGroup: 'eventlens.projections.analytics.retry',
    });
    expect(t.projections.admin.source).toBe('eventlens.admin');
    expect(t.ops).toEqual({ schema: 'ops', group: 'eventlens.projections.ops' });
  });

  it('makes every name injectable, so tests get their own', () => {
    const t = topology(
      loadConfig({
        ...base,
        EVENTLENS_EVENTS_TOPIC: 'test.x.events',
        EVENTLENS_FAILURE_TOPIC_PREFIX: 'test.x',
        EVENTLENS_GROUP_PREFIX: 'test-x',
        EVENTLENS_SCHEMA_PREFIX: 't_x_',
      }),
    );
    expect(t.projections.analytics).toMatchObject({
      schema: 't_x_analytics',
      source: 'test.x.events',
      retry: ['test.x.analytics.retry.1', 'test.x.analytics.retry.2', 'test.x.analytics.retry.3'],
      dlq: 'test.x.analytics.dlq',
      group: 'test-x.analytics',
    });
    expect(t.ops.schema).toBe('t_x_ops');
  });
});
