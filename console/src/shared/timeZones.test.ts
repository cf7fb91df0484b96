/** The zones offered by current IANA names, whatever old names the runtime's ICU keeps. */
import { describe, expect, test } from 'vitest';
import { formatStatsBucket } from './time';
import { RENAMED_ZONES, currentZoneName, currentZoneNames, isKnownZone, zoneOfList } from './timeZones';

describe('time zone names', () => {
  test('ICU’s old names become the current ones; others are unchanged', () => {
    expect(currentZoneName('Asia/Calcutta')).toBe('Asia/Kolkata');
    expect(currentZoneName('Europe/Kiev')).toBe('Europe/Kyiv');
    expect(currentZoneName('Europe/Amsterdam')).toBe('Europe/Amsterdam');
    expect(currentZoneName('UTC')).toBe('UTC');
  });

  test('the list has no retired name, has their current ones, UTC first, each once', () => {
    const zones = currentZoneNames();
    expect(zones[0]).toBe('UTC');
    for (const old of Object.keys(RENAMED_ZONES)) expect(zones).not.toContain(old);
    expect(zones).toEqual(expect.arrayContaining(['Asia/Kolkata', 'Europe/Kyiv', 'America/New_York']));
    expect(new Set(zones).size).toBe(zones.length);
    // Not 420 entries of which some twice under two names: one per zone the runtime knows.
    expect(zones.length).toBeGreaterThan(300);
  });

  test('every current name in the table is one the runtime can format in', () => {
    for (const current of Object.values(RENAMED_ZONES)) expect(isKnownZone(current)).toBe(true);
  });

  test('a zone the runtime lacks is added only when it knows it', () => {
    expect(currentZoneNames(['Asia/Calcutta'])).not.toContain('Asia/Calcutta');
    expect(currentZoneNames(['Mars/Olympus'])).not.toContain('Mars/Olympus');
  });
});

describe('Stats API bucket labels', () => {
  test('shown as the engine sent them: the wall-clock start in the query’s zone', () => {
    expect(formatStatsBucket('2025-03-01 07:00:00', 'hour')).toBe('03-01 07:00');
    expect(formatStatsBucket('2025-11-29', 'day')).toBe('2025-11-29');
    expect(formatStatsBucket('2025-11-24', 'week')).toBe('2025-11-24');
    expect(formatStatsBucket('2025-11-01', 'month')).toBe('2025-11');
  });
});

describe('zoneOfList', () => {
  const zones = ['UTC', 'Asia/Kolkata', 'Europe/Berlin', 'Europe/Kyiv'];
  test('finds a zone by its current name in any case, or by the old name it was renamed from', () => {
    expect(zoneOfList('europe/berlin ', zones)).toBe('Europe/Berlin');
    // The API takes the old name as an alias; the picker said it was no time zone.
    expect(zoneOfList('Asia/Calcutta', zones)).toBe('Asia/Kolkata');
    expect(zoneOfList('europe/kiev', zones)).toBe('Europe/Kyiv');
    expect(zoneOfList('Mars/Olympus', zones)).toBeUndefined();
  });
});
