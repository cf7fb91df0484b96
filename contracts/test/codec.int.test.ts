/**
 * The codec against the real schema registry of the running stack.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AVRO_HISTORY,
  AVRO_SCHEMAS,
  CodecError,
  createCodec,
  EVENT_SCHEMAS,
  type EventTracked,
} from '../src/index';
import { registered } from './registered';

// contracts cannot depend on @eventlens/stack (it depends on contracts), so read dev.json directly.
const home = process.env.EVENTLENS_HOME ?? path.resolve(import.meta.dirname, '../../.eventlens');
const { registryUrl } = JSON.parse(readFileSync(path.join(home, 'dev.json'), 'utf8')) as {
  registryUrl: string;
};

/**
 * The registry of the stack, each request bounded by 25 s instead of the codec's 10 s: these tests
 * assert what the registry answers, not how fast, and on a loaded CI machine one registration took
 * longer than 10 s (REGISTRY_UNAVAILABLE, "Timeout (10000ms)"). The bound itself has its own tests.
 */
const FILE_PREFIX = `test-${randomUUID()}`;
const registry = {
  registryUrl,
  requestTimeoutMs: 25_000,
  // Subjects of this file's own: the stack's subjects get a version only when a build that holds it
  // starts (docs/contracts.md, "Changing a contract"), never a draft from a test run.
  subjectFor: (type: string) => `${FILE_PREFIX}-${type}`,
};

const isolated = () => {
  const prefix = `test-${randomUUID()}`;
  return { ...registry, subjectFor: (type: string) => `${prefix}-${type}` };
};

const event: EventTracked = {
  event_id: randomUUID(),
  project_id: randomUUID(),
  event_name: 'button_click',
  session_id: 's-1',
  user_id: null,
  anonymous_id: 'anon-1',
  timestamp: 1_790_000_000_000,
  received_at: 1_790_000_000_050,
  url: 'https://example.com/',
  referrer: null,
  metadata_json: '{"plan":"pro"}',
  context: { language: 'en' },
};
/** The event as read back: the fields it left out (added after v1) are null. */
const readBack = EVENT_SCHEMAS.EventTracked.parse(event);

describe('codec with the real registry', () => {
  it('registers idempotently: the same ids on every start', async () => {
    const options = isolated();
    const first = await registered(createCodec(options));
    const second = await registered(createCodec(options));
    expect(second).toEqual(first);
    expect(Object.keys(first)).toHaveLength(Object.keys(AVRO_SCHEMAS).length);
  });

  it('writes the Confluent wire format: magic byte 0, the schema id, the Avro body', async () => {
    const codec = createCodec(isolated());
    await registered(codec);
    const buffer = codec.encode('EventTracked', event);
    expect(buffer[0]).toBe(0);
    expect(buffer.readUInt32BE(1)).toBe(codec.schemaId('EventTracked'));
    const body = avro.Type.forSchema(AVRO_SCHEMAS.EventTracked as avro.Schema).fromBuffer(buffer.subarray(5));
    expect({ ...body }).toEqual(readBack);
  });

  it('round-trips through decode, and a plain registry client given only the URL decodes it too', async () => {
    const codec = createCodec(registry);
    const ids = await registered(codec);
    expect(ids[registry.subjectFor('EventTracked')]).toBe(codec.schemaId('EventTracked'));
    const buffer = codec.encode('EventTracked', event);
    expect(await codec.decode(buffer)).toEqual({
      type: 'EventTracked',
      value: expect.objectContaining(event),
    });
    const plain = new SchemaRegistry({ host: registryUrl });
    expect({ ...(await plain.decode(buffer)) }).toEqual(readBack);
  });

  it('lists the subjects through the Confluent API', async () => {
    await registered(createCodec(registry));
    const subjects = (await (await fetch(`${registryUrl}/subjects`)).json()) as string[];
    for (const type of Object.keys(AVRO_SCHEMAS)) expect(subjects).toContain(registry.subjectFor(type));
  });

  it('reads records written with a newer schema into the shape this build knows', async () => {
    const newer = {
      ...AVRO_SCHEMAS.EventTracked,
      fields: [
        ...AVRO_SCHEMAS.EventTracked.fields,
        { name: 'region', type: ['null', 'string'], default: null },
      ],
    };
    const options = isolated();
    await registered(createCodec(options));
    const writer = createCodec({ ...options, schemas: { EventTracked: newer } });
    await registered(writer);
    const reader = createCodec(options);
    const decoded = await reader.decode(
      writer.encode('EventTracked', { ...event, region: 'Bretagne' } as EventTracked),
    );
    expect(decoded.type).toBe('EventTracked');
    expect(decoded.value).toEqual(expect.objectContaining(event));
    expect(decoded.value).not.toHaveProperty('region');
  });

  it('refuses an incompatible change with a clear code', async () => {
    const options = isolated();
    await registered(createCodec(options));
    const renamed = {
      ...AVRO_SCHEMAS.ProjectCreated,
      fields: [...AVRO_SCHEMAS.ProjectCreated.fields, { name: 'owner', type: 'string' }],
    };
    const error = await createCodec({ ...options, schemas: { ProjectCreated: renamed } })
      .register()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodecError);
    expect((error as CodecError).code).toBe('INCOMPATIBLE_SCHEMA');
  });

  it('names what is wrong with records it cannot read', async () => {
    const codec = createCodec(registry);
    await registered(codec);
    const codeOf = (b: Buffer) =>
      codec.decode(b).then(
        () => 'decoded',
        (e: CodecError) => e.code,
      );
    expect(await codeOf(Buffer.from('{"json":true}'))).toBe('NOT_WIRE_FORMAT');
    const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2]);
    expect(await codeOf(unknownId)).toBe('UNKNOWN_SCHEMA_ID');
    const truncated = codec.encode('EventTracked', event).subarray(0, 12);
    expect(await codeOf(truncated)).toBe('CORRUPT_PAYLOAD');
    // A schema the registry knows that is not an EventLens event.
    const foreign = await new SchemaRegistry({ host: registryUrl }).register(
      {
        type: 'record',
        name: 'Other',
        namespace: 'elsewhere',
        fields: [{ name: 'a', type: 'string' }],
      } as never,
      { subject: `test-${randomUUID()}` },
    );
    const header = Buffer.alloc(5);
    header.writeUInt32BE(foreign.id, 1);
    expect(await codeOf(Buffer.concat([header, Buffer.from([2, 0x61])]))).toBe('UNKNOWN_RECORD');
  });

  it('refuses to encode a value that does not match the schema, naming the field', async () => {
    const codec = createCodec(registry);
    await registered(codec);
    expect(() => codec.encode('EventTracked', { ...event, timestamp: 'soon' as unknown as number })).toThrow(
      /timestamp/,
    );
    expect(() => createCodec(registry).encode('EventTracked', event)).toThrow(/register/);
  });

  describe('when the registry becomes unreachable', () => {
    // A pass-through proxy in front of the real registry, closed mid-test: the registry itself keeps running.
    let proxy: http.Server;
    let proxyUrl: string;
    beforeAll(async () => {
      const target = new URL(registryUrl);
      proxy = http.createServer((req, res) => {
        const upstream = http.request(
          {
            host: target.hostname,
            port: target.port,
            path: req.url,
            method: req.method,
            headers: req.headers,
          },
          (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        req.pipe(upstream);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${target.pathname}`;
    });
    afterAll(() => proxy.close());

    it('keeps encoding and decoding known schemas, and reports unknown ones as transient', async () => {
      const codec = createCodec({ ...registry, registryUrl: proxyUrl });
      await registered(codec);
      const before = codec.encode('EventTracked', event);
      await codec.decode(before);
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));

      const after = codec.encode('EventTracked', { ...event, event_name: 'later' });
      expect((await codec.decode(after)).value).toMatchObject({ event_name: 'later' });
      const unknown = Buffer.from(before);
      unknown.writeUInt32BE(codec.schemaId('ProjectCreated')! + 100_000, 1);
      const error = (await codec.decode(unknown).catch((e: unknown) => e)) as CodecError;
      expect(error.code).toBe('REGISTRY_UNAVAILABLE');
      expect(error.transient).toBe(true);
    });
  });
});

describe('decoded values', () => {
  it('are plain objects that the strict Zod event schemas accept', async () => {
    const codec = createCodec(registry);
    await registered(codec);
    const decoded = await codec.decode(codec.encode('EventTracked', event));
    expect(Object.getPrototypeOf(decoded.value)).toBe(Object.prototype);
    expect(EVENT_SCHEMAS.EventTracked.parse(decoded.value)).toEqual(readBack);
    expect(decoded.value).toEqual(readBack);
  });

  it('hold plain objects in a list of records too (ProjectSettingsChanged v2 goals), and read v1 as empty lists', async () => {
    const codec = createCodec(registry);
    await registered(codec);
    const settings = {
      project_id: '6d1f0a3e-2b7c-4e55-8f6a-1c2d3e4f5a60',
      time_zone: 'UTC',
      domains: [],
      changed_at: 1_767_261_600_000,
      changed_by: null,
      goals: [{ name: 'Signup', event_name: 'signup', page_path: null }],
      excluded_address_ranges: ['203.0.113.0/24'],
    };
    const decoded = await codec.decode(codec.encode('ProjectSettingsChanged', settings));
    expect(decoded.value).toStrictEqual(settings);
    expect(EVENT_SCHEMAS.ProjectSettingsChanged.parse(decoded.value)).toEqual(settings);

    const v1 = createCodec({
      ...registry,
      schemas: { ProjectSettingsChanged: AVRO_HISTORY.ProjectSettingsChanged[0]! },
    });
    await registered(v1);
    const { goals: _goals, excluded_address_ranges: _ranges, ...v1Value } = settings;
    const read = await codec.decode(v1.encode('ProjectSettingsChanged', v1Value));
    expect(read.value).toStrictEqual({ ...v1Value, goals: [], excluded_address_ranges: [] });
  });
});

describe('cache lookups', () => {
  it('reports each lookup: a writer schema is fetched once (a miss), then read from the cache (hits)', async () => {
    const lookups: string[] = [];
    const codec = createCodec({
      ...isolated(),
      onCacheLookup: (lookup, result) => lookups.push(`${lookup}:${result}`),
    });
    expect(() => codec.encode('EventTracked', event)).toThrow(CodecError);
    expect(lookups).toEqual(['schema_id:miss']);
    await registered(codec);
    const buffer = codec.encode('EventTracked', event);
    const reader = createCodec({
      ...registry,
      onCacheLookup: (lookup, result) => lookups.push(`${lookup}:${result}`),
    });
    await reader.decode(buffer);
    await reader.decode(buffer);
    expect(lookups).toEqual(['schema_id:miss', 'schema_id:hit', 'writer_schema:miss', 'writer_schema:hit']);
  });
});
