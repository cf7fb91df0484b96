/**
 * What the server derives from the request itself for EventTracked v2: the browser, operating
 * system and device type from the `User-Agent` (parsed by ua-parser-js 1.x, MIT; its rules are kept
 * by its maintainers, we add none), and the country of the client address from an offline
 * IP-to-country database that ships in an npm package (geo-whois-asn-country, CC0; its NRO
 * statistics data is CC BY 4.0). The address is looked up and dropped: it is never stored nor
 * logged. It is `req.ip`, which honours only the configured trusted proxies (`trust proxy`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BlockList, isIP } from 'node:net';
import { Reader, type Response } from 'maxmind';
import UAParser from 'ua-parser-js';

export interface ClientFields {
  browser: string | null;
  /** The browser's major version (`124`). */
  browser_version: string | null;
  os: string | null;
  os_version: string | null;
  /** ua-parser-js's device type (mobile, tablet, smarttv, console, wearable, embedded), or `desktop` for a recognised browser without one. */
  device_type: string | null;
  /** ISO 3166-1 alpha-2, or null for a private, reserved or unknown address. */
  country: string | null;
}

export type UserAgentFields = Omit<ClientFields, 'country'>;

/**
 * Parsed User-Agents, the most recent ones: a visitor sends many events with one User-Agent, and a
 * parse costs about 0.1-0.2 ms (ua-parser-js tries its regular expressions in turn).
 */
const parsed = new Map<string, UserAgentFields>();
const PARSED_MAX = 1_000;

/** The User-Agent's browser, OS and device type; all null for a sender that is not a recognised browser (curl). */
export function userAgentFields(userAgent: string | undefined): UserAgentFields {
  const key = userAgent ?? '';
  let fields = parsed.get(key);
  if (!fields) {
    fields = parseUserAgent(key);
    if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value!);
    parsed.set(key, fields);
  }
  return fields;
}

function parseUserAgent(userAgent: string): UserAgentFields {
  const ua = new UAParser(userAgent).getResult();
  const browser = ua.browser.name ?? null;
  return {
    browser,
    browser_version: ua.browser.major ?? null,
    os: ua.os.name ?? null,
    os_version: ua.os.version ?? null,
    // ua-parser-js leaves the type undefined for desktops: only a recognised browser makes that a desktop.
    device_type: ua.device.type ?? (browser === null ? null : 'desktop'),
  };
}

/** The country of an address (IPv4 or IPv6, as `req.ip` gives it), or null. */
export type CountryLookup = (address: string | undefined) => string | null;

/** The database file in its npm package (IPv4 and IPv6 in one MaxMind DB file, about 8 MB). */
export const COUNTRY_DATABASE = createRequire(import.meta.url).resolve(
  '@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb',
);

/**
 * Addresses that belong to no country (RFC 6890 special-purpose blocks a client can come from:
 * private, shared, loopback, link-local, unique-local; and the documentation ranges of RFC 5737 and
 * RFC 3849, which examples and tests send). The database maps some of them to a country
 * (192.168.0.0/16 and 203.0.113.0/24 read as AU in the packaged data), so they are answered null
 * before any lookup.
 */
const NO_COUNTRY = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['192.0.2.0', 24],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
] as const)
  NO_COUNTRY.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['2001:db8::', 32],
] as const)
  NO_COUNTRY.addSubnet(network, prefix, 'ipv6');

/** Reads the database once (synchronously, at start) and answers lookups from memory. */
export function openCountryLookup(file = COUNTRY_DATABASE): CountryLookup {
  const reader = new Reader<Response>(readFileSync(file));
  return (address) => {
    if (!address) return null;
    // Express gives IPv4 clients of a dual-stack socket as ::ffff:a.b.c.d.
    const ip = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
    const family = isIP(ip);
    if (family === 0 || NO_COUNTRY.check(ip, family === 4 ? 'ipv4' : 'ipv6')) return null;
    try {
      // This database's records are { country_code } (not MaxMind's own GeoIP2 shape).
      return (reader.get(ip) as { country_code?: string } | null)?.country_code ?? null;
    } catch {
      return null; // not an IP address
    }
  };
}
