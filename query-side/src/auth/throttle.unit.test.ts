import { expect, test } from 'vitest';
import { createLoginThrottle } from './throttle';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test('an email is locked after its failures until the window ends', () => {
  const c = clock();
  const throttle = createLoginThrottle({ maxPerEmail: 3, maxPerAddress: 100, windowMs: 60_000, now: c.now });
  for (let i = 0; i < 3; i++) {
    expect(throttle.blockedFor('a@x', '1.1.1.1')).toBeUndefined();
    throttle.recordFailure('a@x', '1.1.1.1');
  }
  expect(throttle.blockedFor('a@x', '2.2.2.2')).toBe(60);
  expect(throttle.blockedFor('b@x', '1.1.1.1')).toBeUndefined();
  c.advance(30_000);
  expect(throttle.blockedFor('a@x', '1.1.1.1')).toBe(30);
  c.advance(30_000);
  expect(throttle.blockedFor('a@x', '1.1.1.1')).toBeUndefined();
});

test('an address is locked after failures across emails', () => {
  const c = clock();
  const throttle = createLoginThrottle({ maxPerEmail: 100, maxPerAddress: 4, windowMs: 60_000, now: c.now });
  for (let i = 0; i < 4; i++) throttle.recordFailure(`user${i}@x`, '9.9.9.9');
  expect(throttle.blockedFor('new@x', '9.9.9.9')).toBe(60);
  expect(throttle.blockedFor('new@x', '8.8.8.8')).toBeUndefined();
});

test('a success clears the email’s failures', () => {
  const throttle = createLoginThrottle({ maxPerEmail: 2 });
  throttle.recordFailure('a@x', '1.1.1.1');
  throttle.recordSuccess('a@x');
  throttle.recordFailure('a@x', '1.1.1.1');
  expect(throttle.blockedFor('a@x', '1.1.1.1')).toBeUndefined();
});

test('memory stays bounded under a spray of emails', () => {
  const throttle = createLoginThrottle({ maxEntries: 100 });
  for (let i = 0; i < 10_000; i++) throttle.recordFailure(`spray${i}@x`, `10.0.${i % 250}.1`);
  // Nothing to assert on the map directly; blockedFor keeps answering and the process did not grow unbounded.
  expect(throttle.blockedFor('spray9999@x', '10.0.0.1')).toBeUndefined();
});
