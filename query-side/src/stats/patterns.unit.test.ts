import { describe, expect, test } from 'vitest';
import { regexPatterns } from './patterns';

describe('regexPatterns', () => {
  test('every matches and matches_not value, at its path, through and/or, not and has_done', () => {
    expect(
      regexPatterns([
        ['matches', 'event:page', ['^/a', '(b']],
        ['is', 'event:name', ['(not a pattern']],
        [
          'or',
          [
            ['contains', 'event:page', ['x']],
            ['not', ['matches_not', 'visit:source', ['[g']]],
          ],
        ],
        ['has_not_done', ['matches', 'event:page', ['^/c'], { case_sensitive: false }]],
        ['matches_wildcard', 'event:page', ['/blog/**']],
      ]),
    ).toEqual([
      { path: 'filters.0.2.0', pattern: '^/a' },
      { path: 'filters.0.2.1', pattern: '(b' },
      { path: 'filters.2.1.1.1.2.0', pattern: '[g' },
      { path: 'filters.3.1.2.0', pattern: '^/c' },
    ]);
  });

  test('shapes the parser refuses give nothing rather than an error', () => {
    expect(regexPatterns(undefined)).toEqual([]);
    expect(
      regexPatterns([null, 'matches', ['matches'], ['matches', 'event:page', 'x'], ['and', 'x']]),
    ).toEqual([]);
    expect(regexPatterns([['matches', 'event:page', [1, 'ok']]])).toEqual([
      { path: 'filters.0.2.1', pattern: 'ok' },
    ]);
  });
});
