/**
 * The contract check against a running registry (Confluent API): for each subject, the level the
 * registry enforces must be the contract's, and every local version must pass the registry's own
 * compatibility test (`POST /compatibility/subjects/{subject}/versions/{v}`) against the registered
 * versions the level names (every one for a TRANSITIVE level, else the latest). A version the
 * registry already holds is asked about too when the level is full (the test is then symmetric, so
 * it holds for old versions as for new ones); otherwise only the versions not registered yet.
 * Read-only: it never registers nor changes a level.
 */
import { isDeepStrictEqual } from 'node:util';
import { describeBreak, resolutionProblem, rulesOf, type CompatibilityLevel } from './compatibility';
import type { AvroRecordSchema } from './events';
import type { RegistryAuth } from './codec';

export interface RegistryCheckOptions {
  registryUrl: string;
  auth?: RegistryAuth;
  /** Record name → its versions, oldest first. */
  history: Record<string, readonly AvroRecordSchema[]>;
  /** Record name → the level its subject must have. */
  levels: Record<string, CompatibilityLevel>;
  /** Record name → subject; tests pass a private prefix. */
  subjectFor: (record: string) => string;
  fetchImpl?: typeof fetch;
}

export interface RegistryCheckResult {
  /** One line each: the record, the field when known, and the rule the registry applied. */
  problems: string[];
  /** What was checked or skipped, one line each. */
  notes: string[];
}

const JSON_TYPE = 'application/vnd.schemaregistry.v1+json';

/** Throws when the registry cannot be reached or answers an unexpected status (not a contract problem). */
export async function checkAgainstRegistry(options: RegistryCheckOptions): Promise<RegistryCheckResult> {
  const doFetch = options.fetchImpl ?? fetch;
  const base = options.registryUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = {
    'content-type': JSON_TYPE,
    ...(options.auth
      ? {
          authorization: `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`,
        }
      : {}),
  };
  const call = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const response = await doFetch(`${base}${url}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  };
  const problems: string[] = [];
  const notes: string[] = [];

  for (const [record, versions] of Object.entries(options.history)) {
    const subject = options.subjectFor(record);
    const level = options.levels[record]!;
    const path = `/subjects/${encodeURIComponent(subject)}`;
    const listed = await call('GET', `${path}/versions`);
    if (listed.status === 404) {
      notes.push(`${record}: ${subject} is not registered yet (the stack registers it at start)`);
      continue;
    }
    if (listed.status !== 200) throw new Error(`GET ${path}/versions answered HTTP ${listed.status}`);
    const registered = listed.json as number[];
    const config = await call('GET', `/config/${encodeURIComponent(subject)}`);
    const enforced = (config.json as { compatibilityLevel?: string } | undefined)?.compatibilityLevel;
    if (enforced !== level) {
      problems.push(
        `${record}: the registry enforces ${enforced ?? 'no level'} on ${subject}, the contract says ${level}: start the stack (or codec.register()) to set it`,
      );
    }
    const rules = rulesOf(level);
    const against = rules.transitive ? registered : registered.slice(-1);
    let checked = 0;
    let fresh = 0;
    for (const [i, schema] of versions.entries()) {
      // Apicurio finds a schema by its Parsing Canonical Form, which has no defaults nor docs: a
      // version that differs only there is "held" as the old one, yet must still be checked.
      const held = await call('POST', path, { schema: JSON.stringify(schema) });
      const heldSchema = (held.json as { schema?: string } | undefined)?.schema;
      const isHeld = held.status === 200 && heldSchema && isDeepStrictEqual(JSON.parse(heldSchema), schema);
      if (isHeld && !(rules.backward && rules.forward)) continue;
      checked++;
      if (!isHeld) fresh++;
      for (const version of against) {
        const answer = await call('POST', `/compatibility${path}/versions/${version}?verbose=true`, {
          schema: JSON.stringify(schema),
        });
        if (answer.status !== 200) {
          throw new Error(`compatibility of ${subject} v${i + 1} answered HTTP ${answer.status}`);
        }
        const verdict = answer.json as { is_compatible?: boolean; messages?: unknown };
        if (verdict.is_compatible !== false) continue;
        const old = await call('GET', `${path}/versions/${version}`);
        const registeredSchema = JSON.parse((old.json as { schema: string }).schema) as AvroRecordSchema;
        problems.push(
          registryLine(record, i + 1, version, schema, registeredSchema, enforced ?? level, verdict),
        );
        break;
      }
    }
    notes.push(
      `${record}: ${subject} holds ${registered.length} version(s) under ${enforced ?? 'no level'}; ${checked} local version(s) checked by the registry, ${fresh} not registered yet`,
    );
  }
  return { problems, notes };
}

/** What the registry holds of one record's subject. */
export interface SubjectState {
  record: string;
  subject: string;
  /** The level the registry enforces on the subject, null when it has none. */
  level: string | null;
  /** Registered versions, oldest first, with the schema id records written with each carry. */
  versions: Array<{ version: number; id: number }>;
}

/**
 * What the registry holds for each record (for an operator's view: subjects, versions, their
 * schema ids and the level). A subject not registered yet has no versions. Throws when the
 * registry cannot be reached.
 */
export async function describeSubjects(options: {
  registryUrl: string;
  auth?: RegistryAuth;
  records: readonly string[];
  subjectFor: (record: string) => string;
  fetchImpl?: typeof fetch;
}): Promise<SubjectState[]> {
  const doFetch = options.fetchImpl ?? fetch;
  const base = options.registryUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = options.auth
    ? {
        authorization: `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`,
      }
    : {};
  const get = async (url: string) => {
    const response = await doFetch(`${base}${url}`, { headers, signal: AbortSignal.timeout(10_000) });
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`GET ${url} answered HTTP ${response.status}`);
    return (await response.json()) as unknown;
  };
  return Promise.all(
    options.records.map(async (record) => {
      const subject = options.subjectFor(record);
      const path = `/subjects/${encodeURIComponent(subject)}`;
      const numbers = ((await get(`${path}/versions`)) as number[] | undefined) ?? [];
      const versions = await Promise.all(
        numbers.map(async (version) => ({
          version,
          id: ((await get(`${path}/versions/${version}`)) as { id: number }).id,
        })),
      );
      const config = (await get(`/config/${encodeURIComponent(subject)}`)) as
        { compatibilityLevel?: string } | undefined;
      return { record, subject, level: config?.compatibilityLevel ?? null, versions };
    }),
  );
}

/** One line: the field as local resolution explains the registry's refusal, or the registry's words. */
function registryLine(
  record: string,
  version: number,
  registeredVersion: number,
  candidate: AvroRecordSchema,
  registered: AvroRecordSchema,
  level: string,
  verdict: { messages?: unknown },
): string {
  const lvl = level as CompatibilityLevel;
  const rules = rulesOf(lvl);
  const backward = rules.backward ? resolutionProblem(candidate, registered) : undefined;
  const forward = !backward && rules.forward ? resolutionProblem(registered, candidate) : undefined;
  const where = `registry v${registeredVersion}`;
  if (backward)
    return `${describeBreak(record, version, { ...backward, rule: 'BACKWARD', level: lvl, reader: `v${version}`, writer: where })} [refused by the registry]`;
  if (forward)
    return `${describeBreak(record, version, { ...forward, rule: 'FORWARD', level: lvl, reader: where, writer: `v${version}` })} [refused by the registry]`;
  return `${record} v${version}: refused by the registry under ${level} against ${where}: ${JSON.stringify(verdict.messages ?? [])}`;
}
