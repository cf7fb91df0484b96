import { describe, expect, it } from 'vitest';
import { pagePath } from './pages';
import { PAGE_CASES } from './pages.fixtures';

describe('pagePath', () => {
  it.each(PAGE_CASES)('%s → %s', (url, path) => {
    expect(pagePath(url)).toBe(path);
  });
});
