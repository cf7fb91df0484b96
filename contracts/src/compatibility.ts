/**
 * Compatibility of the Avro contracts: the level chosen for each subject (docs/contracts.md says
 * why) and the local check of a record's versions under it, with Avro schema resolution (avsc's
 * `createResolver`, which implements the Avro specification's "Schema Resolution" rules).
 *
 * The registry enforces the same levels on registration (the codec sets them at start); this check
 * runs before anything reaches a registry, so a developer learns of a break from one line that names
 * the record, the field and the rule.
 */
import avro from 'avsc';
import type { AvroRecordSchema, EventType } from './events';

/** The Confluent compatibility levels (the registry's `PUT /config/{subject}` values). */
export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/**
 * The level of each record's subject. Every subject is FULL_TRANSITIVE: readers outside EventLens
 * are never redeployed with it (old readers must read new records), and every read model is rebuilt
 * from offset 0 of a log kept forever (new readers must read every old record). See docs/contracts.md.
 */
export const SUBJECT_COMPATIBILITY: Record<EventType, CompatibilityLevel> = {
  EventTracked: 'FULL_TRANSITIVE',
  ProjectCreated: 'FULL_TRANSITIVE',
  ApiKeyIssued: 'FULL_TRANSITIVE',
  ApiKeyRevoked: 'FULL_TRANSITIVE',
  UserRegistered: 'FULL_TRANSITIVE',
  DlqReplayRequested: 'FULL_TRANSITIVE',
  ConsoleSessionStarted: 'FULL_TRANSITIVE',
  ConsoleSessionRevoked: 'FULL_TRANSITIVE',
  ProjectSettingsChanged: 'FULL_TRANSITIVE',
  PublicLinkCreated: 'FULL_TRANSITIVE',
  PublicLinkRevoked: 'FULL_TRANSITIVE',
};

/**
 * What a level demands of version n towards earlier versions: `backward`, n reads their records;
 * `forward`, they read n's records; `transitive`, against every earlier version, else the previous one.
 */
export function rulesOf(level: CompatibilityLevel): {
  backward: boolean;
  forward: boolean;
  transitive: boolean;
} {
  return {
    backward: level.startsWith('BACKWARD') || level.startsWith('FULL'),
    forward: level.startsWith('FORWARD') || level.startsWith('FULL'),
    transitive: level.endsWith('_TRANSITIVE'),
  };
}

/** Why `reader` cannot read records written with `writer`: the field at fault when one is. */
export interface ResolutionProblem {
  field?: string;
  reason: string;
}

/**
 * Whether records written with `writer` can be read with `reader` (Avro schema resolution);
 * undefined when they can, else the first field at fault (a reader field missing from the writer
 * without a default, or a field whose type does not resolve) and why.
 */
export function resolutionProblem(
  reader: AvroRecordSchema,
  writer: AvroRecordSchema,
): ResolutionProblem | undefined {
  try {
    avro.Type.forSchema(reader as avro.Schema).createResolver(avro.Type.forSchema(writer as avro.Schema));
    return undefined;
  } catch (error) {
    for (const field of reader.fields) {
      const aliases = (field as { aliases?: string[] }).aliases ?? [];
      const written = writer.fields.find((f) => f.name === field.name || aliases.includes(f.name));
      if (!written) {
        if (!('default' in field)) return { field: field.name, reason: 'has no default and is missing' };
        continue;
      }
      try {
        avro.Type.forSchema(field.type as avro.Schema).createResolver(
          avro.Type.forSchema(written.type as avro.Schema),
        );
      } catch {
        return {
          field: field.name,
          reason: `is ${typeText(field.type)} and cannot read the ${typeText(written.type)}`,
        };
      }
    }
    return { reason: error instanceof Error ? error.message : String(error) };
  }
}

function typeName(type: unknown): string {
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return `[${type.map(typeName).join(', ')}]`;
  const t = type as { type?: unknown; logicalType?: string; name?: string };
  if (t.logicalType) return `${String(t.type)} (${t.logicalType})`;
  return t.name ? `${String(t.type)} ${t.name}` : typeName(t.type);
}

/** One incompatibility: `line` is what the check prints, naming the record, the field and the rule. */
export interface Incompatibility {
  record: string;
  version: number;
  against: number;
  field?: string;
  rule: 'BACKWARD' | 'FORWARD';
  level: CompatibilityLevel;
  line: string;
}

/**
 * Checks every version of one record (versions[0] is v1) against the earlier ones its level names,
 * in the directions it names. Returns every incompatibility found (none: the history is compatible).
 */
export function checkVersions(
  record: string,
  versions: readonly AvroRecordSchema[],
  level: CompatibilityLevel,
): Incompatibility[] {
  const rules = rulesOf(level);
  const found: Incompatibility[] = [];
  for (let n = 1; n < versions.length; n++) {
    const earlier = rules.transitive ? range(0, n) : [n - 1];
    for (const k of earlier) {
      const pairs: Array<['BACKWARD' | 'FORWARD', AvroRecordSchema, AvroRecordSchema]> = [];
      if (rules.backward) pairs.push(['BACKWARD', versions[n]!, versions[k]!]);
      if (rules.forward) pairs.push(['FORWARD', versions[k]!, versions[n]!]);
      for (const [rule, reader, writer] of pairs) {
        const problem = resolutionProblem(reader, writer);
        if (!problem) continue;
        const [r, w] = rule === 'BACKWARD' ? [`v${n + 1}`, `v${k + 1}`] : [`v${k + 1}`, `v${n + 1}`];
        found.push({
          record,
          version: n + 1,
          against: k + 1,
          ...(problem.field ? { field: problem.field } : {}),
          rule,
          level,
          line: describeBreak(record, n + 1, { ...problem, rule, level, reader: r, writer: w }),
        });
      }
    }
  }
  return found;
}

/** The one line naming the record, the field and the rule broken. */
export function describeBreak(
  record: string,
  version: number | string,
  p: ResolutionProblem & {
    rule: 'BACKWARD' | 'FORWARD';
    level: CompatibilityLevel;
    /** The reader's and the writer's labels: `v2`, `registry v1`. */
    reader: string;
    writer: string;
  },
): string {
  const what = p.field ? `field ${p.field} of ${p.reader} ${p.reason} in ${p.writer}` : p.reason;
  const rule =
    p.rule === 'BACKWARD' ? 'new readers must read old records' : 'old readers must read new records';
  return `${record} v${version}: ${what}: breaks ${p.level} (${p.rule}: ${rule}; ${p.reader} cannot read ${p.writer})`;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * EventLens's own rule on top of Avro's (docs/contracts.md, "What a new version may change"): every
 * field of a version is in the next one under the same name with the same type — its logical type,
 * an enum's symbols and a nested record's fields included (docs are free). Avro's FULL level lets
 * a field with a default be removed, renamed (a removal plus an addition) or moved from
 * `timestamp-millis` to `timestamp-micros`, and every consumer pinned to an older version then reads
 * the default, or a thousand times the value, from every new record without an error anywhere.
 * Returns one line per field that broke the rule, naming the record, the field and the fix.
 */
export function checkKeptFields(record: string, versions: readonly AvroRecordSchema[]): string[] {
  const lines: string[] = [];
  for (let n = 1; n < versions.length; n++) {
    const [before, after] = [`v${n}`, `v${n + 1}`];
    for (const field of versions[n - 1]!.fields) {
      const kept = versions[n]!.fields.find((f) => f.name === field.name);
      if (!kept) {
        lines.push(
          `${record} ${after}: field ${field.name} of ${before} is missing in ${after}: a published field is never removed or renamed, since consumers pinned to ${before} would read its default from every new record (EventLens's rule, docs/contracts.md); keep it, and add a new field beside it`,
        );
      } else if (typeKey(kept.type) !== typeKey(field.type)) {
        lines.push(
          `${record} ${after}: field ${field.name} is ${typeText(field.type)} in ${before} and ${typeText(kept.type)} in ${after}: a published field's type never changes, its logical type and an enum's symbols included (EventLens's rule, docs/contracts.md); add a new field with a default instead`,
        );
      }
    }
  }
  return lines;
}

/** A type as JSON with its docs left out (a doc may change; nothing else may). */
function typeKey(type: unknown): string {
  return JSON.stringify(type, (key, value: unknown) => (key === 'doc' ? undefined : value));
}

/** A type as the check's lines name it: `long (timestamp-millis)`, `enum ApiKeyKind [a, b]`. */
function typeText(type: unknown): string {
  const t = type as { type?: unknown; symbols?: string[] };
  if (t && t.type === 'enum' && Array.isArray(t.symbols))
    return `${typeName(type)} [${t.symbols.join(', ')}]`;
  if (Array.isArray(type)) return `[${type.map(typeText).join(', ')}]`;
  return typeName(type);
}
