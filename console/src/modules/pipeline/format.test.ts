/** The Pipeline screen's figures: latencies from ms to hours, rates, windows. */
import { describe, expect, test } from 'vitest';
import { formatLatency, formatRate, formatWindow } from './format';

describe('pipeline figures', () => {
  test('latency', () => {
    expect(formatLatency(null)).toBe('—');
    expect(formatLatency(0.98)).toBe('1 ms');
    expect(formatLatency(849.6)).toBe('850 ms');
    expect(formatLatency(2449)).toBe('2.4 s');
    expect(formatLatency(192_300)).toBe('3 min 12 s');
    expect(formatLatency(3 * 3600_000 + 5 * 60_000)).toBe('3 h 5 min');
  });

  test('rate', () => {
    expect(formatRate(0)).toBe('0/s');
    expect(formatRate(0.53333)).toBe('0.533/s');
    expect(formatRate(42.51)).toBe('42.5/s');
    expect(formatRate(12_400.4)).toBe('12,400/s');
  });

  test('window', () => {
    expect(formatWindow(15)).toBe('15 min');
    expect(formatWindow(60)).toBe('1 h');
    expect(formatWindow(1440)).toBe('24 h');
  });
});
