/**
 * Pausing partitions instead of sleeping, so that kafkajs's fetch loop and heartbeats keep running
 * and the worker stays in its group:
 * - a transient failure (PostgreSQL or the registry unavailable, a lock timeout, Kafka refusing a
 *   forward) pauses the partition for an exponential backoff with jitter (backoff.ts); the same
 *   batch is fetched again when it resumes, and the attempts count on until a batch of the
 *   partition is applied;
 * - a retry consumer pauses a partition until its first record that is not due yet is
 *   (`dueRecords` says which records of a batch are due).
 */
import type { Logger } from '@eventlens/service-kit';
import type { Metrics } from '../metrics';
import { backoffDelay, type BackoffPolicy } from './backoff';
import { tpKey, type TopicPartition } from './checkpoints';
import { HEADER } from './headers';
import type { Failure } from './outcome';
import type { SourceRecord } from './projection';

export type PauseReason = 'backoff' | 'due';

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface PausesDeps {
  pause(tp: TopicPartition): void;
  resume(tp: TopicPartition): void;
  backoff: BackoffPolicy;
  /** In [0, 1), for the jitter. */
  random: () => number;
  metrics: Pick<Metrics, 'pausedPartitions' | 'transientErrors'>;
  /** The worker's name, the `worker` label of the metrics. */
  worker: string;
  logger: Logger;
  /** `setTimeout`/`clearTimeout` unless a test passes its own. */
  timers?: Timers;
}

export interface PauseState {
  /** Partitions paused by a backoff right now (not counting retry records waiting to be due). */
  backingOff: number;
  /** Partitions whose last attempt failed transiently (cleared by their next applied batch). */
  failing: number;
  /** `<code>: <message>` of the last transient failure. */
  lastError: string | undefined;
}

export interface Pauses {
  /** Pauses the partition and resumes it after `ms` (a pause already pending is replaced). */
  pauseFor(tp: TopicPartition, ms: number, reason: PauseReason): void;
  /** A transient failure of the partition's batch: pause it for the next backoff step. */
  backOff(tp: TopicPartition, failure: Failure): void;
  /** A batch of the partition went through: its backoff starts over. */
  recovered(tp: TopicPartition): void;
  /** Cancels every pending resume (the consumer is stopping). */
  clear(): void;
  state(): PauseState;
}

const defaultTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export function createPauses(deps: PausesDeps): Pauses {
  const { metrics, worker, logger } = deps;
  const timers = deps.timers ?? defaultTimers;
  /** Consecutive transient failures per partition, for the backoff. */
  const attempts = new Map<string, number>();
  /** Resume timers of paused partitions, and why they are paused. */
  const paused = new Map<string, { handle: unknown; reason: PauseReason }>();
  let lastError: string | undefined;

  function pauseFor(tp: TopicPartition, ms: number, reason: PauseReason): void {
    const key = tpKey(tp);
    deps.pause(tp);
    const existing = paused.get(key);
    if (existing) timers.clear(existing.handle);
    const handle = timers.set(
      () => {
        paused.delete(key);
        metrics.pausedPartitions.set({ worker }, paused.size);
        deps.resume(tp);
      },
      Math.max(0, ms),
    );
    paused.set(key, { handle, reason });
    metrics.pausedPartitions.set({ worker }, paused.size);
  }

  return {
    pauseFor,
    backOff(tp, failure) {
      const key = tpKey(tp);
      const attempt = attempts.get(key) ?? 0;
      attempts.set(key, attempt + 1);
      const delay = backoffDelay(attempt, deps.backoff, deps.random);
      lastError = `${failure.code}: ${failure.message}`;
      metrics.transientErrors.inc({ worker, code: failure.code });
      // Loud on the first failure and then now and again: a partition that keeps failing (an
      // outage, or a bug that throws on every attempt) must not go quiet while its lag grows.
      const log = attempt === 0 ? logger.warn : attempt % 20 === 0 ? logger.error : logger.debug;
      log('transient failure: pausing the partition and retrying the batch', {
        topic: tp.topic,
        partition: tp.partition,
        code: failure.code,
        error: failure.message,
        attempt: attempt + 1,
        delayMs: delay,
      });
      pauseFor(tp, delay, 'backoff');
    },
    recovered(tp) {
      attempts.delete(tpKey(tp));
    },
    clear() {
      for (const { handle } of paused.values()) timers.clear(handle);
      paused.clear();
    },
    state() {
      return {
        backingOff: [...paused.values()].filter((p) => p.reason === 'backoff').length,
        failing: attempts.size,
        lastError,
      };
    },
  };
}

/**
 * The retry-topic due gate: the records of a batch (in offset order) up to the first whose
 * `eventlens-due-at` header (epoch ms) is after `now`, and that record's due time, when there is
 * one. Records after it wait too, so a partition is applied in order. A missing header is due.
 */
export function dueRecords(
  records: readonly SourceRecord[],
  now: number,
): { due: readonly SourceRecord[]; wakeAt: number | undefined } {
  const notDue = records.findIndex((record) => Number(record.headers[HEADER.dueAt] ?? 0) > now);
  if (notDue < 0) return { due: records, wakeAt: undefined };
  return { due: records.slice(0, notDue), wakeAt: Number(records[notDue]!.headers[HEADER.dueAt]) };
}
