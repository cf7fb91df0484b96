import { describe, expect, it } from 'vitest';
import { HEADER, readFailureHeaders, writeFailureHeaders } from './headers';
import type { SourceRecord } from './projection';
import { nextStage, type FailedRecord } from './router';

const options = {
  projection: 'analytics',
  retryTopics: ['r.1', 'r.2', 'r.3'],
  dlqTopic: 'dlq',
  delaysMs: [1000, 10_000, 60_000],
};
const NOW = 1_000_000;

function failed(record: Partial<SourceRecord>, kind: 'retry' | 'dlq' = 'retry'): FailedRecord {
  return {
    record: {
      topic: 'events',
      partition: 2,
      offset: 41,
      key: null,
      value: null,
      headers: {},
      timestamp: 0,
      ...record,
    },
    outcome: { kind, failure: { code: 'INVALID_EVENT', message: 'bad', projectId: null } },
  };
}

describe('nextStage: the way of a failed record', () => {
  it('from the source to retry.1, due after the first delay, remembering where it came from', () => {
    const next = nextStage(failed({}), options, NOW);
    expect(next.topic).toBe('r.1');
    expect(next.info).toMatchObject({
      attempt: 1,
      original: { topic: 'events', partition: 2, offset: 41 },
      dueAt: NOW + 1000,
      errorCode: 'INVALID_EVENT',
    });
  });

  it('from retry.n to retry.n+1, then to the DLQ, keeping the original coordinates', () => {
    let headers = writeFailureHeaders(nextStage(failed({}), options, NOW).info);
    const topics: string[] = [];
    let topic = 'r.1';
    for (let hop = 0; hop < 3; hop++) {
      const next = nextStage(failed({ topic, partition: 0, offset: 7, headers }), options, NOW);
      topics.push(next.topic);
      headers = writeFailureHeaders(next.info);
      topic = next.topic;
    }
    expect(topics).toEqual(['r.2', 'r.3', 'dlq']);
    expect(readFailureHeaders(headers, { topic: 'dlq', partition: 0, offset: 0 })).toMatchObject({
      attempt: 4,
      original: { topic: 'events', partition: 2, offset: 41 },
    });
  });

  it('a dlq outcome skips the retries', () => {
    expect(nextStage(failed({}, 'dlq'), options, NOW).topic).toBe('dlq');
  });

  it('keeps foreign headers and overwrites ours', () => {
    const headers = writeFailureHeaders(nextStage(failed({}), options, NOW).info, {
      traceparent: '00-abc',
      [HEADER.attempt]: '99',
    });
    expect(headers.traceparent).toBe('00-abc');
    expect(headers[HEADER.attempt]).toBe('1');
  });

  it('falls back to the record itself when headers are missing (a record produced by hand)', () => {
    const next = nextStage(failed({ topic: 'r.2', offset: 3 }), options, NOW);
    expect(next.topic).toBe('r.3');
    expect(next.info.original).toEqual({ topic: 'r.2', partition: 2, offset: 3 });
  });
});
