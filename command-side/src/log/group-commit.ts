/**
 * Group commit. kafkajs has no `linger.ms` and the idempotent producer allows one request in
 * flight, so sending every HTTP request on its own would cap throughput at one request per broker
 * round trip. Instead, appends queue here and go out together in one produce call:
 *
 * - while a produce call is in flight, new appends wait and all go in the next call, which starts
 *   as soon as the previous one settles (the round trip itself is the batching window);
 * - when idle, the first append waits at most `lingerMs` for company, or less once `maxRecords`
 *   or `maxBytes` are pending;
 * - one call carries whole appends only, up to `maxRecords` / `maxBytes` (a single larger append
 *   goes alone), so the broker's per-batch size limit is not hit by coalescing.
 *
 * Each caller is answered by the outcome of the call that carried its records and nothing else:
 * a failed call rejects exactly its callers. Only one call is ever in flight, which also keeps the
 * idempotent producer's sequence numbers simple (see kafka.ts).
 *
 * Every append has a deadline. At the deadline a queued append is withdrawn (it was never sent, so
 * nothing was written); an append already in flight is answered APPEND_TIMEOUT while its call
 * goes on (it may still be written: the client's retry is deduplicated by event id downstream).
 */
import { LogError, recordBytes, type Appender, type LogRecord } from './appender';

export interface FlushStats {
  records: number;
  appends: number;
  bytes: number;
  durationMs: number;
  ok: boolean;
}

export interface GroupCommitOptions {
  lingerMs: number;
  maxRecords: number;
  maxBytes: number;
  /** Deadline of each append, from the moment it is queued. */
  timeoutMs: number;
  onFlush?: (stats: FlushStats) => void;
  now?: () => number;
}

export interface GroupCommitAppender extends Appender {
  /** Stops taking appends and resolves once everything queued has been sent and settled. */
  close(): Promise<void>;
  /** Records queued and not yet sent. */
  pendingRecords(): number;
}

interface Pending {
  records: readonly LogRecord[];
  bytes: number;
  state: 'queued' | 'sending' | 'settled';
  deadline: NodeJS.Timeout;
  resolve(): void;
  reject(error: unknown): void;
}

export function createGroupCommit(target: Appender, options: GroupCommitOptions): GroupCommitAppender {
  const now = options.now ?? Date.now;
  const queue: Pending[] = [];
  let queuedRecords = 0;
  let queuedBytes = 0;
  let inFlight: Promise<void> | undefined;
  let linger: NodeJS.Timeout | undefined;
  let closed = false;

  function settle(entry: Pending, error?: unknown): void {
    if (entry.state === 'settled') return;
    entry.state = 'settled';
    clearTimeout(entry.deadline);
    if (error === undefined) entry.resolve();
    else entry.reject(error);
  }

  function dequeue(entry: Pending): void {
    const index = queue.indexOf(entry);
    if (index >= 0) queue.splice(index, 1);
    queuedRecords -= entry.records.length;
    queuedBytes -= entry.bytes;
  }

  function expire(entry: Pending): void {
    if (entry.state === 'queued') {
      dequeue(entry);
      settle(
        entry,
        new LogError('LOG_UNAVAILABLE', `the log did not take the records within ${options.timeoutMs} ms`),
      );
    } else if (entry.state === 'sending') {
      settle(
        entry,
        new LogError(
          'APPEND_TIMEOUT',
          `the log did not acknowledge the records within ${options.timeoutMs} ms`,
        ),
      );
    }
  }

  function schedule(): void {
    if (inFlight || queue.length === 0) return;
    if (queuedRecords >= options.maxRecords || queuedBytes >= options.maxBytes) {
      flush();
    } else if (!linger) {
      linger = setTimeout(flush, options.lingerMs);
    }
  }

  function flush(): void {
    clearTimeout(linger);
    linger = undefined;
    if (inFlight || queue.length === 0) return;
    const batch: Pending[] = [];
    let records = 0;
    let bytes = 0;
    for (const entry of queue) {
      const fits =
        records + entry.records.length <= options.maxRecords && bytes + entry.bytes <= options.maxBytes;
      if (batch.length > 0 && !fits) break;
      batch.push(entry);
      records += entry.records.length;
      bytes += entry.bytes;
    }
    for (const entry of batch) {
      dequeue(entry);
      entry.state = 'sending';
    }
    const started = now();
    const send = async () => {
      let ok = false;
      try {
        await target.append(batch.flatMap((entry) => entry.records));
        ok = true;
        for (const entry of batch) settle(entry);
      } catch (error) {
        for (const entry of batch) settle(entry, error);
      } finally {
        options.onFlush?.({ records, appends: batch.length, bytes, durationMs: now() - started, ok });
      }
    };
    inFlight = send().finally(() => {
      inFlight = undefined;
      // Whatever queued meanwhile has waited a full round trip already: send it at once.
      if (queue.length > 0) flush();
    });
  }

  function append(records: readonly LogRecord[]): Promise<void> {
    if (closed) return Promise.reject(new LogError('CLOSED', 'the command side is shutting down'));
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const entry: Pending = {
        records,
        bytes: records.reduce((sum, record) => sum + recordBytes(record), 0),
        state: 'queued',
        deadline: setTimeout(() => expire(entry), options.timeoutMs),
        resolve,
        reject,
      };
      queue.push(entry);
      queuedRecords += records.length;
      queuedBytes += entry.bytes;
      schedule();
    });
  }

  async function close(): Promise<void> {
    closed = true;
    while (inFlight || queue.length > 0) {
      flush();
      await inFlight;
    }
  }

  return { append, close, pendingRecords: () => queuedRecords };
}
