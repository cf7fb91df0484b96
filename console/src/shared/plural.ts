/**
 * Counts with their noun, in English: "1 event", "2 events", "1,024 sessions". The one helper for
 * every "N things" the console writes, so no screen says "1 events".
 */
const rules = new Intl.PluralRules('en');
const number = new Intl.NumberFormat('en');

/** `plural(1, 'event')` → "1 event"; `plural(3, 'entry', 'entries')` → "3 entries". */
export function plural(count: number, one: string, other = `${one}s`): string {
  return `${number.format(count)} ${rules.select(count) === 'one' ? one : other}`;
}
