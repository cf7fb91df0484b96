import { compileAddressRanges, TrackEvent } from '@eventlens/contracts';
import { describe, expect, it } from 'vitest';
import { exclusionOf } from './excluded';
import { contextOf, toEventTracked } from './track';

describe('exclusionOf', () => {
  const ranges = compileAddressRanges(['127.0.0.0/8', '203.0.113.0/24', '2001:db8::/32']);

  it('marks an address in one of the ranges, as req.ip gives it (IPv4, IPv4-mapped IPv6, IPv6)', () => {
    expect(exclusionOf(ranges, '127.0.0.1')).toBe('address');
    expect(exclusionOf(ranges, '::ffff:127.0.0.1')).toBe('address');
    expect(exclusionOf(ranges, '::ffff:203.0.113.200')).toBe('address');
    expect(exclusionOf(ranges, '2001:db8:1::7')).toBe('address');
  });

  it('leaves other addresses, none, and what is no address unmarked', () => {
    expect(exclusionOf(ranges, '198.51.100.7')).toBeUndefined();
    expect(exclusionOf(ranges, '::ffff:198.51.100.7')).toBeUndefined();
    // IPv6 loopback is another family than 127.0.0.0/8: a project excludes it with ::1 of its own.
    expect(exclusionOf(ranges, '::1')).toBeUndefined();
    expect(exclusionOf(ranges, '2001:db9::1')).toBeUndefined();
    expect(exclusionOf(ranges, undefined)).toBeUndefined();
    expect(exclusionOf(ranges, 'not-an-address')).toBeUndefined();
    expect(exclusionOf(compileAddressRanges([]), '127.0.0.1')).toBeUndefined();
  });
});

describe('the excluded mark on the event', () => {
  const stamp = {
    projectId: '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    receivedAt: 1_700_000_000_000,
    newId: () => 'id',
  };

  it('adds excluded: "address" to the context, and changes nothing else of the event', () => {
    const item = { event_name: 'page_view', url: 'https://shop.example/', context: { title: 'Shop' } };
    const plain = toEventTracked(item, stamp);
    const marked = toEventTracked(item, { ...stamp, excluded: 'address' });
    expect(marked.context).toEqual({ title: 'Shop', excluded: 'address' });
    expect({ ...marked, context: plain.context }).toEqual(plain);
    expect(contextOf({}, undefined, 'Googlebot', 'address')).toEqual({
      bot: 'Googlebot',
      excluded: 'address',
    });
  });

  it('marks whatever else the context holds: a client cannot send the key itself (the contract refuses it)', () => {
    expect(contextOf({ context: { plan: 'pro' } }, undefined, undefined, 'address')).toEqual({
      plan: 'pro',
      excluded: 'address',
    });
    expect(
      TrackEvent.safeParse({
        api_key: 'el_0123456789abcdefghijklmnopqrstuv',
        event_name: 'x',
        context: { excluded: 'staging' },
      }).error?.issues.map((i) => i.path.join('.')),
    ).toEqual(['context.excluded']);
  });
});
