/**
 * Contract evolution against the real schema registry of the running stack: the codec sets each
 * subject's level and registers every published version; the registry and the local check both
 * refuse a renamed field, a new field without a default and a changed type; `npm run contracts --
 * check` passes on the committed history. Private subjects (`t_<id>_…`) keep the real ones clean,
 * except where a test does what production does (register the history under the real subjects).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AVRO_HISTORY,
  AVRO_SCHEMAS,
  CodecError,
  EVENT_TYPES,
  SUBJECT_COMPATIBILITY,
  checkAgainstRegistry,
  checkVersions,
  createCodec,
  describeSubjects,
  subjectOf,
  type AvroRecordSchema,
  type EventType,
} from '../src/index';
import { registered } from './registered';

const home = process.env.EVENTLENS_HOME ?? path.resolve(import.meta.dirname, '../../.eventlens');
const { registryUrl } = JSON.parse(readFileSync(path.join(home, 'dev.json'), 'utf8')) as {
  registryUrl: string;
};

const prefix = `t_${randomUUID().slice(0, 8)}_`;
const subjectFor = (type: string) => `${prefix}${type}`;
const history = AVRO_HISTORY as Record<string, AvroRecordSchema[]>;

const get = async (url: string) => (await fetch(`${registryUrl}${url}`)).json() as Promise<unknown>;

const v2 = AVRO_SCHEMAS.EventTracked;
const changed = (name: string, change: (f: AvroRecordSchema['fields'][number]) => object) => ({
  ...v2,
  fields: v2.fields.map((f) => (f.name === name ? change(f) : f)),
});
/** The deliberately incompatible changes, as a next version of EventTracked. */
const BREAKS: Array<[string, AvroRecordSchema, string]> = [
  ['a renamed field', changed('event_name', (f) => ({ ...f, name: 'name' })) as AvroRecordSchema, 'name'],
  [
    'a new field whose default was dropped',
    { ...v2, fields: [...v2.fields, { name: 'region', type: ['null', 'string'] }] },
    'region',
  ],
  [
    'a changed type',
    changed('timestamp', () => ({ name: 'timestamp', type: 'string' })) as AvroRecordSchema,
    'timestamp',
  ],
];

beforeAll(async () => {
  await registered(createCodec({ registryUrl, subjectFor }));
});

afterAll(async () => {
  for (const type of EVENT_TYPES) {
    const subject = encodeURIComponent(subjectFor(type));
    await fetch(`${registryUrl}/subjects/${subject}`, { method: 'DELETE' });
    await fetch(`${registryUrl}/subjects/${subject}?permanent=true`, { method: 'DELETE' });
  }
});

describe('the codec on the registry', () => {
  it('registers every published version, oldest first, and sets each subject’s level', async () => {
    expect(await get(`/subjects/${subjectFor('EventTracked')}/versions`)).toEqual([1, 2]);
    for (const type of EVENT_TYPES) {
      expect(await get(`/config/${subjectFor(type)}`)).toMatchObject({
        compatibilityLevel: SUBJECT_COMPATIBILITY[type],
      });
      const versions = (await get(`/subjects/${subjectFor(type)}/versions`)) as number[];
      expect(versions).toHaveLength(history[type]!.length);
      const latest = (await get(`/subjects/${subjectFor(type)}/versions/latest`)) as { schema: string };
      expect(JSON.parse(latest.schema)).toEqual(AVRO_SCHEMAS[type]);
    }
  });

  it('is idempotent: a second start registers nothing new and writes with the same ids', async () => {
    const first = createCodec({ registryUrl, subjectFor });
    const ids = await registered(first);
    expect(await registered(createCodec({ registryUrl, subjectFor }))).toEqual(ids);
    expect(await get(`/subjects/${subjectFor('EventTracked')}/versions`)).toEqual([1, 2]);
  });

  it('describes what the registry holds: subjects, versions with their schema ids, the level', async () => {
    const codec = createCodec({ registryUrl, subjectFor });
    await registered(codec);
    const [eventTracked, projectCreated] = await describeSubjects({
      registryUrl,
      records: ['EventTracked', 'ProjectCreated'],
      subjectFor,
    });
    expect(eventTracked).toEqual({
      record: 'EventTracked',
      subject: subjectFor('EventTracked'),
      level: 'FULL_TRANSITIVE',
      versions: [
        { version: 1, id: expect.any(Number) },
        { version: 2, id: codec.schemaId('EventTracked') },
      ],
    });
    expect(eventTracked!.versions[0]!.id).not.toBe(eventTracked!.versions[1]!.id);
    expect(projectCreated!.versions).toEqual([{ version: 1, id: codec.schemaId('ProjectCreated') }]);
    const [missing] = await describeSubjects({ registryUrl, records: ['Nothing'], subjectFor });
    expect(missing).toEqual({ record: 'Nothing', subject: subjectFor('Nothing'), level: null, versions: [] });
  });

  it('the registry check passes the committed history', async () => {
    const result = await checkAgainstRegistry({
      registryUrl,
      history,
      levels: SUBJECT_COMPATIBILITY,
      subjectFor,
    });
    expect(result.problems).toEqual([]);
    expect(result.notes).toContain(
      `EventTracked: ${subjectFor('EventTracked')} holds 2 version(s) under FULL_TRANSITIVE; 2 local version(s) checked by the registry, 0 not registered yet`,
    );
  });
});

describe.each(BREAKS)('%s', (_, broken, field) => {
  it('is refused by the local check, naming the record, the field and the rule', () => {
    const [first] = checkVersions('EventTracked', [...history.EventTracked!, broken], 'FULL_TRANSITIVE');
    expect(first!.line).toMatch(
      new RegExp(`^EventTracked v3: field ${field} of v\\d .* breaks FULL_TRANSITIVE`),
    );
  });

  it('is refused by the registry’s compatibility check, in one line naming the field', async () => {
    const result = await checkAgainstRegistry({
      registryUrl,
      history: { EventTracked: [...history.EventTracked!, broken] },
      levels: SUBJECT_COMPATIBILITY,
      subjectFor,
    });
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatch(
      new RegExp(
        `^EventTracked v3: field ${field} of .* breaks FULL_TRANSITIVE .*\\[refused by the registry\\]$`,
      ),
    );
  });

  it('is refused on registration: HTTP 409 by hand, INCOMPATIBLE_SCHEMA from the codec', async () => {
    const response = await fetch(`${registryUrl}/subjects/${subjectFor('EventTracked')}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(broken) }),
    });
    expect(response.status).toBe(409);
    const error = await createCodec({ registryUrl, subjectFor, schemas: { EventTracked: broken } })
      .register()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodecError);
    expect((error as CodecError).code).toBe('INCOMPATIBLE_SCHEMA');
    expect(await get(`/subjects/${subjectFor('EventTracked')}/versions`)).toEqual([1, 2]);
  });
});

describe('a version that differs from a registered one only in a default', () => {
  // country keeps its type and loses its default: v3 cannot read v1 records (country is missing there).
  const noDefault = changed('country', (f) => ({ name: f.name, type: f.type })) as AvroRecordSchema;

  it('is the same version to Apicurio (Parsing Canonical Form has no defaults): registering it changes nothing', async () => {
    const response = await fetch(`${registryUrl}/subjects/${subjectFor('EventTracked')}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(noDefault) }),
    });
    expect(response.status).toBe(200);
    const { id } = (await response.json()) as { id: number };
    const latest = (await get(`/subjects/${subjectFor('EventTracked')}/versions/latest`)) as { id: number };
    expect(id).toBe(latest.id);
    expect(await get(`/subjects/${subjectFor('EventTracked')}/versions`)).toEqual([1, 2]);
  });

  it('is still refused by both checks: the registry’s compatibility endpoint against v1, and locally', async () => {
    const result = await checkAgainstRegistry({
      registryUrl,
      history: { EventTracked: [...history.EventTracked!, noDefault] },
      levels: SUBJECT_COMPATIBILITY,
      subjectFor,
    });
    expect(result.problems).toEqual([
      'EventTracked v3: field country of v3 has no default and is missing in registry v1: breaks FULL_TRANSITIVE (BACKWARD: new readers must read old records; v3 cannot read registry v1) [refused by the registry]',
    ]);
    expect(
      checkVersions('EventTracked', [...history.EventTracked!, noDefault], 'FULL_TRANSITIVE'),
    ).toMatchObject([{ version: 3, against: 1, field: 'country', rule: 'BACKWARD' }]);
  });
});

describe('the real subjects', () => {
  it('pass the registry check, then take the history as the stack registers it at start', async () => {
    const real = (type: string) => subjectOf(type as EventType);
    const before = await checkAgainstRegistry({
      registryUrl,
      history,
      levels: SUBJECT_COMPATIBILITY,
      subjectFor: real,
    });
    // Only a level the registry has not been given yet may differ before registration.
    expect(before.problems.filter((p) => !/the registry enforces/.test(p))).toEqual([]);
    await registered(createCodec({ registryUrl }));
    const after = await checkAgainstRegistry({
      registryUrl,
      history,
      levels: SUBJECT_COMPATIBILITY,
      subjectFor: real,
    });
    expect(after.problems).toEqual([]);
    expect(
      ((await get(`/subjects/${subjectOf('EventTracked')}/versions`)) as number[]).length,
    ).toBeGreaterThanOrEqual(2);
    expect(await get(`/config/${subjectOf('EventTracked')}`)).toMatchObject({
      compatibilityLevel: 'FULL_TRANSITIVE',
    });
  });

  it('`npm run contracts -- check` passes: local history and the running registry', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        path.resolve(import.meta.dirname, '../src/cli.ts'),
        'check',
        '--registry',
        registryUrl,
      ],
      { cwd: path.resolve(import.meta.dirname, '..') },
    );
    expect(stdout).toContain('EventTracked: dev.eventlens.EventTracked holds');
    expect(stdout.trim().split('\n').at(-1)).toBe('contracts: compatible');
  });

  it('the command line fails with one line per problem and exit code 1', async () => {
    const run = promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        path.resolve(import.meta.dirname, '../src/cli.ts'),
        'check',
        '--registry',
        'http://127.0.0.1:9/none',
      ],
      { cwd: path.resolve(import.meta.dirname, '..') },
    );
    const error = (await run.catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(error.code).toBe(1);
    expect(error.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^the registry at http:\/\/127\.0\.0\.1:9\/none could not be asked: /),
    ]);
  });
});
