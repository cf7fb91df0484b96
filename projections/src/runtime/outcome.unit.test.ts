import { CodecError } from '@eventlens/contracts';
import { describe, expect, it } from 'vitest';
import { classifyError, classifyHandlerError } from './outcome';

const pgError = (code: string, message = 'pg says no') => Object.assign(new Error(message), { code });

describe('classifyError: is it the record or the infrastructure?', () => {
  it('a registry outage is transient, a record the registry cannot explain is retried', () => {
    expect(classifyError(new CodecError('REGISTRY_UNAVAILABLE', 'down', true))).toMatchObject({
      kind: 'transient',
      failure: { code: 'REGISTRY_UNAVAILABLE' },
    });
    expect(
      classifyError(new CodecError('UNKNOWN_SCHEMA_ID', 'schema id 9 is not in the registry')),
    ).toMatchObject({
      kind: 'retry',
      failure: { code: 'UNKNOWN_SCHEMA_ID' },
    });
    expect(classifyError(new CodecError('NOT_WIRE_FORMAT', 'garbage')).kind).toBe('retry');
  });

  it.each(['22P02', '22021', '23505', '23514', '54000'])(
    'PostgreSQL data error %s is about a record',
    (code) => {
      expect(classifyError(pgError(code))).toMatchObject({ kind: 'retry', failure: { code: `DB_${code}` } });
    },
  );

  it.each([
    ['57P01', 'admin shutdown'],
    ['55000', 'database does not accept connections'],
    ['53300', 'too many connections'],
    ['40P01', 'deadlock'],
    ['55P03', 'lock timeout'],
    ['57014', 'statement timeout'],
    ['42P01', 'table missing mid-migration'],
    ['28000', 'role may not log in'],
  ])('PostgreSQL error %s (%s) is transient', (code) => {
    expect(classifyError(pgError(code)).kind).toBe('transient');
  });

  it('network errors, kafkajs errors and the unexpected are transient: pausing is recoverable', () => {
    expect(
      classifyError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).kind,
    ).toBe('transient');
    expect(
      classifyError(Object.assign(new Error('x'), { name: 'KafkaJSNumberOfRetriesExceeded' })).kind,
    ).toBe('transient');
    expect(classifyError(new Error('Connection terminated unexpectedly')).kind).toBe('transient');
    expect(classifyError(new TypeError('x is undefined'))).toMatchObject({
      kind: 'transient',
      failure: { code: 'UNEXPECTED' },
    });
  });
});

describe('classifyHandlerError', () => {
  it('an error thrown by a handler is about its record', () => {
    expect(classifyHandlerError(new Error('cannot handle'))).toMatchObject({
      kind: 'retry',
      failure: { code: 'HANDLER_ERROR', message: 'cannot handle' },
    });
  });

  it('still recognises infrastructure errors surfacing through a handler', () => {
    expect(classifyHandlerError(new CodecError('REGISTRY_UNAVAILABLE', 'down', true)).kind).toBe('transient');
    expect(classifyHandlerError(pgError('57P01')).kind).toBe('transient');
  });
});
