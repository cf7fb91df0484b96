/**
 * A project's own traffic: an event whose client address lies in one of its project's excluded
 * address ranges (ProjectSettingsChanged v2 `excluded_address_ranges`, normalised CIDR) is accepted
 * and appended as any other, marked in its context with `excluded: "address"`, so the read side
 * leaves it out of every report and counts it apart, as it does bot traffic (docs/DESIGN.md, "Bots
 * and excluded traffic"). The address is only matched, never stored.
 *
 * The address is `req.ip`: the connecting address, unless that hop is one of
 * `EVENTLENS_INGEST_TRUST_PROXY` (then the client X-Forwarded-For names). An IPv4 client of a
 * dual-stack socket (`::ffff:203.0.113.9`) matches the IPv4 ranges (contracts' address-ranges.ts).
 *
 * The ranges are the directory's (`excludedRanges`), which follows the admin log: a change applies
 * to the events this instance receives after it has read it — at once on the instance that took
 * the PUT, within a fetch of the admin tail (100 ms when idle) on the others. Events received
 * before keep the mark they were given: the log is never rewritten.
 */
import type { AddressRanges } from '@eventlens/contracts';

/**
 * The context key the server writes (read-model's EXCLUDED_CONTEXT_KEY: the read side checks the
 * key's presence); one of the contract's reserved keys, so a client cannot send it (a 400).
 */
export { EXCLUDED_CONTEXT_KEY } from '@eventlens/contracts';

/** Why the event is excluded: it came from one of the project's excluded address ranges. */
export const EXCLUDED_BY_ADDRESS = 'address';

/**
 * `"address"` when `address` (as `req.ip` gives it; undefined when the socket is gone) lies in
 * `ranges`, else undefined.
 */
export function exclusionOf(ranges: AddressRanges, address: string | undefined): string | undefined {
  return address !== undefined && ranges.contains(address) ? EXCLUDED_BY_ADDRESS : undefined;
}
