/**
 * Project settings and public link commands: what a project's owner sets through the admin API
 * (time zone, domains, goals, excluded address ranges; public dashboard links), validated with Zod.
 * Objects are strict and nothing is trimmed or rewritten beyond what each docstring says, as in
 * commands.ts, whose string rules (`text`, `notBlank`) these schemas share.
 */
import { z } from 'zod';
import { ADDRESS_RANGE_MAX_LENGTH, normaliseAddressRange } from './address-ranges';
import { NOT_BLANK, notBlank, text } from './commands';
import { LIMITS } from './limits';

/**
 * A public dashboard link of a project (the project comes from the path): optionally a password
 * (8–200 characters) that whoever opens the link must give. The token is made by the command side.
 */
export const CreatePublicLink = z.strictObject({
  password: z
    .string()
    .min(LIMITS.publicLinkPasswordMinLength)
    .max(LIMITS.passwordMaxLength)
    .optional()
    .meta({ description: 'Asked of whoever opens the link (8–200 characters); none: anyone with the link.' }),
});
export type CreatePublicLink = z.infer<typeof CreatePublicLink>;

/**
 * Single-segment names and the country folders of the IANA tz database's `backward` file: retired
 * aliases kept for old systems (`US/Eastern`, `EST`, `Japan`). `UTC` and `Etc/UTC` are kept; the
 * other `Etc/` zones (`Etc/GMT+5`, five hours *behind* GMT) are refused for their inverted signs.
 */
const RETIRED_ZONE = /^(?:US|Canada|Mexico|Brazil|Chile|SystemV)\/|^Etc\/(?!UTC$)|^(?!UTC$)[^/]+$/;
/** IANA spelling: each segment starts with an uppercase letter (`America/Port-au-Prince`). */
const ZONE_SPELLING = /^[A-Z][A-Za-z0-9_+-]*(?:\/[A-Z][A-Za-z0-9_+-]*){0,2}$/;

/**
 * True for a canonical IANA zone name as written in the tz database (`Asia/Kolkata`, `UTC`) that this
 * runtime's Intl (ICU's tz data) knows. Refused rather than mapped: a name in another case
 * (`asia/kolkata`), an offset (`+05:30`, read with the opposite sign by PostgreSQL's POSIX rules),
 * and the retired aliases recognisable by their shape (`US/Eastern`, `EST`, `Japan`; `Etc/GMT+5`).
 * Area/Location links (`Asia/Calcutta`) are accepted: Intl and PostgreSQL read them as the zone they
 * link to, and telling them apart needs the tz database's link table, which Intl does not expose.
 */
export function isCanonicalTimeZone(name: string): boolean {
  if (!ZONE_SPELLING.test(name) || RETIRED_ZONE.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** What `isCanonicalTimeZone` takes, for messages: "must be …", "'EST' is not …". */
export const CANONICAL_TIME_ZONE =
  'a canonical IANA time zone name such as Europe/Berlin or UTC (no offsets, no retired aliases such as US/Eastern, EST or Etc/GMT+5, exact case)';

export const TimeZoneName = z
  .string()
  .max(64)
  .refine(isCanonicalTimeZone, {
    message: `must be ${CANONICAL_TIME_ZONE}`,
  });

/** A DNS label: letters, digits and hyphens, not at either end (RFC 1123), lowercase. */
const HOSTNAME =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A host name a project declares (`example.com`, `shop.example.co.uk`): lowercased, then at least two
 * RFC 1123 labels; no scheme, port, path or trailing dot. Internationalised names are given in their
 * ASCII form (`xn--…`), as the Host header carries them.
 */
export const Hostname = z
  .string()
  .max(253)
  .transform((s) => s.toLowerCase())
  .refine((s) => HOSTNAME.test(s), {
    message: 'must be a host name such as example.com: no scheme, port, path or trailing dot',
  });

const eventName = text(LIMITS.eventNameMaxLength).refine(notBlank, NOT_BLANK);

/**
 * A page goal's path pattern: a path as the Stats API's `event:page` has it (starting with `/`, no
 * query string, which `event:page` never holds), with Plausible's wildcards `*` (any characters but
 * `/`) and `**` (any characters); goals.ts has the rule. The Stats API's funnel steps take the same
 * (a page, or a pattern), so that a step that could never match is refused as a goal is.
 */
export const PagePath = text(LIMITS.goalPagePathMaxLength).superRefine((s, ctx) => {
  if (!s.startsWith('/'))
    ctx.addIssue({ code: 'custom', message: 'must start with / (a path such as /pricing or /blog/**)' });
  else if (s.includes('?'))
    ctx.addIssue({
      code: 'custom',
      message: 'must not hold a query string (?…): a page is matched by its path alone, as event:page has it',
    });
});

/** A goal as the command gives it: a display name and exactly one of its two kinds. */
export type ProjectGoal = { name: string; event_name: string } | { name: string; page_path: string };

/**
 * A goal (ProjectSettingsChanged v2): `name`, the display name (1–120 characters, the Stats API's
 * `event:goal` value), and exactly one of `event_name` (reached by each event of that name) or
 * `page_path` (reached by each page_view whose path matches the pattern).
 */
export const Goal = z
  .strictObject({
    name: text(LIMITS.goalNameMaxLength).min(1).refine(notBlank, NOT_BLANK),
    event_name: eventName.optional(),
    page_path: PagePath.optional(),
  })
  .superRefine((goal, ctx) => {
    if ((goal.event_name === undefined) === (goal.page_path === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message:
          goal.event_name === undefined
            ? 'needs event_name (a custom event that reaches the goal) or page_path (a page path pattern such as /thank-you or /blog/**)'
            : 'has both event_name and page_path: a goal is one or the other; keep one',
      });
    }
  })
  .transform((goal): ProjectGoal =>
    goal.event_name !== undefined
      ? { name: goal.name, event_name: goal.event_name }
      : { name: goal.name, page_path: goal.page_path! },
  );

/**
 * An issue at `[index, field]` (`[index]` without a field) for each item whose `key` was seen at
 * an earlier index of `list`; an undefined key is skipped.
 */
function repeats<T>(
  list: readonly T[],
  key: (item: T) => string | undefined,
  ctx: z.core.$RefinementCtx,
  message: string,
  field?: string,
): void {
  const seen = new Set<string>();
  list.forEach((item, index) => {
    const k = key(item);
    if (k === undefined) return;
    if (seen.has(k)) ctx.addIssue({ code: 'custom', path: field ? [index, field] : [index], message });
    seen.add(k);
  });
}

/** A project's goals: names unique without regard to case, each event and each pattern once. */
export const Goals = z
  .array(Goal)
  .max(LIMITS.projectGoalsMax)
  .superRefine((goals, ctx) => {
    repeats(
      goals,
      (g) => g.name.toLowerCase(),
      ctx,
      'repeats the name of an earlier goal (names are compared without case): give each goal its own',
      'name',
    );
    repeats(
      goals,
      (g) => ('event_name' in g ? g.event_name : undefined),
      ctx,
      'repeats the event_name of an earlier goal: one goal per event',
      'event_name',
    );
    repeats(
      goals,
      (g) => ('page_path' in g ? g.page_path : undefined),
      ctx,
      'repeats the page_path of an earlier goal: one goal per pattern',
      'page_path',
    );
  });

/**
 * A client address range a project excludes (address-ranges.ts): CIDR, IPv4 or IPv6, a single
 * address as itself; normalised (`2001:DB8:0:0::/32` → `2001:db8::/32`, `198.51.100.7` →
 * `198.51.100.7/32`), or refused with the fix (address bits past the prefix, leading zeros…).
 */
export const AddressRange = z
  .string()
  .max(ADDRESS_RANGE_MAX_LENGTH)
  .transform((s, ctx) => {
    const result = normaliseAddressRange(s);
    if (result.ok) return result.range;
    ctx.addIssue({ code: 'custom', message: result.problem });
    return z.NEVER;
  });

/**
 * The whole settings of a project (PUT replaces them all; the project comes from the path).
 * `goals` and `excluded_address_ranges` may be left out, and then are empty: the body is the whole
 * settings, so a PUT without them removes the goals and ranges the project had (send back what
 * GET /v1/projects/{id}/settings answered to keep them).
 */
export const ProjectSettings = z.strictObject({
  time_zone: TimeZoneName,
  domains: z
    .array(Hostname)
    .max(LIMITS.projectDomainsMax)
    .refine((list) => new Set(list).size === list.length, { message: 'must not repeat a domain' }),
  goals: Goals.default([]),
  excluded_address_ranges: z
    .array(AddressRange)
    .max(LIMITS.excludedAddressRangesMax)
    .superRefine((list, ctx) =>
      repeats(
        list,
        (range) => range,
        ctx,
        'repeats an earlier range (once normalised): give each range once',
      ),
    )
    .default([]),
});
export type ProjectSettings = z.output<typeof ProjectSettings>;
/** The body as a client sends it: `goals` and `excluded_address_ranges` may be left out. */
export type ProjectSettingsInput = z.input<typeof ProjectSettings>;
