/**
 * The client address ranges a project excludes from its reports (ProjectSettingsChanged v2,
 * `excluded_address_ranges`): parsed, checked and normalised here, once, with ipaddr.js, so the
 * command side's validation, its directory and whatever marks the events of those addresses read a
 * range alike.
 *
 * A range is CIDR, IPv4 or IPv6 (`203.0.113.0/24`, `2001:db8::/32`); a single address stands for
 * itself (`/32`, `/128`). Normalised: IPv4 dotted decimal, IPv6 in RFC 5952's text form (lowercase,
 * the longest run of zero groups compressed), always with its prefix length. Refused rather than
 * guessed: address bits past the prefix (`203.0.113.7/24`, which names no range), IPv4 with leading
 * zeros or in other bases (`010.0.0.1`, read as octal by some parsers), IPv6 zone ids, and
 * IPv4-mapped IPv6 (`::ffff:203.0.113.0/120`, to be written as the IPv4 range it is).
 */
import ipaddr from 'ipaddr.js';

/** The longest text a range can be: a full IPv6 address with an embedded IPv4 and `/128`. */
export const ADDRESS_RANGE_MAX_LENGTH = 49;

export type AddressRangeResult = { ok: true; range: string } | { ok: false; problem: string };

const EXAMPLES = 'such as 203.0.113.0/24, 2001:db8::/32 or a single address such as 198.51.100.7';
const PREFIX = /^(?:0|[1-9]\d{0,2})$/;

/** `input` as a normalised CIDR range, or the problem with it (a message naming the fix). */
export function normaliseAddressRange(input: string): AddressRangeResult {
  if (input !== input.trim()) return { ok: false, problem: 'has whitespace around it: remove it' };
  const parts = input.split('/');
  const [address = '', prefixText] = parts;
  if (prefixText !== undefined && /^0\d+$/.test(prefixText))
    return { ok: false, problem: `has a prefix length with a leading zero: write /${Number(prefixText)}` };
  if (parts.length > 2 || address === '' || (prefixText !== undefined && !PREFIX.test(prefixText))) {
    return { ok: false, problem: `must be an IPv4 or IPv6 address or CIDR range, ${EXAMPLES}` };
  }
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  if (address.includes(':')) {
    if (address.includes('%'))
      return { ok: false, problem: 'must not carry an IPv6 zone id (%…): give the address alone' };
    if (!ipaddr.IPv6.isValid(address))
      return { ok: false, problem: `is not an IPv6 address or range, ${EXAMPLES}` };
    parsed = ipaddr.IPv6.parse(address);
    if (parsed.isIPv4MappedAddress()) {
      // The IPv4 range it stands for keeps the prefix: ::ffff:1.2.3.0/120 is 1.2.3.0/24.
      const v4 = parsed.toIPv4Address().toString();
      const prefix = prefixText === undefined ? 128 : Number(prefixText);
      if (prefix > 128) return { ok: false, problem: 'has a prefix length over 128' };
      return {
        ok: false,
        problem:
          prefix === 128
            ? `is an IPv4-mapped IPv6 address: write it as IPv4 (${v4})`
            : prefix >= 96
              ? `is an IPv4-mapped IPv6 range: write it as IPv4 (${v4}/${prefix - 96})`
              : 'is an IPv6 range wider than the IPv4-mapped addresses (/96): give IPv4 ranges as IPv4 (0.0.0.0/0 for all of them) and IPv6 ranges apart',
      };
    }
  } else {
    if (!ipaddr.IPv4.isValidFourPartDecimal(address)) {
      return {
        ok: false,
        problem: `is not an IPv4 address in dotted decimal (four numbers 0-255, no leading zeros), ${EXAMPLES}`,
      };
    }
    parsed = ipaddr.IPv4.parse(address);
  }
  const bits = parsed.kind() === 'ipv4' ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return { ok: false, problem: `has a prefix length over ${bits}` };
  const text = (a: ipaddr.IPv4 | ipaddr.IPv6) =>
    a.kind() === 'ipv4' ? a.toString() : (a as ipaddr.IPv6).toRFC5952String();
  const network =
    parsed.kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(`${parsed.toString()}/${prefix}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${text(parsed)}/${prefix}`);
  if (text(network) !== text(parsed)) {
    return {
      ok: false,
      problem: `has address bits set past its /${prefix} prefix: the range is ${text(network)}/${prefix}, or give the single address as ${text(parsed)}`,
    };
  }
  return { ok: true, range: `${text(parsed)}/${prefix}` };
}

/** Parsed ranges, to ask whether a client address lies in one of them. */
export interface AddressRanges {
  /** The ranges as given (normalised CIDR). */
  readonly ranges: readonly string[];
  /**
   * Whether `address` (a client address as Express gives it: IPv4, IPv6, or IPv4-mapped IPv6 such
   * as `::ffff:203.0.113.9`, read as the IPv4 address it maps) lies in one of the ranges. An
   * address that does not parse lies in none.
   */
  contains(address: string): boolean;
}

/**
 * `ranges` (normalised CIDR, as ProjectSettingsChanged carries them) ready for matching. A range
 * that does not parse (a record no EventLens producer writes) is left out rather than thrown on,
 * so one bad record cannot stop a reader of the log.
 */
export function compileAddressRanges(ranges: readonly string[]): AddressRanges {
  const parsed: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  for (const range of ranges) {
    try {
      parsed.push(ipaddr.parseCIDR(range));
    } catch {
      // Not a range: matches nothing.
    }
  }
  return {
    ranges: [...ranges],
    contains(address) {
      if (parsed.length === 0) return false;
      let client: ipaddr.IPv4 | ipaddr.IPv6;
      try {
        client = ipaddr.process(address);
      } catch {
        return false;
      }
      return parsed.some(
        ([network, bits]) => network.kind() === client.kind() && client.match(network, bits),
      );
    },
  };
}
