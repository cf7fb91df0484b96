/**
 * The one thing the command side needs from the log to write: a durable append. Kafka sits behind
 * this interface (`kafka.ts`), and so do the decorators that give it its behaviour: group commit
 * (`group-commit.ts`) and the circuit breaker (`breaker.ts`). Any KafkaJS-compatible client can
 * replace `kafka.ts` without touching the rest.
 */
export interface LogRecord {
  topic: string;
  key: string;
  value: Buffer;
  /** Record headers: the W3C trace context of the request that appended it, when traced. */
  headers?: Record<string, string>;
}

export interface Appender {
  /** Resolves only once every record is acknowledged by all in-sync replicas; rejects with a LogError. */
  append(records: readonly LogRecord[]): Promise<void>;
}

export type LogErrorCode =
  /** The log cannot be reached (not connected, broker down, circuit open). Retry later. */
  | 'LOG_UNAVAILABLE'
  /** No acknowledgement within the deadline; the records may or may not have been written. */
  | 'APPEND_TIMEOUT'
  /** The log refused these records (too large, invalid); retrying the same records will not help. */
  | 'APPEND_REJECTED'
  /** The appender is shutting down. */
  | 'CLOSED';

export class LogError extends Error {
  override readonly name = 'LogError';
  constructor(
    readonly code: LogErrorCode,
    message: string,
    /** Seconds after which a retry may succeed, when known (an open circuit knows). */
    readonly retryAfterS?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Whether the failure says something about the log's health (it feeds the circuit breaker). */
  get transient(): boolean {
    return this.code === 'LOG_UNAVAILABLE' || this.code === 'APPEND_TIMEOUT';
  }
}

/** Bytes a record adds to a produce request, roughly: key, value and per-record overhead. */
export function recordBytes(record: LogRecord): number {
  let headers = 0;
  for (const [name, value] of Object.entries(record.headers ?? {})) headers += name.length + value.length + 8;
  return Buffer.byteLength(record.key) + record.value.length + headers + 64;
}
