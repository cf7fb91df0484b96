/** URLs and their pages (pages.ts, `pagePath`): the rule's cases, shared by its unit test and migration 009's. */
export const PAGE_CASES: [url: string, page: string][] = [
  ['https://shop.example/docs/start?utm=1#install', '/docs/start'],
  ['https://shop.example', '/'],
  ['https://shop.example?x=1', '/'],
  ['https://shop.example/#top', '/'],
  ['http://localhost:5173/app/settings', '/app/settings'],
  ['/pricing?plan=pro', '/pricing'],
  ['/blog#comments', '/blog'],
  ['', '/'],
  // Hash routes (the SDK sends a fragment only with hash routing on): part of the page.
  ['https://shop.example/app/#/settings', '/app/#/settings'],
  ['https://shop.example/app/#/billing?tab=2', '/app/#/billing'],
  ['https://shop.example/app?x=1#/settings', '/app#/settings'],
  ['https://shop.example#!/team', '/#!/team'],
  ['https://shop.example/docs#install', '/docs'],
  ['https://shop.example/docs#', '/docs'],
  ['/a?next=/b#c', '/a'],
];
