/**
 * Topics that are served, not only created. On KRaft a broker answers CreateTopics, and even lists
 * the new partitions' leaders in its metadata, a moment before its replica manager hosts them: a
 * produce or a ListOffsets sent in that moment gets "This server does not host this
 * topic-partition" (UNKNOWN_TOPIC_OR_PARTITION). On a loaded machine the moment outlasted a
 * producer's retries and failed a test's setup (a CI failure). `createTopicsServed` waits until the
 * leader of every partition answers ListOffsets, which is served by the same replica manager as
 * produce and fetch. It creates without kafkajs's own wait for leaders: that wait retries only
 * LEADER_NOT_AVAILABLE, so the broker's first metadata answer for a new topic,
 * UNKNOWN_TOPIC_OR_PARTITION, failed the creation at once (another CI failure).
 * No vitest here: the launcher uses it too.
 */
import type { Admin, ITopicConfig } from 'kafkajs';

/** kafkajs marks broker errors worth retrying; its retry wrappers keep the original one. */
export function isRetriableKafkaError(error: unknown): boolean {
  let current = error as { retriable?: boolean; originalError?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current.retriable === true) return true;
    if (/does not host this topic-partition|no leader/i.test(String((current as Error).message))) return true;
    current = (current.originalError ?? current.cause) as typeof current;
  }
  return false;
}

export interface ServedOptions {
  /** How long to wait for every partition to be served, in ms (default 30 s). */
  timeoutMs?: number;
  /** Pause between tries, in ms (default 200). */
  intervalMs?: number;
  /** The clock and the pause, passed in so unit tests need no timers. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Waits until the leader of every partition of `topics` answers ListOffsets.
 *
 * @throws the last error with "<topic> is not served after <timeoutMs> ms: " before its message when
 *         the topics are still not served at the deadline; a non-retriable error (an unknown topic
 *         that stays unknown is retriable; an authorisation failure is not) at once.
 */
export async function topicsServed(
  admin: Pick<Admin, 'fetchTopicOffsets'>,
  topics: string[],
  options: ServedOptions = {},
): Promise<void> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + (options.timeoutMs ?? 30_000);
  const waiting = new Set(topics);
  for (;;) {
    for (const topic of [...waiting]) {
      try {
        await admin.fetchTopicOffsets(topic);
        waiting.delete(topic);
      } catch (error) {
        if (!isRetriableKafkaError(error)) throw error;
        if (now() >= deadline) {
          const message = `${topic} is not served after ${options.timeoutMs ?? 30_000} ms: ${(error as Error).message}`;
          throw Object.assign(new Error(message), { cause: error });
        }
      }
    }
    if (waiting.size === 0) return;
    await sleep(options.intervalMs ?? 200);
  }
}

/**
 * `admin.createTopics` (without kafkajs's leader wait, see above), then `topicsServed` for the
 * topics it names.
 *
 * @returns what createTopics returns: false when every topic already existed.
 */
export async function createTopicsServed(
  admin: Pick<Admin, 'createTopics' | 'fetchTopicOffsets'>,
  topics: ITopicConfig[],
  options: ServedOptions = {},
): Promise<boolean> {
  const created = await admin.createTopics({ waitForLeaders: false, topics });
  await topicsServed(
    admin,
    topics.map((t) => t.topic),
    options,
  );
  return created;
}
