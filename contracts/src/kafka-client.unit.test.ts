import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CONNECTION_ENV,
  checkConnectionEnv,
  kafkaClientOptions,
  kafkaSecurityFrom,
  registryAuthFrom,
} from './index';

const Env = z.object(CONNECTION_ENV).superRefine(checkConnectionEnv);
const parse = (env: Record<string, string>) => Env.safeParse(env);
const PEM = '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n';

describe('connection variables', () => {
  it('nothing set: plaintext, no SASL, no registry auth', () => {
    const e = Env.parse({});
    const security = kafkaSecurityFrom(e, () => PEM);
    expect(security).toEqual({ ssl: false });
    expect(kafkaClientOptions(security)).toEqual({});
    expect(registryAuthFrom(e)).toBeUndefined();
  });

  it('TLS with a CA file and SCRAM-SHA-512 become kafkajs ssl and sasl options', () => {
    const e = Env.parse({
      EVENTLENS_KAFKA_SSL: 'true',
      EVENTLENS_KAFKA_SSL_CA_FILE: '/etc/ca.pem',
      EVENTLENS_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      EVENTLENS_KAFKA_SASL_USERNAME: 'svc',
      EVENTLENS_KAFKA_SASL_PASSWORD: 'secret',
    });
    const read: string[] = [];
    const options = kafkaClientOptions(kafkaSecurityFrom(e, (file) => (read.push(file), PEM)));
    expect(read).toEqual(['/etc/ca.pem']);
    expect(options).toEqual({
      ssl: { ca: [PEM], rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 'secret' },
    });
  });

  it('PLAIN over TLS with the system CAs', () => {
    const e = Env.parse({
      EVENTLENS_KAFKA_SSL: 'true',
      EVENTLENS_KAFKA_SASL_MECHANISM: 'plain',
      EVENTLENS_KAFKA_SASL_USERNAME: 'u',
      EVENTLENS_KAFKA_SASL_PASSWORD: 'p',
    });
    expect(kafkaClientOptions(kafkaSecurityFrom(e, () => PEM))).toEqual({
      ssl: { rejectUnauthorized: true },
      sasl: { mechanism: 'plain', username: 'u', password: 'p' },
    });
  });

  it('names the variable that is missing or wrong', () => {
    const issue = (env: Record<string, string>) => {
      const r = parse(env);
      return r.success ? undefined : r.error.issues[0]!.path.join('.');
    };
    expect(
      issue({ EVENTLENS_KAFKA_SASL_MECHANISM: 'scram-sha-512', EVENTLENS_KAFKA_SASL_PASSWORD: 'p' }),
    ).toBe('EVENTLENS_KAFKA_SASL_USERNAME');
    expect(issue({ EVENTLENS_KAFKA_SASL_USERNAME: 'u', EVENTLENS_KAFKA_SASL_PASSWORD: 'p' })).toBe(
      'EVENTLENS_KAFKA_SASL_MECHANISM',
    );
    expect(issue({ EVENTLENS_KAFKA_SASL_MECHANISM: 'gssapi' })).toBe('EVENTLENS_KAFKA_SASL_MECHANISM');
    expect(issue({ EVENTLENS_KAFKA_SSL_CA_FILE: '/ca.pem' })).toBe('EVENTLENS_KAFKA_SSL');
    expect(issue({ EVENTLENS_REGISTRY_USERNAME: 'u' })).toBe('EVENTLENS_REGISTRY_PASSWORD');
    expect(
      registryAuthFrom(Env.parse({ EVENTLENS_REGISTRY_USERNAME: 'u', EVENTLENS_REGISTRY_PASSWORD: 'p' })),
    ).toEqual({
      username: 'u',
      password: 'p',
    });
  });
});
