/**
 * Goals (ProjectSettingsChanged v2, `goals`): the one rule of a page goal's path pattern, shared by
 * the command side (which validates goals), the query side (which matches page views against them
 * in SQL, and funnels' `page_pattern` steps) and tests.
 *
 * The pattern is Plausible's page goal wildcard syntax (plausible.io/docs/pageview-goals): `*` is
 * any run of characters but `/`, `**` any run of characters, everything else literal, and the
 * pattern matches the whole path (as the Stats API's `event:page` has it: no query string).
 */

/**
 * `pattern` as an anchored regular expression that PostgreSQL (its advanced regular expressions,
 * `~`) and JavaScript read alike: `**` → `.*`, `*` → `[^/]*`, every other character literal
 * (escaped with a backslash when it is special in either syntax). In JavaScript, give it the `s`
 * flag so `.` matches every character, as it does in PostgreSQL (`matchesPagePattern` does).
 */
export function pagePatternRegex(pattern: string): string {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `^${pattern
    .split('**')
    .map((part) => part.split('*').map(literal).join('[^/]*'))
    .join('.*')}$`;
}

/** Whether `path` (an `event:page` value) matches the page goal pattern `pattern`. */
export function matchesPagePattern(pattern: string, path: string): boolean {
  return new RegExp(pagePatternRegex(pattern), 's').test(path);
}
