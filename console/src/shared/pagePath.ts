/**
 * The page a URL is, by the projections' rule for top pages (projections/src/analytics/aggregate.ts):
 * its path, without scheme, host or query string, plus its hash route when the fragment is one
 * (`#/…` or `#!/…`, up to the fragment's own `?`); any other fragment is an in-page anchor.
 * `https://a.dev/docs?x=1#top` → `/docs`, `https://a.dev` → `/`, `/pricing?plan=pro` → `/pricing`,
 * `https://a.dev/app/#/settings?tab=2` → `/app/#/settings`. The explorer's page filter matches
 * events with it, so a top page's row opens exactly the page views counted under it.
 */
export function pagePath(url: string): string {
  const hash = url.indexOf('#');
  const fragment = hash >= 0 ? url.slice(hash) : '';
  const route = /^#!?\//.test(fragment) ? fragment.split('?')[0]! : '';
  const beforeHash = hash >= 0 ? url.slice(0, hash) : url;
  const query = beforeHash.indexOf('?');
  const bare = query >= 0 ? beforeHash.slice(0, query) : beforeHash;
  const absolute = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*(.*)$/.exec(bare);
  const path = absolute ? absolute[1]! : bare;
  return (path === '' ? '/' : path) + route;
}
