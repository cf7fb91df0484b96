/**
 * The schema history: published files never change, the code is generated from them, and every
 * version is compatible with the earlier ones under its subject's level — while a rename, a dropped
 * default or a changed type is refused with one line naming the record, the field and the rule.
 */
import { mkdtempSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedModule, localProblems } from './cli';
import {
  checkKeptFields,
  checkVersions,
  resolutionProblem,
  rulesOf,
  SUBJECT_COMPATIBILITY,
} from './compatibility';
import { AVRO_SCHEMAS, EVENT_TYPES, type AvroRecordSchema } from './events';
import { AVRO_HISTORY } from './avro-history.generated';
import {
  AVRO_DIR,
  lockProblems,
  readFixture,
  readHistory,
  readPublished,
  renderPublished,
  sha256,
} from './history-files';
import avro from 'avsc';
import { EVENT_SCHEMAS } from './events';

const history = readHistory();
const v1 = AVRO_HISTORY.EventTracked[0]!;
const v2 = AVRO_HISTORY.EventTracked[1]!;
const withFields = (schema: AvroRecordSchema, fields: AvroRecordSchema['fields']) => ({ ...schema, fields });

describe('the history files', () => {
  it('are all published, and no published file has changed (its SHA-256 is locked)', () => {
    const published = readPublished();
    expect(lockProblems(history, published)).toEqual([]);
    expect(published.size).toBe(Object.values(history).flat().length);
  });

  it('hold a v1 of every record, and v2 of EventTracked and ProjectSettingsChanged', () => {
    expect(Object.keys(history).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) expect(history[type]![0]!.version).toBe(1);
    expect(history.EventTracked!.map((f) => f.file)).toEqual([
      'EventTracked/v1.avsc',
      'EventTracked/v2.avsc',
    ]);
    expect(history.ProjectSettingsChanged!.map((f) => f.file)).toEqual([
      'ProjectSettingsChanged/v1.avsc',
      'ProjectSettingsChanged/v2.avsc',
    ]);
  });

  it('are what the code loads: the generated module is current, and AVRO_SCHEMAS is each latest file', async () => {
    expect(await generatedModule(history)).toBe(
      await import('node:fs').then((fs) =>
        fs.readFileSync(path.join(import.meta.dirname, 'avro-history.generated.ts'), 'utf8'),
      ),
    );
    for (const [record, files] of Object.entries(history)) {
      expect(AVRO_SCHEMAS[record as keyof typeof AVRO_SCHEMAS]).toEqual(files.at(-1)!.schema);
      expect(AVRO_HISTORY[record as keyof typeof AVRO_HISTORY]).toEqual(files.map((f) => f.schema));
    }
  });

  it('a changed published file, a removed one and an unpublished one are each named', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'avro-'));
    cpSync(AVRO_DIR, dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'ProjectCreated/v1.avsc'),
      '{"type":"record","name":"ProjectCreated","fields":[]}',
    );
    writeFileSync(
      path.join(dir, 'ProjectCreated/v2.avsc'),
      '{"type":"record","name":"ProjectCreated","fields":[]}',
    );
    const problems = lockProblems(readHistory(dir), readPublished(dir));
    expect(problems).toEqual([
      expect.stringMatching(/^ProjectCreated\/v1\.avsc: changed after it was published/),
      expect.stringMatching(/^ProjectCreated\/v2\.avsc: not published yet/),
    ]);
    // Publishing adds the new file's line and keeps the changed file's original hash.
    const republished = renderPublished(readHistory(dir), readPublished(dir));
    expect(republished).toContain(`${readPublished().get('ProjectCreated/v1.avsc')}  ProjectCreated/v1.avsc`);
    expect(republished).toContain(
      `${sha256('{"type":"record","name":"ProjectCreated","fields":[]}')}  ProjectCreated/v2.avsc`,
    );
  });

  it('a gap in the versions is refused, naming the missing one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'avro-'));
    cpSync(AVRO_DIR, dir, { recursive: true });
    writeFileSync(path.join(dir, 'ApiKeyRevoked/v3.avsc'), JSON.stringify(AVRO_SCHEMAS.ApiKeyRevoked));
    expect(() => readHistory(dir)).toThrow(
      'ApiKeyRevoked/v3.avsc: versions must be v1..vN without gaps; v2 is missing',
    );
  });
});

describe('the fixtures of every historical version', () => {
  /** The records with fixtures: those with more than one version. */
  const cases = (['EventTracked', 'ProjectSettingsChanged'] as const).flatMap((record) =>
    history[record]!.map((f) => [record, f.version] as const),
  );

  it('cover every version of every record that has more than one', () => {
    const evolved = EVENT_TYPES.filter((type) => history[type]!.length > 1);
    expect([...new Set(cases.map(([record]) => record))].sort()).toEqual(evolved.sort());
  });

  it.each(cases)(
    '%s v%i: written with that version, read by today’s reader as the contract says',
    (record, version) => {
      const reader = avro.Type.forSchema(AVRO_SCHEMAS[record] as avro.Schema);
      const writer = avro.Type.forSchema(AVRO_HISTORY[record][version - 1]! as avro.Schema);
      const resolver = reader.createResolver(writer);
      const values = readFixture(record, version);
      expect(values.length).toBeGreaterThan(0);
      for (const value of values) {
        // Exactly that version's shape: no field it lacks, none missing.
        expect(Object.keys(value).sort()).toEqual(
          AVRO_HISTORY[record][version - 1]!.fields.map((f) => f.name).sort(),
        );
        expect(writer.isValid(value)).toBe(true);
        // JSON round trip: a plain value, as a consumer would store it (avsc gives nested records classes).
        const read: unknown = JSON.parse(JSON.stringify(reader.fromBuffer(writer.toBuffer(value), resolver)));
        // The fields a version lacks read as their defaults (null, or an empty list).
        expect(read).toEqual(EVENT_SCHEMAS[record].parse(value));
      }
    },
  );

  it('ProjectSettingsChanged v1 reads v2 records without the fields it lacks (forward)', () => {
    const v1Reader = avro.Type.forSchema(AVRO_HISTORY.ProjectSettingsChanged[0]! as avro.Schema);
    const v2Writer = avro.Type.forSchema(AVRO_HISTORY.ProjectSettingsChanged[1]! as avro.Schema);
    const [value] = readFixture('ProjectSettingsChanged', 2);
    const read = v1Reader.fromBuffer(v2Writer.toBuffer(value), v1Reader.createResolver(v2Writer)) as object;
    const { goals: _goals, excluded_address_ranges: _ranges, ...v1Fields } = value as Record<string, unknown>;
    expect({ ...read }).toEqual(v1Fields);
  });
});

describe('the local compatibility check', () => {
  it('passes the committed history: every version against every earlier one, both ways', async () => {
    expect(await localProblems()).toEqual([]);
    for (const type of EVENT_TYPES) expect(SUBJECT_COMPATIBILITY[type]).toBe('FULL_TRANSITIVE');
  });

  it('v2 reads v1 records and v1 reads v2 records (Avro resolution)', () => {
    expect(resolutionProblem(v2, v1)).toBeUndefined();
    expect(resolutionProblem(v1, v2)).toBeUndefined();
  });

  it('refuses a renamed field, naming it and the rule', () => {
    const renamed = withFields(
      v2,
      v2.fields.map((f) => (f.name === 'event_name' ? { ...f, name: 'name' } : f)),
    );
    const found = checkVersions('EventTracked', [v1, v2, renamed], 'FULL_TRANSITIVE');
    expect(found.map((i) => [i.version, i.against, i.field, i.rule])).toEqual([
      [3, 1, 'name', 'BACKWARD'],
      [3, 1, 'event_name', 'FORWARD'],
      [3, 2, 'name', 'BACKWARD'],
      [3, 2, 'event_name', 'FORWARD'],
    ]);
    expect(found[0]!.line).toBe(
      'EventTracked v3: field name of v3 has no default and is missing in v1: breaks FULL_TRANSITIVE (BACKWARD: new readers must read old records; v3 cannot read v1)',
    );
    expect(found[0]!.line).not.toContain('\n');
  });

  it('refuses a new field without a default: the new reader cannot read the old records', () => {
    const noDefault = withFields(
      v2,
      v2.fields.map((f) => (f.name === 'country' ? { name: 'country', type: ['null', 'string'] } : f)),
    );
    const [found] = checkVersions('EventTracked', [v1, noDefault], 'FULL_TRANSITIVE');
    expect(found).toMatchObject({ version: 2, against: 1, field: 'country', rule: 'BACKWARD' });
    expect(found!.line).toContain('field country of v2 has no default and is missing in v1');
  });

  it('refuses a changed type both ways, naming the field and both types', () => {
    const retyped = withFields(
      v2,
      v2.fields.map((f) => (f.name === 'timestamp' ? { name: 'timestamp', type: 'string' } : f)),
    );
    const found = checkVersions('EventTracked', [v1, retyped], 'FULL_TRANSITIVE');
    expect(found.map((i) => i.line)).toEqual([
      'EventTracked v2: field timestamp of v2 is string and cannot read the long (timestamp-millis) in v1: breaks FULL_TRANSITIVE (BACKWARD: new readers must read old records; v2 cannot read v1)',
      'EventTracked v2: field timestamp of v1 is long (timestamp-millis) and cannot read the string in v2: breaks FULL_TRANSITIVE (FORWARD: old readers must read new records; v1 cannot read v2)',
    ]);
  });

  it('applies the level: BACKWARD lets a field be removed, FORWARD does not; non-transitive levels skip older versions', () => {
    const dropped = withFields(
      v1,
      v1.fields.filter((f) => f.name !== 'event_name'),
    );
    expect(checkVersions('EventTracked', [v1, dropped], 'BACKWARD')).toEqual([]);
    expect(checkVersions('EventTracked', [v1, dropped], 'FORWARD')).toMatchObject([
      { field: 'event_name', rule: 'FORWARD' },
    ]);
    // v3 brings back event_name as an int: v2 (without it) reads it, v1 (a string) does not, which
    // only a transitive level looks at.
    const back = withFields(v1, [...dropped.fields, { name: 'event_name', type: 'int', default: 0 }]);
    expect(checkVersions('EventTracked', [v1, dropped, back], 'FORWARD')).toMatchObject([{ version: 2 }]);
    expect(checkVersions('EventTracked', [v1, dropped, back], 'FORWARD_TRANSITIVE')).toMatchObject([
      { version: 2, against: 1 },
      { version: 3, against: 1, field: 'event_name' },
    ]);
    expect(checkVersions('EventTracked', [v1, dropped, back], 'FULL')).toMatchObject([
      { version: 2, rule: 'FORWARD' },
    ]);
    expect(rulesOf('FULL_TRANSITIVE')).toEqual({ backward: true, forward: true, transitive: true });
    expect(rulesOf('NONE')).toEqual({ backward: false, forward: false, transitive: false });
  });
});

describe("EventLens's rule: a published field keeps its name and its type", () => {
  type Field = AvroRecordSchema['fields'][number];
  const change = (name: string, to: Partial<Field> | null) =>
    withFields(
      v2,
      v2.fields.flatMap((f): Field[] => (f.name !== name ? [f] : to === null ? [] : [{ ...f, ...to }])),
    );

  it('passes the committed history, and a version that only adds a field with a default or changes a doc', () => {
    for (const type of EVENT_TYPES) expect(checkKeptFields(type, AVRO_HISTORY[type])).toEqual([]);
    const added = withFields(v2, [
      ...v2.fields.map((f) => (f.name === 'url' ? { ...f, doc: 'The page, as sent.' } : f)),
      { name: 'referrer_host', type: ['null', 'string'], default: null },
    ]);
    expect(checkKeptFields('EventTracked', [v1, v2, added])).toEqual([]);
  });

  // Each of these passes Avro's FULL_TRANSITIVE and the registry: consumers pinned to v2 would read
  // null for every new record's url or referrer, or timestamps a thousand times too large.
  it('refuses a field with a default renamed (an alias too) or removed, naming it and the fix', () => {
    const renamed = change('url', { name: 'page_url', aliases: ['url'] } as never);
    expect(checkVersions('EventTracked', [v1, v2, renamed], 'FULL_TRANSITIVE')).toEqual([]);
    expect(checkKeptFields('EventTracked', [v1, v2, renamed])).toEqual([
      "EventTracked v3: field url of v2 is missing in v3: a published field is never removed or renamed, since consumers pinned to v2 would read its default from every new record (EventLens's rule, docs/contracts.md); keep it, and add a new field beside it",
    ]);
    expect(checkKeptFields('EventTracked', [v1, v2, change('referrer', null)])).toMatchObject([
      expect.stringContaining('field referrer of v2 is missing in v3'),
    ]);
  });

  it('refuses a changed logical type and a changed enum, naming both types', () => {
    const micros = change('timestamp', { type: { type: 'long', logicalType: 'timestamp-micros' } });
    expect(checkVersions('EventTracked', [v1, v2, micros], 'FULL_TRANSITIVE')).toEqual([]);
    expect(checkKeptFields('EventTracked', [v1, v2, micros])).toEqual([
      "EventTracked v3: field timestamp is long (timestamp-millis) in v2 and long (timestamp-micros) in v3: a published field's type never changes, its logical type and an enum's symbols included (EventLens's rule, docs/contracts.md); add a new field with a default instead",
    ]);
    const keys = AVRO_HISTORY.ApiKeyIssued[0]!;
    const admin = withFields(
      keys,
      keys.fields.map((f) =>
        f.name === 'kind'
          ? { ...f, type: { type: 'enum', name: 'ApiKeyKind', symbols: ['write', 'read', 'admin'] } }
          : f,
      ),
    );
    expect(checkKeptFields('ApiKeyIssued', [keys, admin])).toMatchObject([
      expect.stringContaining(
        'field kind is enum ApiKeyKind [write, read] in v1 and enum ApiKeyKind [write, read, admin] in v2',
      ),
    ]);
  });
});
