import { describe, expect, test } from 'vitest';
import { pagePath } from './pagePath';

describe('pagePath (the projections’ top-page rule)', () => {
  test.each([
    ['https://a.dev/docs?x=1#top', '/docs'],
    ['https://a.dev', '/'],
    ['/pricing?plan=pro', '/pricing'],
    ['https://a.dev/app/#/settings?tab=2', '/app/#/settings'],
    ['https://a.dev/#!/billing', '/#!/billing'],
    ['https://a.dev/demo/', '/demo/'],
  ])('%s → %s', (url, path) => expect(pagePath(url)).toBe(path));
});
