/** The dashboard's filters: the URL round trip, one filter per dimension, the Stats API's form. */
import { describe, expect, test } from 'vitest';
import {
  filterLabel,
  filtersFromQuery,
  filtersToQuery,
  statsFilters,
  withFilter,
  withoutFilter,
} from './filters';

describe('dashboard filters', () => {
  test('round-trip through the URL, values with = and spaces kept whole', () => {
    const filters = [
      { dimension: 'event:page', value: '/search?q=a=b' },
      { dimension: 'visit:source', value: 'Direct / None' },
    ];
    const query = filtersToQuery(filters);
    expect(query).toEqual(['event:page=/search?q=a=b', 'visit:source=Direct / None']);
    expect(filtersFromQuery({ filter: query! })).toEqual(filters);
    expect(filtersFromQuery({ filter: 'visit:country=DE' })).toEqual([
      { dimension: 'visit:country', value: 'DE' },
    ]);
    expect(filtersToQuery([])).toBeUndefined();
  });

  test('unknown dimensions, malformed entries and duplicates are left out', () => {
    expect(
      filtersFromQuery({
        filter: ['nope', '=x', 'visit:hacker=1', 'time:day=2025-01-01', 'visit:os=Linux', 'visit:os=Linux'],
      }),
    ).toEqual([{ dimension: 'visit:os', value: 'Linux' }]);
    expect(filtersFromQuery({})).toEqual([]);
  });

  test('a new filter replaces its dimension’s; removing takes one out; the API form is `is`', () => {
    const one = withFilter([], { dimension: 'visit:source', value: 'Google' });
    const two = withFilter(one, { dimension: 'visit:country', value: 'DE' });
    const replaced = withFilter(two, { dimension: 'visit:source', value: 'Bing' });
    expect(replaced).toEqual([
      { dimension: 'visit:country', value: 'DE' },
      { dimension: 'visit:source', value: 'Bing' },
    ]);
    expect(withoutFilter(replaced, { dimension: 'visit:country', value: 'DE' })).toEqual([
      { dimension: 'visit:source', value: 'Bing' },
    ]);
    expect(statsFilters(replaced)).toEqual([
      ['is', 'visit:country', ['DE']],
      ['is', 'visit:source', ['Bing']],
    ]);
    expect(filterLabel({ dimension: 'visit:utm_campaign', value: 'spring' })).toBe('UTM campaign is spring');
  });
});
