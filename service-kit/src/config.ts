/**
 * Configuration from the environment, parsed once at start-up with a service's own Zod schema
 * (docs/CONVENTIONS.md). Every failure is one `ConfigError` whose message is one line naming the
 * variable: `EVENTLENS_QUERY_PORT: Invalid input: expected number, received NaN`, or
 * `EVENTLENS_QUERY_URL: is required` when the variable is absent.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';

/** A bad or missing variable; `message` is `VARIABLE: what is wrong`, one line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    /** The variable at fault (`environment` when no single one is). */
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem.replace(/\s*\n\s*/g, ' ')}`);
  }
}

export interface ParseEnvOptions {
  /** An empty variable counts as unset, as a shell's `VAR= cmd` suggests (default false). */
  emptyIsUnset?: boolean;
}

/**
 * Parses `env` with `schema`; the first issue becomes a ConfigError naming its variable (the first
 * element of the issue's path). Throws only ConfigError.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  options: ParseEnvOptions = {},
): z.output<S> {
  const input = options.emptyIsUnset
    ? Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''))
    : env;
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const variable = issue.path.length > 0 ? issue.path.map(String).join('.') : 'environment';
  const missing = issue.path.length > 0 && input[variable] === undefined && issue.code === 'invalid_type';
  throw new ConfigError(variable, missing ? 'is required' : issue.message);
}

/**
 * A PEM file named by a variable (a CA bundle), read once at start-up. A missing, unreadable or
 * non-PEM file is a ConfigError naming the variable.
 */
export function readPemFile(file: string, variable: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(variable, `cannot be read: ${(error as Error).message}`);
  }
  if (!text.includes('-----BEGIN ')) throw new ConfigError(variable, `is not a PEM file: ${file}`);
  return text;
}

/** Express's named ranges, an address, or an address/prefix: what `trust proxy` (proxy-addr) takes. */
function isTrustedProxyEntry(entry: string): boolean {
  if (entry === 'loopback' || entry === 'linklocal' || entry === 'uniquelocal') return true;
  const [address, prefix, extra] = entry.split('/');
  const version = isIP(address ?? '');
  if (version === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * A `…_TRUST_PROXY` variable: the proxies that may name the client (X-Forwarded-For, -Proto, -Host),
 * comma-separated addresses, `address/prefix` ranges or `loopback`, `linklocal`, `uniquelocal`
 * (Express's `trust proxy`, proxy-addr's names), parsed into the list; `fallback` is the value when
 * unset. Empty trusts none: the client is the connecting address.
 */
export function trustedProxies(fallback = '') {
  return z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry.length > 0),
    )
    .refine((entries) => entries.every(isTrustedProxyEntry), {
      message:
        'must list addresses, address/prefix ranges or loopback|linklocal|uniquelocal, comma-separated',
    });
}

/** `trustedProxies()` with the empty default: no proxy is trusted unless listed. */
export const TrustedProxies = trustedProxies();

/** `EVENTLENS_KAFKA_BROKERS`: bootstrap brokers, `host:port` comma-separated (a missing port is refused at start, not met as a NaN port when connecting). */
export const KafkaBrokers = z
  .string()
  .trim()
  .regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, 'must be host:port[,host:port]');

/** `EVENTLENS_REGISTRY_URL`: the schema registry's http(s) URL (`registry:8080`, without a scheme, is refused). */
export const RegistryUrl = z.url({
  protocol: /^https?$/,
  error: 'must be the http(s) URL of the schema registry',
});
