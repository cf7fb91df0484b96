import { describe, expect, it } from 'vitest';
import { matchesPagePattern, pagePatternRegex } from './goals';

describe('page goal patterns', () => {
  it.each([
    ['/pricing', '/pricing', true],
    ['/pricing', '/pricing/', false],
    ['/pricing', '/pricing-plans', false],
    ['/blog/*', '/blog/post-1', true],
    ['/blog/*', '/blog/2024/post-1', false],
    ['/blog/*', '/blog/', true],
    ['/blog/**', '/blog/2024/post-1', true],
    ['/blog/**', '/blog', false],
    ['/products/*/details', '/products/42/details', true],
    ['/products/*/details', '/products/42/x/details', false],
    ['/docs/**/intro', '/docs/a/b/intro', true],
    ['/a.b', '/a.b', true],
    ['/a.b', '/aXb', false],
    ['/(x)+[y]$', '/(x)+[y]$', true],
    ['/app#/settings', '/app#/settings', true],
    ['/**', '/any/path\nwith a newline', true],
  ])('%s matches %s: %s', (pattern, path, expected) =>
    expect(matchesPagePattern(pattern, path)).toBe(expected),
  );

  it('is anchored, `**` any characters and `*` any but /, the rest escaped', () => {
    expect(pagePatternRegex('/blog/**')).toBe('^/blog/.*$');
    expect(pagePatternRegex('/p/*/d')).toBe('^/p/[^/]*/d$');
    expect(pagePatternRegex('/a.b?')).toBe('^/a\\.b\\?$');
  });
});
