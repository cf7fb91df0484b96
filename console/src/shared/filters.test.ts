/** Report filters: the URL round trip, the operators, one filter per dimension, the Stats API's form. */
import { describe, expect, test } from 'vitest';
import {
  andFilter,
  filterChips,
  filterLabel,
  filtersFromQuery,
  filtersToQuery,
  rowFilter,
  statsFilters,
  withFilter,
  withoutFilter,
  type Filter,
} from './filters';

const is = (dimension: string, value: string): Filter => ({ dimension, op: 'is', value });

describe('report filters', () => {
  test('round-trip through the URL, values with =, ~, ! and spaces kept whole', () => {
    const filters: Filter[] = [
      is('event:page', '/search?q=a=b'),
      is('visit:source', 'Direct / None'),
      { dimension: 'visit:referrer', op: 'is_not', value: '!=x' },
      { dimension: 'event:page', op: 'contains', value: '~blog' },
      { dimension: 'visit:country', op: 'contains_not', value: '' },
      is('event:props:plan.tier', 'pro'),
    ];
    const query = filtersToQuery(filters);
    expect(query).toEqual([
      'event:page=/search?q=a=b',
      'visit:source=Direct / None',
      'visit:referrer!=!=x',
      'event:page~~blog',
      'visit:country!~',
      'event:props:plan.tier=pro',
    ]);
    expect(filtersFromQuery({ filter: query! })).toEqual(filters);
    expect(filtersFromQuery({ filter: 'visit:country=DE' })).toEqual([is('visit:country', 'DE')]);
    expect(filtersToQuery([])).toBeUndefined();
  });

  test('unknown dimensions, malformed entries and duplicates are left out', () => {
    expect(
      filtersFromQuery({
        filter: [
          'nope',
          '=x',
          'visit:hacker=1',
          'time:day=2025-01-01',
          'event:props:=x',
          'visit:os=Linux',
          'visit:os=Linux',
        ],
      }),
    ).toEqual([is('visit:os', 'Linux')]);
    expect(filtersFromQuery({})).toEqual([]);
  });

  test('a click replaces its dimension’s filter; Add appends; removing takes one out; the API form', () => {
    const one = withFilter([], is('visit:source', 'Google'));
    const two = withFilter(one, is('visit:country', 'DE'));
    const replaced = withFilter(two, is('visit:source', 'Bing'));
    expect(replaced).toEqual([is('visit:country', 'DE'), is('visit:source', 'Bing')]);
    expect(withoutFilter(replaced, is('visit:country', 'DE'))).toEqual([is('visit:source', 'Bing')]);
    const more = andFilter(replaced, { dimension: 'visit:source', op: 'is_not', value: 'Bing' });
    expect(more).toHaveLength(3);
    expect(andFilter(more, is('visit:source', 'Bing'))).toEqual(more);
    expect(statsFilters(more)).toEqual([
      ['is', 'visit:country', ['DE']],
      ['is', 'visit:source', ['Bing']],
      ['is_not', 'visit:source', ['Bing']],
    ]);
  });

  test('labels say what a filter keeps; the "(none)" row is the missing value', () => {
    expect(filterLabel(is('visit:utm_campaign', 'spring'))).toBe('UTM campaign is spring');
    expect(filterLabel({ dimension: 'event:page', op: 'contains_not', value: '/admin' })).toBe(
      'Page does not contain /admin',
    );
    expect(filterLabel(is('event:props:plan', 'pro'))).toBe('Property plan is pro');
    expect(rowFilter('visit:country', '(none)')).toEqual({
      dimension: 'visit:country',
      op: 'contains_not',
      value: '',
    });
    expect(filterLabel(rowFilter('visit:country', '(none)'))).toBe('Country is (none)');
    expect(rowFilter('visit:country', 'DE')).toEqual(is('visit:country', 'DE'));
    // A whole country code reads as its name; a part of one (contains) as typed.
    expect(filterLabel(is('visit:country', 'DE'))).toBe('Country is Germany');
    expect(filterLabel({ dimension: 'visit:country', op: 'is_not', value: 'US' })).toBe(
      'Country is not United States',
    );
    expect(filterLabel({ dimension: 'visit:country', op: 'contains', value: 'DE' })).toBe(
      'Country contains DE',
    );
    expect(filterLabel(is('visit:country', 'XX'))).toBe('Country is XX');
    expect(filterChips([is('visit:os', 'Linux')])).toEqual([{ key: 'visit:os=Linux', label: 'OS is Linux' }]);
  });
});
