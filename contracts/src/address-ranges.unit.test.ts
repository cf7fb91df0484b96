import { describe, expect, it } from 'vitest';
import { compileAddressRanges, normaliseAddressRange } from './address-ranges';

describe('normaliseAddressRange', () => {
  it.each([
    ['203.0.113.0/24', '203.0.113.0/24'],
    ['198.51.100.7', '198.51.100.7/32'],
    ['198.51.100.7/32', '198.51.100.7/32'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:db8::/32', '2001:db8::/32'],
    ['2001:0DB8:0000::/48', '2001:db8::/48'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1/128'],
    ['::1', '::1/128'],
    ['::/0', '::/0'],
    ['64:ff9b::192.0.2.0/120', '64:ff9b::c000:200/120'],
  ])('%s is %s', (input, range) => expect(normaliseAddressRange(input)).toEqual({ ok: true, range }));

  it.each([
    ['203.0.113.7/24', /address bits set past its \/24 prefix: the range is 203\.0\.113\.0\/24/],
    ['2001:db8::1/32', /the range is 2001:db8::\/32/],
    ['10.0.0.0/33', /prefix length over 32/],
    ['::/129', /prefix length over 128/],
    ['10.0.0.0/', /must be an IPv4 or IPv6 address or CIDR range/],
    ['10.0.0.0/08', /leading zero: write \/8/],
    ['10.0.0.0/8/8', /must be an IPv4 or IPv6 address or CIDR range/],
    ['/8', /must be an IPv4 or IPv6 address or CIDR range/],
    ['010.0.0.1', /dotted decimal/],
    ['0x7f.0.0.1', /dotted decimal/],
    ['127.1', /dotted decimal/],
    ['256.0.0.1', /dotted decimal/],
    [' 10.0.0.1', /whitespace around it/],
    ['10.0.0.0/8 ', /whitespace around it/],
    ['2001:db8::/032', /leading zero: write \/32/],
    ['example.com', /dotted decimal/],
    ['2001:db8::g', /not an IPv6 address/],
    ['fe80::1%eth0', /zone id/],
    // The IPv4 range it stands for, its prefix kept.
    ['::ffff:203.0.113.0/120', /IPv4-mapped IPv6 range: write it as IPv4 \(203\.0\.113\.0\/24\)/],
    ['::ffff:0:0/96', /write it as IPv4 \(0\.0\.0\.0\/0\)/],
    ['::ffff:203.0.113.7', /IPv4-mapped IPv6 address: write it as IPv4 \(203\.0\.113\.7\)/],
    ['::ffff:0:0/80', /wider than the IPv4-mapped addresses/],
  ])('refuses %s', (input, problem) => {
    const result = normaliseAddressRange(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toMatch(problem);
  });
});

describe('compileAddressRanges', () => {
  const ranges = compileAddressRanges(['203.0.113.0/24', '198.51.100.7/32', '2001:db8::/32']);

  it.each([
    ['203.0.113.0', true],
    ['203.0.113.255', true],
    ['203.0.114.0', false],
    ['198.51.100.7', true],
    ['198.51.100.8', false],
    ['2001:db8:ffff::1', true],
    ['2001:db9::1', false],
    // How Express gives an IPv4 client on a dual-stack socket: the IPv4 address it maps.
    ['::ffff:203.0.113.9', true],
    ['::ffff:192.0.2.1', false],
    ['not an address', false],
    ['', false],
  ])('%s is in them: %s', (address, inside) => expect(ranges.contains(address)).toBe(inside));

  it('holds nothing without ranges, and leaves out a range that does not parse', () => {
    expect(compileAddressRanges([]).contains('203.0.113.1')).toBe(false);
    const some = compileAddressRanges(['garbage', '10.0.0.0/8']);
    expect(some.contains('10.1.2.3')).toBe(true);
    expect(some.ranges).toEqual(['garbage', '10.0.0.0/8']);
  });
});
