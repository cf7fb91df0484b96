/** COPY's text format: nulls, booleans, numbers, and the characters that must be escaped. */
import { describe, expect, test } from 'vitest';
import { copyCell, copyLine } from './copy';

describe('copyCell', () => {
  test('null is \\N, booleans t and f, numbers as written', () => {
    expect(copyCell(null)).toBe('\\N');
    expect(copyCell(true)).toBe('t');
    expect(copyCell(false)).toBe('f');
    expect(copyCell(1920)).toBe('1920');
  });

  test('backslash, tab, newline and carriage return are escaped; other text is kept', () => {
    expect(copyCell('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyCell('{"plan":"pro"}')).toBe('{"plan":"pro"}');
    expect(copyCell('\\N')).toBe('\\\\N');
    expect(copyCell('x\ty')).toBe('x\\ty');
  });
});

describe('copyLine', () => {
  test('joins the cells with tabs and ends with a newline', () => {
    expect(copyLine(['a', null, 3, false, 'b\tc'])).toBe('a\t\\N\t3\tf\tb\\tc\n');
  });
});
