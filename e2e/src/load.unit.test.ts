import { describe, expect, it } from 'vitest';
import { answersLine, type SentRequest } from './load';

const request = (sentAt: number, status: number, extra: Partial<SentRequest> = {}): SentRequest => ({
  sentAt,
  answeredAt: sentAt + 5,
  status,
  timedOut: false,
  eventIds: [],
  ...extra,
});

describe('answersLine', () => {
  it('counts the statuses, and the requests without an answer by cause, most first, with when they were sent', () => {
    const line = answersLine({
      peakInFlight: 7,
      requests: [
        request(100, 202),
        request(10_200, 0, { error: 'ECONNRESET' }),
        request(12_960, 0, { timedOut: true, error: 'The operation was aborted due to timeout' }),
        request(10_900, 0, { error: 'ECONNRESET' }),
        request(11_000, 503),
      ],
    });
    expect(line).toBe(
      'statuses {"0":3,"202":1,"503":1}; no answer: ECONNRESET ×2 sent 10.2–10.9 s, timeout ×1 sent 13.0 s; peak in flight 7',
    );
  });

  it('says nothing of causes when every request was answered', () => {
    expect(answersLine({ peakInFlight: 1, requests: [request(0, 202), request(20, 503)] })).toBe(
      'statuses {"202":1,"503":1}; peak in flight 1',
    );
  });
});
