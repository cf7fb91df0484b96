/**
 * Zod and Avro must not drift: for every event, both contracts describe the same fields with the
 * same types and nullability, and a value valid for one is valid for the other.
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AVRO_SCHEMAS, EVENT_SCHEMAS, EVENT_TYPES, subjectOf, type EventType } from './index';

type Shape = { type: string; nullable: boolean; symbols?: string[] };

/** A record's fields as one string, in name order: `record{a:string,b:string?}` (? for nullable). */
function recordShape(fields: Array<[string, Shape]>): string {
  const sorted = [...fields].sort(([a], [b]) => (a < b ? -1 : 1));
  return `record{${sorted.map(([name, f]) => `${name}:${f.type}${f.nullable ? '?' : ''}`).join(',')}}`;
}

/** Avro field type → a neutral shape. */
function avroShape(type: unknown): Shape {
  if (Array.isArray(type)) {
    const nonNull = type.filter((t) => t !== 'null');
    if (nonNull.length !== 1) throw new Error(`unsupported union ${JSON.stringify(type)}`);
    return { ...avroShape(nonNull[0]), nullable: type.includes('null') };
  }
  if (typeof type === 'string') {
    const map: Record<string, string> = {
      string: 'string',
      long: 'integer',
      int: 'integer',
      boolean: 'boolean',
    };
    if (!map[type]) throw new Error(`unsupported Avro type ${type}`);
    return { type: map[type], nullable: false };
  }
  const t = type as { type: string; values?: string; symbols?: string[]; logicalType?: string };
  if (t.type === 'record') {
    const fields = (type as { fields: Array<{ name: string; type: unknown }> }).fields;
    return { type: recordShape(fields.map((f) => [f.name, avroShape(f.type)])), nullable: false };
  }
  if (t.type === 'long' && t.logicalType === 'timestamp-millis') return { type: 'integer', nullable: false };
  if (t.type === 'map' && t.values === 'string') return { type: 'map<string>', nullable: false };
  if (t.type === 'enum') return { type: 'enum', nullable: false, symbols: t.symbols };
  if (t.type === 'array') {
    const items = (t as { items?: unknown }).items;
    return { type: `array<${avroShape(items).type}>`, nullable: false };
  }
  throw new Error(`unsupported Avro type ${JSON.stringify(type)}`);
}

/** JSON Schema (from Zod) property → the same neutral shape. */
function jsonShape(schema: Record<string, unknown>): Shape {
  if (Array.isArray(schema.anyOf)) {
    const parts = schema.anyOf as Array<Record<string, unknown>>;
    const nonNull = parts.filter((p) => p.type !== 'null');
    return { ...jsonShape(nonNull[0]!), nullable: parts.some((p) => p.type === 'null') };
  }
  if (Array.isArray(schema.type)) {
    const types = schema.type as string[];
    const nonNull = types.filter((t) => t !== 'null');
    return { ...jsonShape({ ...schema, type: nonNull[0] }), nullable: types.includes('null') };
  }
  if (Array.isArray(schema.enum)) return { type: 'enum', nullable: false, symbols: schema.enum as string[] };
  if (schema.type === 'array') {
    return { type: `array<${jsonShape(schema.items as Record<string, unknown>).type}>`, nullable: false };
  }
  if (schema.type === 'object' && schema.properties) {
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    return {
      type: recordShape(Object.entries(properties).map(([name, p]) => [name, jsonShape(p)])),
      nullable: false,
    };
  }
  if (schema.type === 'object') {
    const values = schema.additionalProperties as { type?: string };
    return { type: `map<${values.type}>`, nullable: false };
  }
  return { type: String(schema.type), nullable: false };
}

describe.each(EVENT_TYPES)('%s', (type: EventType) => {
  const avroSchema = AVRO_SCHEMAS[type];
  const json = z.toJSONSchema(EVENT_SCHEMAS[type]) as {
    properties: Record<string, Record<string, unknown>>;
    required: string[];
  };

  it('has the same fields in Zod and Avro', () => {
    expect(Object.keys(json.properties).sort()).toEqual(avroSchema.fields.map((f) => f.name).sort());
    expect([...json.required].sort()).toEqual(avroSchema.fields.map((f) => f.name).sort());
  });

  it('gives every field the same type and nullability in Zod and Avro', () => {
    for (const field of avroSchema.fields) {
      expect({ field: field.name, ...jsonShape(json.properties[field.name]!) }).toEqual({
        field: field.name,
        ...avroShape(field.type),
      });
    }
  });

  it('gives every nullable Avro field a null default, so new fields can be added compatibly', () => {
    for (const field of avroSchema.fields) {
      if (Array.isArray(field.type) && field.type.includes('null')) {
        expect({ field: field.name, default: field.default }).toEqual({ field: field.name, default: null });
      }
    }
  });

  it('gives every list field a default in both, the same one (fields after v1 need it)', () => {
    for (const field of avroSchema.fields) {
      const t = field.type as { type?: string };
      if (t.type !== 'array' || !('default' in field)) continue;
      expect({ field: field.name, default: json.properties[field.name]!.default }).toEqual({
        field: field.name,
        default: field.default,
      });
    }
  });

  it('is a valid Avro record named after its subject', () => {
    const parsed = avro.Type.forSchema(avroSchema as avro.Schema);
    expect(parsed.name).toBe(subjectOf(type));
  });
});

describe('round trip', () => {
  it('a value valid for Zod encodes and decodes through Avro unchanged', () => {
    const value = EVENT_SCHEMAS.EventTracked.parse({
      event_id: '0b7e1f0e-2f7f-4c58-9d9c-0a8d2b6f1e11',
      project_id: '6f1c1b7e-8a1e-4f53-9a51-1d7d3f2f0a11',
      event_name: 'button_click',
      session_id: 's1',
      user_id: null,
      anonymous_id: 'a1',
      timestamp: 1_790_000_000_000,
      received_at: 1_790_000_000_123,
      url: 'https://example.com/pricing',
      referrer: null,
      metadata_json: '{"plan":"pro"}',
      context: { language: 'en-GB' },
    });
    const type = avro.Type.forSchema(AVRO_SCHEMAS.EventTracked as avro.Schema);
    expect({ ...type.fromBuffer(type.toBuffer(value)) }).toEqual(value);
  });
});
