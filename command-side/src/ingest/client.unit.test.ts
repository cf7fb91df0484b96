/**
 * The fields the server derives from the request: ua-parser-js on real User-Agent strings, and the
 * offline country database shipped in its npm package (read from disk, no network).
 */
import { describe, expect, it } from 'vitest';
import { openCountryLookup, userAgentFields } from './client';

describe('User-Agent → browser, OS, device type', () => {
  it('recognises a phone, a desktop and a tablet', () => {
    expect(
      userAgentFields(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
      ),
    ).toEqual({
      browser: 'Mobile Safari',
      browser_version: '17',
      os: 'iOS',
      os_version: '17.4',
      device_type: 'mobile',
    });
    expect(
      userAgentFields(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
      ),
    ).toEqual({
      browser: 'Chrome',
      browser_version: '124',
      os: 'Windows',
      os_version: '10',
      device_type: 'desktop',
    });
    expect(
      userAgentFields(
        'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
      ).device_type,
    ).toBe('tablet');
  });

  it('knows nothing of a sender that is not a browser, nor of a request without a User-Agent', () => {
    const none = { browser: null, browser_version: null, os: null, os_version: null, device_type: null };
    expect(userAgentFields('curl/8.5.0')).toEqual(none);
    expect(userAgentFields(undefined)).toEqual(none);
    expect(userAgentFields('')).toEqual(none);
  });
});

describe('client address → country', () => {
  const countryOf = openCountryLookup();

  it('finds the country of public IPv4 and IPv6 addresses, also IPv4 mapped into IPv6', () => {
    expect(countryOf('8.8.8.8')).toBe('US');
    expect(countryOf('81.2.69.142')).toBe('GB');
    expect(countryOf('::ffff:81.2.69.142')).toBe('GB');
    expect(countryOf('2a01:e0a::1')).toBe('FR');
  });

  it('answers null for private, loopback, documentation, absent and malformed addresses', () => {
    for (const address of [
      '192.0.2.10',
      '198.51.100.7',
      '203.0.113.7',
      '2001:db8::1',
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.5',
      '192.168.0.1',
      '::ffff:192.168.1.20',
      '100.64.0.1',
      '::1',
      'fd12:3456::1',
      'fe80::1',
      undefined,
      '',
      'not an address',
    ])
      expect(countryOf(address)).toBeNull();
  });
});
