import { describe, expect, test } from 'vitest';
import { plural } from './plural';

describe('plural', () => {
  test('one, other, zero, grouping and irregular plurals', () => {
    expect(plural(1, 'event')).toBe('1 event');
    expect(plural(0, 'event')).toBe('0 events');
    expect(plural(2, 'page view')).toBe('2 page views');
    expect(plural(1234, 'session')).toBe('1,234 sessions');
    expect(plural(1, 'entry', 'entries')).toBe('1 entry');
    expect(plural(5, 'entry', 'entries')).toBe('5 entries');
  });
});
