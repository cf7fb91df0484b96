/**
 * How every EventLens process reaches an existing Kafka and registry: the environment variables
 * (one Zod shape every service's config spreads into its own schema) and the one pure function
 * that turns them into kafkajs's `ssl` and `sasl` options. No I/O here: a CA file is read by the
 * service's config (config.ts reads the environment and the files it names) and passed in.
 */
import { z } from 'zod';
import type { RegistryAuth } from './codec';

const flag = z.enum(['true', 'false']).optional();

/** The variables, to spread into a service's `z.object({...})`. Refine with `checkConnectionEnv`. */
export const CONNECTION_ENV = {
  /** TLS to the brokers; the system's CAs unless EVENTLENS_KAFKA_SSL_CA_FILE names a PEM bundle. */
  EVENTLENS_KAFKA_SSL: flag,
  EVENTLENS_KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  /** `false` accepts any certificate: only for a test broker with a self-signed one. */
  EVENTLENS_KAFKA_SSL_REJECT_UNAUTHORIZED: flag,
  EVENTLENS_KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  EVENTLENS_KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  EVENTLENS_KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  EVENTLENS_REGISTRY_USERNAME: z.string().min(1).optional(),
  EVENTLENS_REGISTRY_PASSWORD: z.string().optional(),
} as const;

type ConnectionEnvValues = z.infer<ReturnType<typeof z.object<typeof CONNECTION_ENV>>>;

/** The cross-field rules, as issues naming the variable to fix (for a service's `.superRefine`). */
export function checkConnectionEnv(
  e: ConnectionEnvValues,
  ctx: { addIssue(issue: { code: 'custom'; path: string[]; message: string }): void },
): void {
  const add = (variable: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [variable], message });
  if (e.EVENTLENS_KAFKA_SASL_MECHANISM) {
    if (!e.EVENTLENS_KAFKA_SASL_USERNAME)
      add(
        'EVENTLENS_KAFKA_SASL_USERNAME',
        `is required with EVENTLENS_KAFKA_SASL_MECHANISM=${e.EVENTLENS_KAFKA_SASL_MECHANISM}`,
      );
    if (!e.EVENTLENS_KAFKA_SASL_PASSWORD)
      add(
        'EVENTLENS_KAFKA_SASL_PASSWORD',
        `is required with EVENTLENS_KAFKA_SASL_MECHANISM=${e.EVENTLENS_KAFKA_SASL_MECHANISM}`,
      );
  } else if (e.EVENTLENS_KAFKA_SASL_USERNAME || e.EVENTLENS_KAFKA_SASL_PASSWORD) {
    add(
      'EVENTLENS_KAFKA_SASL_MECHANISM',
      'is required with a SASL username or password (plain, scram-sha-256 or scram-sha-512)',
    );
  }
  if (
    (e.EVENTLENS_KAFKA_SSL_CA_FILE || e.EVENTLENS_KAFKA_SSL_REJECT_UNAUTHORIZED) &&
    e.EVENTLENS_KAFKA_SSL !== 'true'
  )
    add(
      'EVENTLENS_KAFKA_SSL',
      'must be true when EVENTLENS_KAFKA_SSL_CA_FILE or _REJECT_UNAUTHORIZED is set',
    );
  if ((e.EVENTLENS_REGISTRY_USERNAME === undefined) !== (e.EVENTLENS_REGISTRY_PASSWORD === undefined))
    add(
      e.EVENTLENS_REGISTRY_USERNAME === undefined
        ? 'EVENTLENS_REGISTRY_USERNAME'
        : 'EVENTLENS_REGISTRY_PASSWORD',
      'EVENTLENS_REGISTRY_USERNAME and EVENTLENS_REGISTRY_PASSWORD go together',
    );
}

/** Kafka transport security as a service's config holds it. */
export interface KafkaSecurity {
  /** TLS, with the PEM CA bundle when one was given; `false` for plaintext. */
  ssl: false | { ca?: string; rejectUnauthorized: boolean };
  sasl?: KafkaSasl;
}

type KafkaSasl =
  | { mechanism: 'plain'; username: string; password: string }
  | { mechanism: 'scram-sha-256'; username: string; password: string }
  | { mechanism: 'scram-sha-512'; username: string; password: string };

/** From the parsed variables; `readCa` reads the CA file (the service's config does the I/O). */
export function kafkaSecurityFrom(e: ConnectionEnvValues, readCa: (file: string) => string): KafkaSecurity {
  return {
    ssl:
      e.EVENTLENS_KAFKA_SSL === 'true'
        ? {
            ...(e.EVENTLENS_KAFKA_SSL_CA_FILE ? { ca: readCa(e.EVENTLENS_KAFKA_SSL_CA_FILE) } : {}),
            rejectUnauthorized: e.EVENTLENS_KAFKA_SSL_REJECT_UNAUTHORIZED !== 'false',
          }
        : false,
    ...(e.EVENTLENS_KAFKA_SASL_MECHANISM
      ? {
          sasl: {
            mechanism: e.EVENTLENS_KAFKA_SASL_MECHANISM,
            username: e.EVENTLENS_KAFKA_SASL_USERNAME!,
            password: e.EVENTLENS_KAFKA_SASL_PASSWORD!,
          } as KafkaSasl,
        }
      : {}),
  };
}

export function registryAuthFrom(e: ConnectionEnvValues): RegistryAuth | undefined {
  return e.EVENTLENS_REGISTRY_USERNAME !== undefined
    ? { username: e.EVENTLENS_REGISTRY_USERNAME, password: e.EVENTLENS_REGISTRY_PASSWORD ?? '' }
    : undefined;
}

/**
 * The `ssl` and `sasl` part of a kafkajs `KafkaConfig` (structurally; contracts does not depend on
 * kafkajs). Every service and the stack build their clients with it, so they connect alike.
 */
export function kafkaClientOptions(security: KafkaSecurity | undefined): {
  ssl?: boolean | { ca?: string[]; rejectUnauthorized: boolean };
  sasl?: KafkaSasl;
} {
  if (!security) return {};
  return {
    ...(security.ssl
      ? {
          ssl: {
            ...(security.ssl.ca ? { ca: [security.ssl.ca] } : {}),
            rejectUnauthorized: security.ssl.rejectUnauthorized,
          },
        }
      : {}),
    ...(security.sasl ? { sasl: security.sasl } : {}),
  };
}
