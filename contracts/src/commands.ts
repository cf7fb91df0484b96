/**
 * Commands: what clients ask the command side to do, validated with Zod.
 * Objects are strict: an unknown field is a 400 that names it, not a silent drop.
 *
 * Bodies reach these schemas through `parseJsonExact` (exact.ts), which has already refused what
 * cannot be stored exactly (lone surrogates, NUL, `__proto__`, inexact numbers) at every depth.
 * The event schemas check the same rule again where it is cheap (top-level strings, metadata as
 * one walk), so a value handed to them directly is held to it too. Nothing here trims or rewrites
 * a value: a string is kept as sent or refused.
 */
import { z } from 'zod';
import { ADDRESS_RANGE_MAX_LENGTH, normaliseAddressRange } from './address-ranges';
import { checkExact, formatPath, stringProblem, RESERVED_KEY } from './exact';
import { LIMITS } from './limits';
import { PROJECTIONS } from './topics';

const EARLIEST_TIMESTAMP_MS = Date.UTC(2000, 0, 1);
const LATEST_TIMESTAMP_MS = Date.UTC(2100, 0, 1);

/** A string kept exactly as sent: no lone surrogate, no NUL (PostgreSQL text and jsonb cannot hold either). */
const text = () =>
  z.string().superRefine((s, ctx) => {
    const problem = stringProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Blank (empty or only whitespace) is refused; whitespace around a value is kept, never trimmed. */
const BLANK = /^\s*$/u;
const notBlank = (s: string) => !BLANK.test(s);
const NOT_BLANK = { message: 'must not be empty or only whitespace' };

const id = text().max(LIMITS.idMaxLength).refine(notBlank, NOT_BLANK);
const url = text().max(LIMITS.urlMaxLength);

const utf8 = new TextEncoder();

export const writeKeyPattern = /^el_[A-Za-z0-9_-]{16,64}$/;
export const apiKey = z
  .string()
  .regex(writeKeyPattern, 'must be a write key: el_ followed by 16-64 letters or digits');

/** Depth of a JSON value: a scalar is 0, `{}` is 1. Iterative so hostile nesting cannot overflow the stack. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current !== null && typeof current === 'object') {
      const next = depth + 1;
      if (next > max) max = next;
      for (const child of Object.values(current)) stack.push([child, next]);
    }
  }
  return max;
}

/** The JSON text of validated metadata, made once by the byte-limit check and reused for the log. */
const metadataJsonOf = new WeakMap<object, string>();

/** Metadata as the JSON text appended to the log ("{}" when absent); serialised at most once. */
export function metadataJson(value: Record<string, unknown> | undefined): string {
  if (value === undefined) return '{}';
  return metadataJsonOf.get(value) ?? JSON.stringify(value);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/**
 * Metadata: any JSON object, at most `metadataMaxDepth` deep and `metadataMaxBytes` as JSON. One
 * iterative walk (hostile nesting gets a 400, not a stack overflow) checks depth and exactness; the
 * object is kept as it is (never rebuilt key by key, which would lose keys such as `__proto__`).
 */
export const metadata = z
  .custom<Record<string, unknown>>(isPlainObject, { message: 'must be a JSON object' })
  .superRefine((value, ctx) => {
    const { issues } = checkExact(value, { maxDepth: LIMITS.metadataMaxDepth, maxIssues: 5 });
    for (const issue of issues) {
      if (/levels deep$/.test(issue.message)) {
        ctx.addIssue({
          code: 'custom',
          message: `nested more than ${LIMITS.metadataMaxDepth} levels deep (at ${formatPath(['metadata', ...issue.path])})`,
        });
        return;
      }
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
    if (issues.length > 0) return;
    const json = JSON.stringify(value);
    const bytes = json.length * 3 <= LIMITS.metadataMaxBytes ? json.length : utf8.encode(json).length;
    if (bytes > LIMITS.metadataMaxBytes) {
      ctx.addIssue({
        code: 'custom',
        message: `is ${bytes} bytes as JSON; at most ${LIMITS.metadataMaxBytes}`,
      });
      return;
    }
    metadataJsonOf.set(value, json);
  });

/**
 * Context keys the server writes (see command-side track.ts): the client's own clock readings,
 * `bot`, the crawler or automation the request's User-Agent was recognised as, and `excluded`,
 * `"address"` on an event received from one of its project's excluded address ranges (the read
 * side leaves both out of every report: read-model's humanEvents). Clients may not send them: a
 * client's own `bot` or `excluded` would hide its events from the reports.
 */
export const BOT_CONTEXT_KEY = 'bot';
export const EXCLUDED_CONTEXT_KEY = 'excluded';
export const SERVER_CONTEXT_KEYS = [
  'client_timestamp',
  'client_sent_at',
  BOT_CONTEXT_KEY,
  EXCLUDED_CONTEXT_KEY,
] as const;
const reservedContextKeys = new Set<string>([RESERVED_KEY, ...SERVER_CONTEXT_KEYS]);

export const context = z
  .custom<Record<string, unknown>>(isPlainObject, { message: 'must be a JSON object of strings' })
  .superRefine((value, ctx) => {
    for (const key of Object.keys(value)) {
      if (reservedContextKeys.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message:
            key === RESERVED_KEY
              ? 'is a reserved key name (__proto__); rename the key'
              : 'is reserved: the server writes it (client clock readings, bot and excluded-traffic marks); do not send it',
        });
      }
    }
  })
  .pipe(
    z
      .record(text().max(64), text().max(LIMITS.contextValueMaxLength))
      .refine((value) => Object.keys(value).length <= LIMITS.contextMaxKeys, {
        message: `at most ${LIMITS.contextMaxKeys} keys`,
      }),
  );

/**
 * ISO 8601 date-time (with Z or an offset) or epoch milliseconds, normalised to epoch milliseconds.
 * Digits below the millisecond in an ISO string are dropped (truncated toward the past): the log
 * and the read models keep milliseconds.
 */
export const timestamp = z
  .union([
    z.number().int().min(EARLIEST_TIMESTAMP_MS).max(LATEST_TIMESTAMP_MS),
    z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
  ])
  .refine((ms) => ms >= EARLIEST_TIMESTAMP_MS && ms <= LATEST_TIMESTAMP_MS, {
    message: 'must be between 2000-01-01 and 2100-01-01',
  });

/** PostgreSQL returns a uuid in lowercase; an uppercase one would not read back as sent. */
const eventId = z.uuid().refine((s) => s === s.toLowerCase(), {
  message: 'must be written in lowercase (it is stored and read back in lowercase)',
});

/** The fields of one tracked event, shared by TrackEvent and the items of TrackBatch. */
const eventFields = {
  event_name: text().max(LIMITS.eventNameMaxLength).refine(notBlank, NOT_BLANK),
  metadata: metadata.optional(),
  session_id: id.optional(),
  user_id: id.optional(),
  anonymous_id: id.optional(),
  event_id: eventId.optional(),
  timestamp: timestamp.optional(),
  url: url.optional(),
  referrer: url.optional(),
  context: context.optional(),
};

/** When the client sent the request, by its own clock: lets the server correct event timestamps. */
const sentAt = timestamp.optional();

export const TrackEvent = z.strictObject({ api_key: apiKey, sent_at: sentAt, ...eventFields });
export type TrackEvent = z.infer<typeof TrackEvent>;

export const BatchItem = z.strictObject(eventFields);
export type BatchItem = z.infer<typeof BatchItem>;

export const TrackBatch = z.strictObject({
  api_key: apiKey,
  sent_at: sentAt,
  events: z.array(BatchItem).min(1).max(LIMITS.batchMaxEvents),
});
export type TrackBatch = z.infer<typeof TrackBatch>;

export const CreateProject = z.strictObject({
  name: z.string().trim().min(1).max(LIMITS.projectNameMaxLength),
});
export type CreateProject = z.infer<typeof CreateProject>;

export const ApiKeyKind = z.enum(['write', 'read']);
export type ApiKeyKind = z.infer<typeof ApiKeyKind>;

export const IssueApiKey = z.strictObject({
  project_id: z.uuid(),
  kind: ApiKeyKind,
  name: z.string().trim().min(1).max(LIMITS.keyNameMaxLength).optional(),
});
export type IssueApiKey = z.infer<typeof IssueApiKey>;

export const RevokeApiKey = z.strictObject({
  project_id: z.uuid(),
  key_id: z.uuid(),
});
export type RevokeApiKey = z.infer<typeof RevokeApiKey>;

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

export const RegisterUser = z.strictObject({
  email: z
    .email()
    .max(254)
    .transform((s) => s.toLowerCase()),
  password: z.string().min(LIMITS.passwordMinLength).max(LIMITS.passwordMaxLength),
  name: z.string().trim().min(1).max(LIMITS.projectNameMaxLength).optional(),
});
export type RegisterUser = z.infer<typeof RegisterUser>;

/** Re-inject a projection's DLQ records (the projection comes from the path). */
export const ReplayDlq = z.strictObject({
  projection: z.enum(PROJECTIONS),
});
export type ReplayDlq = z.infer<typeof ReplayDlq>;

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

export const TimeZoneName = z.string().max(64).refine(isCanonicalTimeZone, {
  message:
    'must be a canonical IANA time zone name such as Europe/Berlin or UTC (no offsets, no retired aliases such as US/Eastern, exact case)',
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

const eventName = text().max(LIMITS.eventNameMaxLength).refine(notBlank, NOT_BLANK);

/**
 * A page goal's path pattern: a path as the Stats API's `event:page` has it (starting with `/`, no
 * query string, which `event:page` never holds), with Plausible's wildcards `*` (any characters but
 * `/`) and `**` (any characters); goals.ts has the rule.
 */
const pagePath = text()
  .max(LIMITS.goalPagePathMaxLength)
  .superRefine((s, ctx) => {
    if (!s.startsWith('/'))
      ctx.addIssue({ code: 'custom', message: 'must start with / (a path such as /pricing or /blog/**)' });
    else if (s.includes('?'))
      ctx.addIssue({
        code: 'custom',
        message: 'must not hold a query string (?…): goals match the path alone, as event:page has it',
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
    name: text().min(1).max(LIMITS.goalNameMaxLength).refine(notBlank, NOT_BLANK),
    event_name: eventName.optional(),
    page_path: pagePath.optional(),
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
