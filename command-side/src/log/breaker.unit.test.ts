import { describe, expect, it, vi } from 'vitest';
import { LogError, type Appender, type LogRecord } from './appender';
import { createBreaker, type BreakerState } from './breaker';

const records: LogRecord[] = [{ topic: 't', key: 'k', value: Buffer.from('v') }];

/** A fake log that fails while `down` is set, and counts the appends that reached it. */
function switchableLog(error: () => Error = () => new LogError('LOG_UNAVAILABLE', 'down')) {
  const state = { down: true, reached: 0 };
  const log: Appender = {
    append: async () => {
      state.reached++;
      if (state.down) throw error();
    },
  };
  return { log, state };
}

const settings = { resetTimeoutMs: 200, errorThresholdPercentage: 50, volumeThreshold: 3 };

describe('circuit breaker around the log', () => {
  it('opens after repeated failures and then refuses at once with a Retry-After, without touching the log', async () => {
    const { log, state } = switchableLog();
    const changes: BreakerState[] = [];
    const breaker = createBreaker(log, { ...settings, onStateChange: (s) => changes.push(s) });
    for (let i = 0; i < 3; i++) await expect(breaker.append(records)).rejects.toBeInstanceOf(LogError);
    expect(breaker.state()).toBe('open');

    // "At once" is the log not being reached (state.reached stays 3), not a stopwatch.
    const refusal = await breaker.append(records).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ code: 'LOG_UNAVAILABLE', retryAfterS: 1 });
    expect(state.reached).toBe(3);
    expect(changes).toEqual(['open']);
    breaker.shutdown();
  });

  it('lets one trial through after the reset timeout, and closes when it succeeds', async () => {
    const { log, state } = switchableLog();
    const breaker = createBreaker(log, settings);
    for (let i = 0; i < 3; i++) await breaker.append(records).catch(() => undefined);
    expect(breaker.state()).toBe('open');
    await vi.waitFor(() => expect(breaker.state()).toBe('half-open'), { timeout: 5_000, interval: 20 });
    state.down = false;
    await breaker.append(records);
    expect(breaker.state()).toBe('closed');
    breaker.shutdown();
  });

  it('does not open for refusals that say nothing about the log being down', async () => {
    const { log } = switchableLog(() => new LogError('APPEND_REJECTED', 'too large'));
    const breaker = createBreaker(log, settings);
    for (let i = 0; i < 10; i++) {
      await expect(breaker.append(records)).rejects.toMatchObject({ code: 'APPEND_REJECTED' });
    }
    expect(breaker.state()).toBe('closed');
    breaker.shutdown();
  });
});
