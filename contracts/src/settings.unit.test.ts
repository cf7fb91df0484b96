import { describe, expect, it } from 'vitest';
import { LIMITS, ProjectSettings, isCanonicalTimeZone } from './index';

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
    ).toEqual({
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
    const result = ProjectSettings.safeParse({ time_zone: 'US/Eastern', domains: [], goals: [] });
    expect(result.error!.issues.map((i) => i.path.join('.') || i.code).sort()).toEqual([
      'time_zone',
      'unrecognized_keys',
    ]);
  });
});
