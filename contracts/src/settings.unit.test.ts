import { describe, expect, it } from 'vitest';
import { formatPath, LIMITS, ProjectSettings, isCanonicalTimeZone } from './index';

describe('isCanonicalTimeZone', () => {
  it.each([
    'UTC',
    'Etc/UTC',
    'Asia/Kolkata',
    'Europe/Berlin',
    'America/Argentina/Buenos_Aires',
    'America/Port-au-Prince',
  ])('accepts %s', (zone) => expect(isCanonicalTimeZone(zone)).toBe(true));

  it.each([
    ['asia/kolkata', 'another case'],
    ['+05:30', 'an offset'],
    ['UTC+5', 'an offset'],
    ['US/Eastern', 'a retired alias'],
    ['EST', 'a retired single name'],
    ['Japan', 'a retired single name'],
    ['GMT', 'a single name other than UTC'],
    ['Etc/GMT+5', 'an inverted-sign Etc zone'],
    ['Mars/Olympus_Mons', 'unknown to Intl'],
    ['', 'empty'],
  ])('refuses %s (%s)', (zone) => expect(isCanonicalTimeZone(zone)).toBe(false));
});

describe('ProjectSettings', () => {
  it('lowercases domains and keeps the zone as given', () => {
    expect(
      ProjectSettings.parse({ time_zone: 'Asia/Kolkata', domains: ['Example.COM', 'shop.example.co.uk'] }),
    ).toMatchObject({
      time_zone: 'Asia/Kolkata',
      domains: ['example.com', 'shop.example.co.uk'],
    });
  });

  it('accepts no domains', () => {
    expect(ProjectSettings.parse({ time_zone: 'UTC', domains: [] }).domains).toEqual([]);
  });

  it.each([
    'https://example.com',
    'example.com/path',
    'example.com:8080',
    'example.com.',
    'localhost',
    '-a.com',
    'a_b.com',
    'ex ample.com',
  ])('refuses the domain %s, naming it', (domain) => {
    const result = ProjectSettings.safeParse({ time_zone: 'UTC', domains: ['ok.example', domain] });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual(['domains.1']);
  });

  it('refuses a repeated domain (after lowercasing) and more than the limit', () => {
    expect(ProjectSettings.safeParse({ time_zone: 'UTC', domains: ['a.com', 'A.com'] }).success).toBe(false);
    const many = Array.from({ length: LIMITS.projectDomainsMax + 1 }, (_, i) => `d${i}.example`);
    expect(ProjectSettings.safeParse({ time_zone: 'UTC', domains: many }).success).toBe(false);
    expect(ProjectSettings.safeParse({ time_zone: 'UTC', domains: many.slice(1) }).success).toBe(true);
  });

  it('refuses an unknown zone and unknown fields, naming them', () => {
    const result = ProjectSettings.safeParse({ time_zone: 'US/Eastern', domains: [], goal: [] });
    expect(result.error!.issues.map((i) => i.path.join('.') || i.code).sort()).toEqual([
      'time_zone',
      'unrecognized_keys',
    ]);
  });

  it('gives no goals and no excluded ranges when they are left out (the body is the whole settings)', () => {
    expect(ProjectSettings.parse({ time_zone: 'UTC', domains: [] })).toEqual({
      time_zone: 'UTC',
      domains: [],
      goals: [],
      excluded_address_ranges: [],
    });
  });
});

/** The fields a parse refuses, as the HTTP layer names them (`goals[2].page_path`), with their messages. */
function refused(body: Record<string, unknown>): Array<[string, string]> {
  const result = ProjectSettings.safeParse({ time_zone: 'UTC', domains: [], ...body });
  expect(result.success).toBe(false);
  return result.error!.issues.map((i) => [formatPath(i.path), i.message]);
}

describe('ProjectSettings goals', () => {
  it('keeps event goals and page goals as given, in order, each with its one kind', () => {
    const goals = [
      { name: 'Signup', event_name: 'signup' },
      { name: 'Pricing', page_path: '/pricing' },
      { name: 'Any blog post', page_path: '/blog/**' },
      { name: 'A product', page_path: '/products/*/details' },
    ];
    expect(ProjectSettings.parse({ time_zone: 'UTC', domains: [], goals }).goals).toEqual(goals);
  });

  it('needs exactly one of event_name and page_path, naming the goal', () => {
    const [[field, message]] = refused({
      goals: [{ name: 'A', event_name: 'a' }, { name: 'Nothing' }],
    }) as [[string, string]];
    expect(field).toBe('goals[1]');
    expect(message).toMatch(/needs event_name .* or page_path/);
    expect(refused({ goals: [{ name: 'Both', event_name: 'b', page_path: '/b' }] })).toEqual([
      ['goals[0]', expect.stringMatching(/has both event_name and page_path.*keep one/)],
    ]);
  });

  it('refuses a page path that is not a path, or holds a query string, naming the field and the fix', () => {
    expect(
      refused({
        goals: [
          { name: 'A', event_name: 'a' },
          { name: 'B', event_name: 'b' },
          { name: 'Relative', page_path: 'pricing' },
          { name: 'Query', page_path: '/pricing?plan=pro' },
        ],
      }),
    ).toEqual([
      ['goals[2].page_path', expect.stringMatching(/must start with \//)],
      ['goals[3].page_path', expect.stringMatching(/query string/)],
    ]);
  });

  it('refuses names that are blank, too long, or repeat another without regard to case', () => {
    const long = 'n'.repeat(LIMITS.goalNameMaxLength + 1);
    expect(
      refused({
        goals: [
          { name: '  ', event_name: 'a' },
          { name: long, event_name: 'b' },
          { name: 'Signup', event_name: 'c' },
          { name: 'SIGNUP', event_name: 'd' },
        ],
      }).map(([field]) => field),
    ).toEqual(['goals[0].name', 'goals[1].name', 'goals[3].name']);
    expect(
      ProjectSettings.safeParse({
        time_zone: 'UTC',
        domains: [],
        goals: [{ name: 'n'.repeat(LIMITS.goalNameMaxLength), event_name: 'b' }],
      }).success,
    ).toBe(true);
  });

  it('refuses a repeated event or pattern, and more goals than the limit', () => {
    expect(
      refused({
        goals: [
          { name: 'A', event_name: 'signup' },
          { name: 'B', event_name: 'signup' },
          { name: 'C', page_path: '/x/*' },
          { name: 'D', page_path: '/x/*' },
        ],
      }).map(([field]) => field),
    ).toEqual(['goals[1].event_name', 'goals[3].page_path']);
    const many = Array.from({ length: LIMITS.projectGoalsMax + 1 }, (_, i) => ({
      name: `G${i}`,
      event_name: `e${i}`,
    }));
    expect(refused({ goals: many }).map(([field]) => field)).toEqual(['goals']);
    expect(ProjectSettings.safeParse({ time_zone: 'UTC', domains: [], goals: many.slice(1) }).success).toBe(
      true,
    );
  });

  it('refuses an unknown field of a goal, naming it', () => {
    expect(refused({ goals: [{ name: 'A', event_name: 'a', display_name: 'A' }] })).toEqual([
      ['goals[0]', expect.stringContaining('display_name')],
    ]);
  });
});

describe('ProjectSettings excluded_address_ranges', () => {
  it('normalises each range: a single address gets its full prefix, IPv6 its RFC 5952 form', () => {
    expect(
      ProjectSettings.parse({
        time_zone: 'UTC',
        domains: [],
        excluded_address_ranges: [
          '203.0.113.0/24',
          '198.51.100.7',
          '2001:DB8:0:0:0:0:0:0/32',
          '2001:db8:0:0:1:0:0:1',
          '0.0.0.0/0',
        ],
      }).excluded_address_ranges,
    ).toEqual(['203.0.113.0/24', '198.51.100.7/32', '2001:db8::/32', '2001:db8::1:0:0:1/128', '0.0.0.0/0']);
  });

  it('refuses what is not a range, naming the entry and the fix', () => {
    expect(
      refused({
        excluded_address_ranges: ['10.0.0.0/8', '203.0.113.7/24', 'example.com', '10.0.0.0/33', '010.0.0.1'],
      }),
    ).toEqual([
      ['excluded_address_ranges[1]', expect.stringContaining('the range is 203.0.113.0/24')],
      ['excluded_address_ranges[2]', expect.stringContaining('such as 203.0.113.0/24')],
      ['excluded_address_ranges[3]', 'has a prefix length over 32'],
      ['excluded_address_ranges[4]', expect.stringContaining('no leading zeros')],
    ]);
  });

  it('refuses a range repeated once normalised, and more ranges than the limit', () => {
    expect(refused({ excluded_address_ranges: ['198.51.100.7', '198.51.100.7/32'] })).toEqual([
      ['excluded_address_ranges[1]', expect.stringContaining('repeats an earlier range')],
    ]);
    const many = Array.from({ length: LIMITS.excludedAddressRangesMax + 1 }, (_, i) => `10.0.${i}.0/24`);
    expect(refused({ excluded_address_ranges: many }).map(([field]) => field)).toEqual([
      'excluded_address_ranges',
    ]);
  });
});
