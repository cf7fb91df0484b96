import { describe, expect, test } from 'vitest';
import { COPY_COLUMNS, copyLine, sampleEvent } from './ceilings';

describe('copyLine', () => {
  test("one value per COPY column, tab-separated, ending the line; nulls as COPY's \\N", () => {
    const now = Date.UTC(2026, 11, 4, 12);
    // i = 1: no user (only every third event has one); referrer is always null.
    const event = sampleEvent('9f1c2a1e-0000-4000-8000-000000000001', 1, now);
    const line = copyLine(event);
    expect(line.endsWith('\n')).toBe(true);
    const cells = line.slice(0, -1).split('\t');
    expect(cells).toHaveLength(COPY_COLUMNS.length);
    const cell = (column: (typeof COPY_COLUMNS)[number]) => cells[COPY_COLUMNS.indexOf(column)];
    expect(cell('project_id')).toBe(event.project_id);
    expect(cell('event_id')).toBe(event.event_id);
    expect(cell('user_id')).toBe('\\N');
    expect(cell('referrer')).toBe('\\N');
    expect(cell('ts')).toBe(new Date(now - 1).toISOString());
    expect(cell('received_at')).toBe(new Date(now).toISOString());
    expect(JSON.parse(cell('metadata')!)).toEqual({ plan: 'pro', position: 1 });
    expect(JSON.parse(cell('context')!)).toEqual({ language: 'en-GB', screen: '1280x720' });
  });

  test('a user id, when the event has one, is its own value', () => {
    expect(copyLine(sampleEvent('p', 3)).split('\t')[COPY_COLUMNS.indexOf('user_id')]).toBe('u-3');
  });
});
