/** Records per writer schema id: read from the Confluent wire format's header, in id order. */
import { describe, expect, it } from 'vitest';
import { countBySchemaId } from './contracts';

/** A value in the wire format: magic byte 0, the 4-byte big-endian id, a body. */
const wire = (id: number, body = 'x') => {
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(id, 1);
  out.write(body, 5);
  return out;
};

describe('countBySchemaId', () => {
  it('counts the values of each writer schema id, sorted by id', () => {
    expect(countBySchemaId([wire(12), wire(3), wire(12), wire(70_000), wire(3), wire(12)])).toEqual([
      { schemaId: 3, records: 2 },
      { schemaId: 12, records: 3 },
      { schemaId: 70_000, records: 1 },
    ]);
  });

  it('leaves out values that are not in the wire format', () => {
    const wrongMagic = wire(5);
    wrongMagic.writeUInt8(1, 0);
    expect(countBySchemaId([null, Buffer.from('{"a":1}'), Buffer.alloc(4), wrongMagic, wire(9)])).toEqual([
      { schemaId: 9, records: 1 },
    ]);
  });

  it('is empty for no values', () => {
    expect(countBySchemaId([])).toEqual([]);
  });
});
