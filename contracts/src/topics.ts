/**
 * Topic and subject names: the only place they are spelled out.
 * Topic settings live here too so that the launcher, tests and k8s agree on them.
 */

export const TOPICS = {
  events: 'eventlens.events',
  admin: 'eventlens.admin',
} as const;

/** Retry topics per projection: delays grow so a transient cause has time to pass. */
export const RETRY_DELAYS_MS = [1_000, 10_000, 60_000] as const;

export function retryTopic(projection: string, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > RETRY_DELAYS_MS.length) {
    throw new RangeError(`retry attempt must be 1..${RETRY_DELAYS_MS.length}, got ${attempt}`);
  }
  return `eventlens.${projection}.retry.${attempt}`;
}

export function dlqTopic(projection: string): string {
  return `eventlens.${projection}.dlq`;
}

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** Kafka topic configs, as strings the broker accepts. */
  configEntries: Record<string, string>;
}

const FOREVER = '-1';
const WEEK_MS = String(7 * 24 * 3600 * 1000);

/**
 * Every topic the system needs. The events topic keeps its records forever by default:
 * the log is the system of record and every read model is rebuilt from offset 0.
 * Operators who want a bounded log set EVENTLENS_EVENTS_RETENTION_MS (and accept that rebuilds
 * then start from the oldest retained record).
 */
export function topicSpecs(options: {
  projections: readonly string[];
  eventPartitions: number;
  eventsRetentionMs?: number;
}): TopicSpec[] {
  const specs: TopicSpec[] = [
    {
      topic: TOPICS.events,
      numPartitions: options.eventPartitions,
      configEntries: {
        'retention.ms': options.eventsRetentionMs === undefined ? FOREVER : String(options.eventsRetentionMs),
        'min.insync.replicas': '1',
      },
    },
    {
      // One partition: admin history has a total order.
      topic: TOPICS.admin,
      numPartitions: 1,
      configEntries: { 'retention.ms': FOREVER, 'min.insync.replicas': '1' },
    },
  ];
  for (const projection of options.projections) {
    for (let attempt = 1; attempt <= RETRY_DELAYS_MS.length; attempt++) {
      specs.push({
        topic: retryTopic(projection, attempt),
        numPartitions: 1,
        configEntries: { 'retention.ms': WEEK_MS },
      });
    }
    // The DLQ is kept until replayed or purged by an operator.
    specs.push({ topic: dlqTopic(projection), numPartitions: 1, configEntries: { 'retention.ms': FOREVER } });
  }
  return specs;
}

/**
 * Projections that own retry and DLQ topics. `analytics` builds every read model derived from
 * tracked events in one transaction (so aggregates derive from rows actually inserted);
 * `admin` builds projects, keys and users from the admin stream.
 */
export const PROJECTIONS = ['analytics', 'admin'] as const;
export type ProjectionName = (typeof PROJECTIONS)[number];
