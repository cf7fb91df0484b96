/**
 * Forwards failed records to their next stage: the source topic's failures go to retry.1, a
 * failure read from retry.n goes to retry.n+1, and from the last retry topic to the DLQ. The key
 * and value are the original record's; headers say why, how often and where it came from.
 *
 * Ordering and idempotence (the worker relies on this): `route` resolves only once Kafka has
 * acknowledged every record (acks = all), and the worker calls it *inside* the batch
 * transaction, before the checkpoint row is updated and the transaction commits. So a
 * checkpoint never moves past a failed record whose forward is not durable. A crash between the
 * acknowledgement and the commit re-reads the batch and forwards the record again: delivery is
 * at least once, and every consumer of these topics is idempotent (event ids on re-apply, the
 * (original coordinates, generation) key of ops.dlq_records).
 */
import type { Message, Producer } from '../kafka';
import type { FailureOutcome } from './outcome';
import type { SourceRecord } from './projection';
import { readFailureHeaders, writeFailureHeaders, type FailureInfo } from './headers';

export interface FailedRecord {
  record: SourceRecord;
  outcome: Exclude<FailureOutcome, { kind: 'transient' }>;
}

export interface RouteResult {
  retried: number;
  deadLettered: number;
}

export interface Router {
  route(failed: readonly FailedRecord[]): Promise<RouteResult>;
}

export interface RouterOptions {
  producer: Producer;
  projection: string;
  /** retry.1 … retry.n */
  retryTopics: readonly string[];
  dlqTopic: string;
  /** One delay per retry topic. */
  delaysMs: readonly number[];
  clock?: () => number;
}

/** Where a record failing with `outcome` goes next, and with which headers. Pure. */
export function nextStage(
  failed: FailedRecord,
  options: Pick<RouterOptions, 'projection' | 'retryTopics' | 'dlqTopic' | 'delaysMs'>,
  now: number,
): { topic: string; info: FailureInfo; stage: 'retry' | 'dlq' } {
  const { record, outcome } = failed;
  const self = { topic: record.topic, partition: record.partition, offset: record.offset };
  const from = options.retryTopics.indexOf(record.topic);
  const prior =
    from >= 0
      ? readFailureHeaders(record.headers, self)
      : { attempt: 0, original: self, generation: 0, projectId: null as string | null };
  const next = from + 1;
  let toDlq: boolean;
  switch (outcome.kind) {
    case 'dlq':
      toDlq = true;
      break;
    case 'retry':
      // From the last retry topic there is nowhere further to retry.
      toDlq = next >= options.retryTopics.length;
      break;
    default: {
      const _never: never = outcome;
      throw new Error(`a ${JSON.stringify(_never)} outcome is not forwarded`);
    }
  }
  const info: FailureInfo = {
    projection: options.projection,
    errorCode: outcome.failure.code,
    errorMessage: outcome.failure.message,
    attempt: prior.attempt + 1,
    original: prior.original,
    failedAt: now,
    dueAt: toDlq ? now : now + (options.delaysMs[next] ?? 0),
    projectId: outcome.failure.projectId ?? prior.projectId ?? null,
    generation: prior.generation,
  };
  return toDlq
    ? { topic: options.dlqTopic, info, stage: 'dlq' }
    : { topic: options.retryTopics[next]!, info, stage: 'retry' };
}

export function createRouter(options: RouterOptions): Router {
  const clock = options.clock ?? Date.now;
  return {
    async route(failed) {
      if (failed.length === 0) return { retried: 0, deadLettered: 0 };
      const now = clock();
      const byTopic = new Map<string, Message[]>();
      let retried = 0;
      let deadLettered = 0;
      for (const item of failed) {
        const { topic, info, stage } = nextStage(item, options, now);
        if (stage === 'dlq') deadLettered++;
        else retried++;
        const messages = byTopic.get(topic) ?? [];
        messages.push({
          key: item.record.key,
          value: item.record.value,
          headers: writeFailureHeaders(info, item.record.headers),
        });
        byTopic.set(topic, messages);
      }
      await options.producer.sendBatch({
        acks: -1,
        timeout: 10_000,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      return { retried, deadLettered };
    },
  };
}
