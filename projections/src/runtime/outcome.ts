/**
 * What happened to one record, as a value. Steps return outcomes; the worker loop handles them in
 * one place (runtime/worker.ts). `throw` is for bugs and for infrastructure errors the loop
 * classifies with `classifyError`.
 *
 * - ok: the record becomes a row.
 * - retry: the record is bad *for now* (undecodable, invalid, a handler refused it): it moves to
 *   the next retry topic, and to the DLQ once the retries are used up. Its partition keeps going.
 * - dlq: straight to the DLQ (retries used up).
 * - transient: the record is fine but something it needs is not (PostgreSQL, the registry,
 *   Kafka): the worker pauses the partition, backs off and retries the same batch.
 */
import { CodecError } from '@eventlens/contracts';
import { isDataError, sqlState } from '../db';

export interface Failure {
  /** Stable code, e.g. NOT_WIRE_FORMAT, INVALID_EVENT, DB_23505. */
  code: string;
  message: string;
  /** The project the record belongs to, when it could be read. */
  projectId?: string | null;
}

export type Outcome<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'retry'; failure: Failure }
  | { kind: 'dlq'; failure: Failure }
  | { kind: 'transient'; failure: Failure };

export type FailureOutcome = Exclude<Outcome<never>, { kind: 'ok' }>;

export type Of<K extends Outcome<unknown>['kind']> = Extract<Outcome<never>, { kind: K }>;

export const ok = <T>(value: T): Outcome<T> => ({ kind: 'ok', value });
export const retry = (failure: Failure): Of<'retry'> => ({ kind: 'retry', failure });
export const deadLetter = (failure: Failure): Of<'dlq'> => ({ kind: 'dlq', failure });
export const transient = (failure: Failure): Of<'transient'> => ({ kind: 'transient', failure });

/** Connection-level errors of Node's sockets and of `pg` itself. */
const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * Turns a thrown error into an outcome: is it about the record, or about the infrastructure?
 * When in doubt it is transient: pausing is recoverable, dead-lettering good records is not.
 */
export function classifyError(error: unknown): FailureOutcome {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof CodecError) {
    return error.transient ? transient({ code: error.code, message }) : retry({ code: error.code, message });
  }
  const state = sqlState(error);
  if (state !== undefined) {
    // 22xxx/23xxx: the data of some record. Anything else (connection, admin shutdown, lock or
    // statement timeout, deadlock, a missing table during a migration) is the database's state.
    return isDataError(error)
      ? retry({ code: `DB_${state}`, message })
      : transient({ code: `DB_${state}`, message });
  }
  const errno = (error as { code?: unknown } | null)?.code;
  if (typeof errno === 'string' && NETWORK_ERRORS.has(errno)) {
    return transient({ code: errno, message });
  }
  const name = error instanceof Error ? error.name : '';
  if (name.startsWith('KafkaJS') || /timeout|terminat|connection/i.test(message)) {
    return transient({ code: 'INFRASTRUCTURE', message });
  }
  return transient({ code: 'UNEXPECTED', message });
}

/** An error thrown by a record's own handler code: about that record, not the infrastructure. */
export function classifyHandlerError(error: unknown): FailureOutcome {
  if (error instanceof CodecError || sqlState(error) !== undefined) return classifyError(error);
  return retry({ code: 'HANDLER_ERROR', message: error instanceof Error ? error.message : String(error) });
}
