/** Pages as the reports name them: a URL's path (`events.page`, page_views_hour's `path`, a visit's entry and exit path). */

/**
 * The page a URL is: its path, without scheme, host or query string, plus its hash route when the
 * fragment is one (`#/…` or `#!/…`, up to the fragment's own `?`); any other fragment is an in-page
 * anchor and is left out. The SDK sends a fragment only with hash routing on (sdk/README.md, "Hash
 * routes"), so this is where that rule lives on the server:
 * `https://a.dev/docs?x=1#top` → `/docs`, `https://a.dev` → `/`, `/pricing?plan=pro` → `/pricing`,
 * `https://a.dev/app/#/settings?tab=2` → `/app/#/settings`, `https://a.dev/#!/billing` → `/#!/billing`.
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
