import { describe, expect, test } from 'vitest';
import { createLoginThrottle } from './throttle';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const options = (now: () => number) => ({
  maxPerAddress: 10,
  maxPerAccountAddress: 3,
  freeFailures: 2,
  baseDelayMs: 100,
  maxDelayMs: 1000,
  windowMs: 60_000,
  now,
});

describe('login throttle', () => {
  test('failures against one account from one address refuse that pair until the window ends', () => {
    const c = clock();
    const throttle = createLoginThrottle(options(c.now));
    for (let i = 0; i < 3; i++) {
      expect(throttle.check('a@x', 'B').kind).toBe('proceed');
      throttle.recordFailure('a@x', 'B');
    }
    expect(throttle.check('a@x', 'B')).toEqual({
      kind: 'refuse',
      retryAfterS: 60,
      reason: 'account-address',
    });
    c.advance(30_000);
    expect(throttle.check('a@x', 'B')).toMatchObject({ kind: 'refuse', retryAfterS: 30 });
    c.advance(30_000);
    expect(throttle.check('a@x', 'B')).toEqual({ kind: 'proceed', delayMs: 0 });
  });

  test("a stranger's failures from address B never refuse the account from address A", () => {
    const c = clock();
    const throttle = createLoginThrottle(options(c.now));
    for (let i = 0; i < 50; i++) {
      if (throttle.check('admin@x', 'B').kind === 'proceed') throttle.recordFailure('admin@x', 'B');
    }
    expect(throttle.check('admin@x', 'B').kind).toBe('refuse');
    const fromA = throttle.check('admin@x', 'A');
    expect(fromA.kind).toBe('proceed');
    // Only the attempts actually checked count: 3 failures, the second past the free ones.
    expect(fromA).toEqual({ kind: 'proceed', delayMs: 200 });
  });

  test('failures from many addresses grow a bounded delay on the account, never a refusal', () => {
    const c = clock();
    const throttle = createLoginThrottle(options(c.now));
    const delays: number[] = [];
    for (let i = 0; i < 12; i++) {
      const decision = throttle.check('admin@x', `10.0.0.${i}`);
      expect(decision.kind).toBe('proceed');
      delays.push(decision.kind === 'proceed' ? decision.delayMs : -1);
      throttle.recordFailure('admin@x', `10.0.0.${i}`);
    }
    expect(delays).toEqual([0, 0, 100, 200, 400, 800, 1000, 1000, 1000, 1000, 1000, 1000]);
    expect(throttle.check('admin@x', '192.0.2.1')).toEqual({ kind: 'proceed', delayMs: 1000 });
    expect(throttle.check('other@x', '192.0.2.1')).toEqual({ kind: 'proceed', delayMs: 0 });
    c.advance(60_000);
    expect(throttle.check('admin@x', '192.0.2.1')).toEqual({ kind: 'proceed', delayMs: 0 });
  });

  test('an address is refused after failures across accounts (a spray), other addresses are not', () => {
    const c = clock();
    const throttle = createLoginThrottle(options(c.now));
    for (let i = 0; i < 10; i++) throttle.recordFailure(`user${i}@x`, '9.9.9.9');
    expect(throttle.check('new@x', '9.9.9.9')).toEqual({
      kind: 'refuse',
      retryAfterS: 60,
      reason: 'address',
    });
    expect(throttle.check('new@x', '8.8.8.8')).toEqual({ kind: 'proceed', delayMs: 0 });
  });

  test("a success clears the account's delay and its pair, not the address's spray count", () => {
    const c = clock();
    const throttle = createLoginThrottle(options(c.now));
    for (let i = 0; i < 3; i++) throttle.recordFailure('a@x', 'A');
    expect(throttle.check('a@x', 'A').kind).toBe('refuse');
    throttle.recordSuccess('a@x', 'A');
    expect(throttle.check('a@x', 'A')).toEqual({ kind: 'proceed', delayMs: 0 });
    for (let i = 0; i < 7; i++) throttle.recordFailure(`u${i}@x`, 'A');
    expect(throttle.check('b@x', 'A')).toMatchObject({ kind: 'refuse', reason: 'address' });
  });

  test('memory stays bounded under a spray of accounts', () => {
    const throttle = createLoginThrottle({ maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) throttle.recordFailure(`spray${i}@x`, `10.0.${i % 250}.1`);
    expect(throttle.check('spray9999@x', '10.0.0.1').kind).toBe('proceed');
  });
});
