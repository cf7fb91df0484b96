/**
 * What happened to one record, as a value. Steps return outcomes; the worker loop handles them in
 * one place (runtime/worker.ts, runtime/apply.ts). `throw` is for bugs and for infrastructure
 * errors the loop classifies with `classifyError` (runtime/classify.ts).
 *
 * - ok: the record becomes a row.
 * - retry: the record is bad *for now* (undecodable, invalid, a handler refused it): it moves to
 *   the next retry topic, and to the DLQ once the retries are used up. Its partition keeps going.
 * - dlq: straight to the DLQ (retries used up).
 * - transient: the record is fine but something it needs is not (PostgreSQL, the registry,
 *   Kafka): the worker pauses the partition, backs off and retries the same batch.
 */
import type { CodecErrorCode } from '@eventlens/contracts';

/**
 * Codes of failures a projection finds in a record itself. They travel in the
 * `eventlens-error-code` header, are kept in ops.dlq_records.error_code and shown by the console's
 * Pipeline screen, so a code, once shipped, keeps its spelling (README, "Failure codes").
 */
export const RECORD_FAILURE_CODES = [
  /** The record has no value (a tombstone, or produced by hand). */
  'EMPTY_VALUE',
  /** The event decoded but breaks a rule of the read model (a bad uuid, a NUL character…). */
  'INVALID_EVENT',
  /** The event decoded, but is of a type the projection does not read from this topic. */
  'UNEXPECTED_EVENT_TYPE',
  /** A DLQ replay request names no projection this version knows. */
  'UNKNOWN_PROJECTION',
  /** An admin change refers to a key the read model does not hold (yet). */
  'KEY_NOT_FOUND',
  /** A projection's own code threw on the record. */
  'HANDLER_ERROR',
] as const;

/**
 * Socket errno codes of Node and of `pg` that mean "the other side is not reachable": transient,
 * reported under their own name.
 */
export const NETWORK_ERRNOS = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
] as const;

export type RecordFailureCode = (typeof RECORD_FAILURE_CODES)[number];
export type NetworkErrno = (typeof NETWORK_ERRNOS)[number];
/**
 * `DB_` followed by the five-character SQLSTATE PostgreSQL reported (e.g. DB_23505, a duplicate
 * key: a record's data; DB_57P01, the server shutting down: transient). Kept as the SQLSTATE rather
 * than a name because stored DLQ records and dashboards already carry these strings.
 */
export type DatabaseFailureCode = `DB_${string}`;

/**
 * Every code a failure can carry: the registry codec's (contracts, `CodecErrorCode`), the
 * records' own, PostgreSQL's SQLSTATE, a socket errno, `KAFKA_ERROR` (kafkajs refused, e.g. a
 * forward to a retry topic) and `UNEXPECTED` (nothing above: a bug or an unknown library error,
 * transient so that nothing good is dead-lettered by it).
 */
export type FailureCode =
  CodecErrorCode | RecordFailureCode | DatabaseFailureCode | NetworkErrno | 'KAFKA_ERROR' | 'UNEXPECTED';

export interface Failure {
  /** Stable code (see `FailureCode`), e.g. NOT_WIRE_FORMAT, INVALID_EVENT, DB_23505. */
  code: FailureCode;
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

/** The first outcome of a batch that says a dependency is unavailable, if any. */
export function firstTransient<T>(outcomes: readonly Outcome<T>[]): Of<'transient'> | undefined {
  for (const outcome of outcomes) {
    switch (outcome.kind) {
      case 'transient':
        return outcome;
      case 'ok':
      case 'retry':
      case 'dlq':
        continue;
      default: {
        const _never: never = outcome;
        throw new Error(`unhandled outcome ${JSON.stringify(_never)}`);
      }
    }
  }
  return undefined;
}
