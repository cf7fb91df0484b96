import { CodecError } from '@eventlens/contracts';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { classifyError, classifyHandlerError } from './classify';
import { NETWORK_ERRNOS } from './outcome';

// Real kafkajs error classes (reachable only through its default export under Node's ESM loader).
const { KafkaJSError, KafkaJSNumberOfRetriesExceeded } = kafkajs;

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

describe('classifyError reads structure, never message text', () => {
  it('a message that only sounds like an outage is not one: without a type or code it is UNEXPECTED', () => {
    for (const message of ['Connection terminated unexpectedly', 'timeout exceeded', 'connection refused']) {
      expect(classifyError(new Error(message))).toMatchObject({
        kind: 'transient',
        failure: { code: 'UNEXPECTED', message },
      });
    }
  });

  it('a data SQLSTATE is a record problem whatever its message says', () => {
    expect(classifyError(pgError('23505', 'connection timeout terminated'))).toMatchObject({
      kind: 'retry',
      failure: { code: 'DB_23505' },
    });
  });

  it('kafkajs errors are recognised by their class, not by their name', () => {
    expect(classifyError(new KafkaJSError('broker went away'))).toMatchObject({
      kind: 'transient',
      failure: { code: 'KAFKA_ERROR', message: 'broker went away' },
    });
    expect(
      classifyError(new KafkaJSNumberOfRetriesExceeded(new Error('x'), { retryCount: 5, retryTime: 1000 })),
    ).toMatchObject({
      kind: 'transient',
      failure: { code: 'KAFKA_ERROR' },
    });
    expect(classifyError(Object.assign(new Error('x'), { name: 'KafkaJSConnectionError' }))).toMatchObject({
      failure: { code: 'UNEXPECTED' },
    });
  });

  it('every socket errno of the list is transient under its own code; other codes are not errnos', () => {
    for (const errno of NETWORK_ERRNOS) {
      expect(classifyError(Object.assign(new Error('x'), { code: errno }))).toMatchObject({
        kind: 'transient',
        failure: { code: errno },
      });
    }
    expect(classifyError(Object.assign(new Error('x'), { code: 'ERR_SOMETHING' })).failure.code).toBe(
      'UNEXPECTED',
    );
  });

  it('looks through a wrapper to its cause, keeping the outer message', () => {
    const wrapped = new Error('Connection terminated due to connection timeout', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect(classifyError(wrapped)).toMatchObject({
      kind: 'transient',
      failure: { code: 'ECONNREFUSED', message: 'Connection terminated due to connection timeout' },
    });
    const deep = new Error('a', { cause: new Error('b', { cause: pgError('22P02') }) });
    expect(classifyError(deep)).toMatchObject({ kind: 'retry', failure: { code: 'DB_22P02' } });
  });

  it('a cycle of causes ends in UNEXPECTED instead of looping', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(classifyError(a).failure.code).toBe('UNEXPECTED');
  });

  it('non-errors are classified too', () => {
    expect(classifyError('boom')).toMatchObject({
      kind: 'transient',
      failure: { code: 'UNEXPECTED', message: 'boom' },
    });
    expect(classifyError(null).failure.code).toBe('UNEXPECTED');
    expect(classifyError(undefined).failure.code).toBe('UNEXPECTED');
  });

  it.each([
    'NOT_WIRE_FORMAT',
    'UNKNOWN_SCHEMA_ID',
    'UNKNOWN_RECORD',
    'CORRUPT_PAYLOAD',
    'INVALID_RECORD',
    'SCHEMA_NOT_REGISTERED',
    'INCOMPATIBLE_SCHEMA',
  ] as const)('codec error %s is about the record’s bytes: retried under its code', (code) => {
    expect(classifyError(new CodecError(code, 'x'))).toMatchObject({ kind: 'retry', failure: { code } });
  });

  it('a registry that refuses (not unreachable) is not an outage: the record is retried', () => {
    expect(classifyError(new CodecError('REGISTRY_UNAVAILABLE', 'HTTP 401'))).toMatchObject({
      kind: 'retry',
      failure: { code: 'REGISTRY_UNAVAILABLE' },
    });
  });
});
