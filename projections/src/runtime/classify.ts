/**
 * Turns a thrown error into an outcome: is it about the record, or about the infrastructure?
 *
 * Only structure decides, never the text of a message (which libraries reword between versions
 * and translate with the server's locale): the error's type (`CodecError`, kafkajs's error
 * classes), PostgreSQL's SQLSTATE class, a socket's errno. An error that carries none of them is
 * looked through to its `cause` (pg-pool and kafkajs wrap the error they met), and otherwise is
 * `UNEXPECTED`. When in doubt it is transient: pausing is recoverable, dead-lettering good records
 * is not.
 */
import { CodecError } from '@eventlens/contracts';
import { describeError } from '@eventlens/service-kit';
import { isDataError, sqlState } from '../db';
import { isKafkaError } from '../kafka';
import { NETWORK_ERRNOS, retry, transient, type FailureOutcome, type NetworkErrno } from './outcome';

/** How deep a chain of `cause`s is followed (a cycle must not loop). */
const MAX_CAUSES = 5;

/**
 * The outcome of an error thrown while applying a batch (or starting a worker).
 * - `CodecError`: by its code (REGISTRY_UNAVAILABLE with `transient` set is an outage; every other
 *   codec code is about the record's bytes, so the record is retried).
 * - SQLSTATE class 22/23 or 54000 (db.ts `isDataError`): the record's data, retried, `DB_<state>`;
 *   any other SQLSTATE (connection, shutdown, lock or statement timeout, deadlock, a table missing
 *   mid-migration) is the database's state: transient, `DB_<state>`.
 * - a socket errno of `NETWORK_ERRNOS`: transient, under the errno (EPIPE would pass for a
 *   SQLSTATE by its shape, so errnos are looked at first).
 * - a kafkajs error: transient, `KAFKA_ERROR`.
 * - anything else: transient, `UNEXPECTED`.
 * The message is always the outermost error's.
 */
export function classifyError(error: unknown): FailureOutcome {
  const message = describeError(error);
  let link: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSES && link != null; depth++) {
    const outcome = classifyKnown(link, message);
    if (outcome) return outcome;
    link = (link as { cause?: unknown }).cause;
  }
  return transient({ code: 'UNEXPECTED', message });
}

/**
 * An error thrown by a record's own handler code: about that record (`HANDLER_ERROR`, retried),
 * unless it is a codec or PostgreSQL error surfacing through the handler, which `classifyError`
 * decides like any other.
 */
export function classifyHandlerError(error: unknown): FailureOutcome {
  if (error instanceof CodecError || sqlState(error) !== undefined) return classifyError(error);
  return retry({ code: 'HANDLER_ERROR', message: describeError(error) });
}

function classifyKnown(error: unknown, message: string): FailureOutcome | undefined {
  if (error instanceof CodecError) return classifyCodecError(error, message);
  // Before the SQLSTATE: an errno such as EPIPE has the shape of one (five capitals).
  const errno = networkErrno(error);
  if (errno !== undefined) return transient({ code: errno, message });
  const state = sqlState(error);
  if (state !== undefined) {
    return isDataError(error)
      ? retry({ code: `DB_${state}`, message })
      : transient({ code: `DB_${state}`, message });
  }
  if (isKafkaError(error)) return transient({ code: 'KAFKA_ERROR', message });
  return undefined;
}

function classifyCodecError(error: CodecError, message: string): FailureOutcome {
  const { code } = error;
  switch (code) {
    case 'REGISTRY_UNAVAILABLE':
      // Unreachable or 5xx: an outage. Refused credentials: no record will decode until an
      // operator fixes them, but each one is still retried rather than the partition stopping.
      return error.transient ? transient({ code, message }) : retry({ code, message });
    case 'NOT_WIRE_FORMAT':
    case 'UNKNOWN_SCHEMA_ID':
    case 'UNKNOWN_RECORD':
    case 'CORRUPT_PAYLOAD':
    case 'INVALID_RECORD':
    case 'SCHEMA_NOT_REGISTERED':
    case 'INCOMPATIBLE_SCHEMA':
      return retry({ code, message });
    default: {
      const _never: never = code;
      return transient({ code: 'UNEXPECTED', message: `unknown codec error ${String(_never)}: ${message}` });
    }
  }
}

function networkErrno(error: unknown): NetworkErrno | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return (NETWORK_ERRNOS as readonly unknown[]).includes(code) ? (code as NetworkErrno) : undefined;
}
