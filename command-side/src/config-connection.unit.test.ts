/** The connection variables of an existing Kafka and registry, as the command side parses them. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { kafkaClientOptions } from '@eventlens/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';

const base = {
  EVENTLENS_KAFKA_BROKERS: 'kafka-1:9093,kafka-2:9093',
  EVENTLENS_REGISTRY_URL: 'https://registry.example/apis/ccompat/v7',
  EVENTLENS_SESSION_SECRET: 'a-session-secret-of-length',
};
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('Kafka TLS and SASL, registry basic auth', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'eventlens-config-'));
    await writeFile(path.join(dir, 'ca.pem'), PEM);
    await writeFile(path.join(dir, 'not.pem'), 'hello');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('plaintext and no registry auth by default', () => {
    const config = loadConfig(base);
    expect(kafkaClientOptions(config.kafkaSecurity)).toEqual({});
    expect(config.registryAuth).toBeUndefined();
  });

  it('reads the CA file once and builds the kafkajs options', () => {
    const config = loadConfig({
      ...base,
      EVENTLENS_KAFKA_SSL: 'true',
      EVENTLENS_KAFKA_SSL_CA_FILE: path.join(dir, 'ca.pem'),
      EVENTLENS_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      EVENTLENS_KAFKA_SASL_USERNAME: 'ingest',
      EVENTLENS_KAFKA_SASL_PASSWORD: 'pw',
      EVENTLENS_REGISTRY_USERNAME: 'reg',
      EVENTLENS_REGISTRY_PASSWORD: 'regpw',
    });
    expect(kafkaClientOptions(config.kafkaSecurity)).toEqual({
      ssl: { ca: [PEM], rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'ingest', password: 'pw' },
    });
    expect(config.registryAuth).toEqual({ username: 'reg', password: 'regpw' });
  });

  it('fails with one line naming the variable', () => {
    expect(() => loadConfig({ ...base, EVENTLENS_KAFKA_SASL_MECHANISM: 'plain' })).toThrow(
      /^EVENTLENS_KAFKA_SASL_USERNAME: is required with EVENTLENS_KAFKA_SASL_MECHANISM=plain/,
    );
    expect(() =>
      loadConfig({
        ...base,
        EVENTLENS_KAFKA_SSL: 'true',
        EVENTLENS_KAFKA_SSL_CA_FILE: path.join(dir, 'missing.pem'),
      }),
    ).toThrow(/^EVENTLENS_KAFKA_SSL_CA_FILE: cannot be read/);
    expect(() =>
      loadConfig({
        ...base,
        EVENTLENS_KAFKA_SSL: 'true',
        EVENTLENS_KAFKA_SSL_CA_FILE: path.join(dir, 'not.pem'),
      }),
    ).toThrow(/^EVENTLENS_KAFKA_SSL_CA_FILE: is not a PEM file/);
    expect(() => loadConfig({ ...base, EVENTLENS_REGISTRY_PASSWORD: 'x' })).toThrow(
      /^EVENTLENS_REGISTRY_USERNAME/,
    );
  });
});
