/**
 * A country's English name for a visit's ISO 3166-1 alpha-2 code, as the browser's `Intl` gives it
 * (Unicode CLDR: `DE` → "Germany"), the names the Stats API's `visit:country_name` gives too
 * (read-model/src/countries.ts). Display only: filters, links and the URL keep the code, which is
 * what the read model holds.
 */
const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/** "Germany" for `DE`; anything that is not a named two-letter code (`(none)`, `XX`) unchanged. */
export function countryName(code: string): string {
  if (!/^[A-Z]{2}$/.test(code)) return code;
  return names.of(code) ?? code;
}
