import { describe, expect, it } from 'vitest';
import { PROJECTIONS, RETRY_DELAYS_MS, TOPICS, dlqTopic, retryTopic, topicSpecs } from './index';

describe('topics', () => {
  it('names retry topics 1..n and refuses attempts outside that range', () => {
    expect(retryTopic('analytics', 1)).toBe('eventlens.analytics.retry.1');
    expect(retryTopic('analytics', RETRY_DELAYS_MS.length)).toBe(
      `eventlens.analytics.retry.${RETRY_DELAYS_MS.length}`,
    );
    expect(() => retryTopic('analytics', 0)).toThrow(RangeError);
    expect(() => retryTopic('analytics', RETRY_DELAYS_MS.length + 1)).toThrow(RangeError);
    expect(dlqTopic('admin')).toBe('eventlens.admin.dlq');
  });

  it('keeps the log forever by default, admin history on one partition, retry delays growing', () => {
    const specs = topicSpecs({ projections: PROJECTIONS, eventPartitions: 6 });
    const byName = new Map(specs.map((s) => [s.topic, s]));
    expect(byName.get(TOPICS.events)).toMatchObject({
      numPartitions: 6,
      configEntries: { 'retention.ms': '-1' },
    });
    expect(byName.get(TOPICS.admin)).toMatchObject({
      numPartitions: 1,
      configEntries: { 'retention.ms': '-1' },
    });
    for (const projection of PROJECTIONS) {
      expect(byName.has(dlqTopic(projection))).toBe(true);
      for (let attempt = 1; attempt <= RETRY_DELAYS_MS.length; attempt++) {
        expect(byName.has(retryTopic(projection, attempt))).toBe(true);
      }
    }
    expect([...RETRY_DELAYS_MS]).toEqual([...RETRY_DELAYS_MS].sort((a, b) => a - b));
    expect(specs).toHaveLength(2 + PROJECTIONS.length * (RETRY_DELAYS_MS.length + 1));
  });

  it('bounds the events log when a retention is given', () => {
    const [events] = topicSpecs({ projections: [], eventPartitions: 1, eventsRetentionMs: 1000 });
    expect(events?.configEntries['retention.ms']).toBe('1000');
  });
});
