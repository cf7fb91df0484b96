/**
 * The time zones the console offers, by their current IANA names.
 *
 * Browsers name zones by ICU, which keeps CLDR's identifiers: for the zones IANA renamed, CLDR kept
 * the old name as canonical, so `Intl.supportedValuesOf('timeZone')` and `resolvedOptions()`
 * answer `Asia/Calcutta` where tzdata's name is `Asia/Kolkata`. The table below is that difference:
 * the zones tzdata renamed (its `backward` file, "Link TARGET old-name"; tzdata 2025b) whose old
 * name ICU still uses. Only renames: zones tzdata merged into another (Europe/Amsterdam into
 * Europe/Brussels) keep their own name, which is still what people look for. PostgreSQL, which
 * buckets the Stats API's queries, knows both names.
 */

/** ICU's (CLDR's) identifier → the current IANA name. */
export const RENAMED_ZONES: Readonly<Record<string, string>> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

/** The current IANA name of a zone (`Asia/Calcutta` → `Asia/Kolkata`); other names unchanged. */
export function currentZoneName(zone: string): string {
  return RENAMED_ZONES[zone] ?? zone;
}

const renamedByLower = new Map(Object.entries(RENAMED_ZONES).map(([old, now]) => [old.toLowerCase(), now]));

/**
 * The zone of `zones` (current names) that `value` names, in any case, by its current name or by the
 * old one a user may know it by (`asia/calcutta` → `Asia/Kolkata`); undefined when none.
 */
export function zoneOfList(value: string, zones: readonly string[]): string | undefined {
  const wanted = value.trim().toLowerCase();
  const current = (renamedByLower.get(wanted) ?? wanted).toLowerCase();
  return zones.find((z) => z.toLowerCase() === current);
}

/** Whether the runtime can format in `zone` (any name it knows, old or current). */
export function isKnownZone(zone: string): boolean {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Every zone to offer, by current name, sorted, `UTC` first: the runtime's list with ICU's old
 * names replaced, and `extra` (the browser's zone) when the list lacks it.
 */
export function currentZoneNames(extra: string[] = []): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const all = (intl.supportedValuesOf?.('timeZone') ?? []).map(currentZoneName);
  const rest = [...new Set([...all, ...extra.map(currentZoneName)])]
    .filter((z) => z !== 'UTC' && isKnownZone(z))
    .sort();
  return ['UTC', ...rest];
}
