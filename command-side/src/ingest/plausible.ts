/**
 * POST /api/event: Plausible's Events API (https://plausible.io/docs/events-api), so a site running
 * Plausible's script can send to EventLens by pointing the script at it (docs/plausible.md). Pure:
 * reading the payload, finding the project its `domain` names (a declared domain or a write key),
 * deriving the visitor and visit, mapping to the contract's event. The route itself is mounted with
 * the other ingestion routes (routes.ts) and shares their write-key check, rate limit, bot
 * classification, excluded address ranges and append.
 *
 * Plausible's script sends short keys (`n`, `u`, `d`, `r`, `p`, `i`, `$`) as `text/plain`; its
 * Events API documents the long ones (`name`, `url`, `domain`, `referrer`, `props`, `interactive`,
 * `revenue`). Both are read; the script's older `m`/`meta` (props as a JSON string) too, and the
 * engagement event's `e` (its time on the page in ms) and `sd` (how far down the page was scrolled,
 * in percent). Other keys (`w` the viewport width, `h` hash mode, `v` the script version) are
 * ignored, as Plausible ignores what it does not know.
 */
import { createHmac } from 'node:crypto';
import { BatchItem, formatPath, LIMITS, parseJsonExact } from '@eventlens/contracts';
import { z } from 'zod';
import type { KeyDirectory } from '../admin/directory';
import { invalidFields, type FieldError } from '../errors';

/** The fields as Plausible names them, each with its short alias(es) — the first one present is read. */
const ALIASES = {
  name: ['name', 'n'],
  url: ['url', 'u'],
  domain: ['domain', 'd'],
  referrer: ['referrer', 'r'],
  props: ['props', 'p', 'meta', 'm'],
  interactive: ['interactive', 'i'],
  revenue: ['revenue', '$'],
  engagementTime: ['e'],
  scrollDepth: ['sd'],
} as const;

const item = BatchItem.shape;

const DOMAIN_REQUIRED =
  'is required: a domain the project declares (data-domain="example.com"), or its write key';

/** A Plausible event as read (long names). Rules of the contract's own fields where they meet it. */
export const PlausibleEvent = z
  .object({
    name: item.event_name,
    url: item.url.unwrap(),
    /** A domain the project declares in its settings, or the project's write key (`siteOf`). */
    domain: z
      .string({ error: (issue) => (issue.input === undefined ? DOMAIN_REQUIRED : undefined) })
      .min(1, DOMAIN_REQUIRED),
    /** The script sends `null` (and a browser may give "") when there is none. */
    referrer: item.referrer.unwrap().nullish(),
    props: item.metadata.unwrap().nullish(),
    interactive: z.boolean().optional(),
    revenue: z
      .strictObject({
        amount: z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal number')], {
          // Neither a number nor a string ("Invalid input" by default): say what it takes.
          error: 'must be a number or a decimal string ("12.50")',
        }),
        // Three letters in any case (a code is case-insensitive, and a shop's `eur` must not cost
        // the purchase): kept in its canonical upper case (toBatchItem).
        currency: z.string().regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 code of three letters (EUR)'),
      })
      .nullish(),
    /**
     * `e`: the ms the page was engaged with, on the `engagement` event of Plausible's newer script
     * (its tracker's `engagement_time`). Becomes the page_leave's `metadata.duration_ms`.
     */
    engagementTime: z
      .number()
      .int('must be whole milliseconds')
      .min(0, 'must be whole milliseconds, 0 or more')
      .max(Number.MAX_SAFE_INTEGER, 'must be whole milliseconds')
      .optional(),
    /**
     * `sd`: how far down the page was scrolled at most, in percent, on the `engagement` event of
     * Plausible's newer script. Becomes the page_leave's `metadata.scroll_depth`, as sent: the Stats
     * API's `scroll_depth` leaves out a depth over 100, as Plausible's does.
     */
    scrollDepth: z
      .number()
      .int('must be a whole percent')
      .min(0, 'must be a whole percent, 0 or more')
      .max(Number.MAX_SAFE_INTEGER, 'must be a whole percent')
      .optional(),
  })
  .meta({
    id: 'PlausibleEvent',
    description:
      "Plausible's Events API payload. Short keys (`n`, `u`, `d`, `r`, `p`, `m`, `i`, `$`), as Plausible's script sends them, are read as the long ones, `e` (an engagement event's milliseconds on the page) as engagementTime and `sd` (its scroll depth in percent) as scrollDepth; others are ignored.",
  });
export type PlausibleEvent = z.infer<typeof PlausibleEvent>;

/**
 * The payload read into long names, validated. A failure is a 400 INVALID_FIELD naming each field
 * as the request spelled it (`n`, not `name`). Props sent as a JSON string (`m`, older scripts) are
 * parsed with the contracts' exactness rule.
 */
export function readPlausibleEvent(body: unknown): PlausibleEvent {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidFields([{ field: 'body', message: 'must be a JSON object' }]);
  }
  const fields = body as Record<string, unknown>;
  const input: Record<string, unknown> = {};
  const sentAs: Record<string, string> = {};
  const errors: FieldError[] = [];
  for (const [field, keys] of Object.entries(ALIASES)) {
    const key = keys.find((k) => Object.hasOwn(fields, k) && fields[k] !== undefined);
    if (key === undefined) continue;
    sentAs[field] = key;
    let value = fields[key];
    if (field === 'props' && typeof value === 'string') {
      const parsed = parseJsonExact(value, { maxDepth: LIMITS.metadataMaxDepth + 1 });
      if (!parsed.ok) {
        // JSON that cannot be kept exactly is told why, at its path, as props sent as an object are.
        if ('issues' in parsed)
          for (const issue of parsed.issues.slice(0, 5))
            errors.push({ field: formatPath([key, ...issue.path]), message: issue.message });
        else errors.push({ field: key, message: 'must be a JSON object, or JSON text of one' });
        continue;
      }
      value = parsed.value;
    }
    input[field] = value;
  }
  const result = PlausibleEvent.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const [first, ...rest] = issue.path;
      const head = typeof first === 'string' ? (sentAs[first] ?? first) : 'body';
      const tail = rest.map((segment) =>
        typeof segment === 'number' ? `[${segment}]` : `.${String(segment)}`,
      );
      errors.push({ field: head + tail.join(''), message: issue.message });
    }
  }
  // The URL's utm_* values become context values (toBatchItem): they are held to the contract's
  // rule for those (no NUL, at most LIMITS.contextValueMaxLength), named by the URL as sent.
  if (result.success) {
    const utm = item.context.unwrap().safeParse(utmOf(result.data.url));
    for (const issue of utm.success ? [] : utm.error.issues)
      errors.push({
        field: sentAs.url ?? 'url',
        message: `its query's ${String(issue.path[0])}, decoded, ${issue.message}`,
      });
  }
  if (errors.length > 0) throw invalidFields(errors);
  return result.data!;
}

/**
 * The `utm_*` values of `url`'s query string, decoded, under the context keys the SDK sends them
 * with (an empty or absent one is left out). `url` is a URL the contract took; one it cannot parse
 * (a relative one) has none.
 */
export function utmOf(url: string): Record<string, string> {
  const query = URL.canParse(url) ? new URL(url).searchParams : undefined;
  const utm: Record<string, string> = {};
  for (const key of UTM_KEYS) {
    const value = query?.get(key);
    if (value) utm[key] = value;
  }
  return utm;
}

/** The key `body` sent `field` under (`d` for `domain` from the script), or the long name if none. */
export function sentAs(body: unknown, field: keyof typeof ALIASES): string {
  if (body === null || typeof body !== 'object') return field;
  const fields = body as Record<string, unknown>;
  return ALIASES[field].find((k) => Object.hasOwn(fields, k) && fields[k] !== undefined) ?? field;
}

/** Who an event's `domain` names: a write key (checked as every ingestion route checks one) or a declared domain's project. */
export type Site = { by: 'key'; apiKey: string } | { by: 'domain'; domain: string; projectId: string };

/** A write key's or a read key's form (contracts' `generateApiKey`): never a host name, which has no `_`. */
const KEY_FORM = /^elr?_/;

/**
 * The project `domain` names, as Plausible finds a site by its domain:
 *
 * - a value in a key's form (`el_…`, `elr_…`) is a key, for the caller to authenticate (401 for an
 *   unknown, revoked or read key, as `/v1/events` answers);
 * - otherwise a host name some project declares in its settings (`domains`, compared in lowercase
 *   as they are stored), looked up in the directory: that project's;
 * - otherwise a 400 INVALID_FIELD naming the field as sent (`field`: `d` or `domain`) and the fix.
 *   Plausible's comma-separated list of several sites (`data-domain="a.com,b.com"`) gets a message
 *   of its own: an event goes to one project.
 *
 * A declared domain is the project's public identity, as the write key is: it lets a sender append
 * events to that project and nothing more (docs/plausible.md, "Which project an event goes to").
 */
export function siteOf(domain: string, field: string, directory: Pick<KeyDirectory, 'domainOwner'>): Site {
  if (KEY_FORM.test(domain)) return { by: 'key', apiKey: domain };
  const host = domain.toLowerCase();
  const projectId = directory.domainOwner(host);
  if (projectId !== undefined) return { by: 'domain', domain: host, projectId };
  const message = domain.includes(',')
    ? `names several sites (${JSON.stringify(domain)}); an event goes to one project: set data-domain to one domain the project declares, or to its write key`
    : `${JSON.stringify(domain)} is no domain a project declares: add it to the project's settings (domains, PUT /v1/admin/projects/{project_id}/settings), or send the project's write key (el_…)`;
  throw invalidFields([{ field, message }]);
}

/** The visitor and the visit Plausible's script does not send, derived on the server (`visitorOf`). */
export interface Visitor {
  anonymousId: string;
  sessionId: string;
}

const DAY_MS = 86_400_000;

/** YYYY-MM-DD of an epoch-ms time, in UTC: the day a salt is for. */
export function utcDay(at: number): string {
  return new Date(Math.floor(at / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Plausible's unique-visitor counting without cookies (its data policy): a hash of a daily salt,
 * the site, the client address and the User-Agent; the address is never stored. Here the site is
 * the project, the salt of a UTC day is HMAC-SHA256(secret, "plausible-visitor-salt:<day>") —
 * derived, not random, so every instance computes the same one without sharing state — and
 *
 * - `anonymousId` = `pv_` + 32 hex of HMAC-SHA256(salt, "visitor\n<project>\n<address>\n<User-Agent>"):
 *   the same for the same address and browser all day, different the next day (a returning
 *   visitor is a new one each day, as in Plausible);
 * - `sessionId` = `ps_` + 32 hex of HMAC-SHA256(salt, "visit\n" + the same): one visit per visitor
 *   and UTC day. Stateless on purpose: Plausible ends a visit after 30 minutes of inactivity, which
 *   needs the last-seen time of every visitor shared by all instances; a per-process map would split
 *   one visit across instances behind a load balancer.
 */
export function visitorOf(
  secret: string,
  at: number,
  projectId: string,
  address: string | undefined,
  userAgent: string | undefined,
): Visitor {
  const salt = createHmac('sha256', secret)
    .update(`plausible-visitor-salt:${utcDay(at)}`)
    .digest();
  const who = `${projectId}\n${address ?? ''}\n${userAgent ?? ''}`;
  const hash = (purpose: string) =>
    createHmac('sha256', salt).update(`${purpose}\n${who}`).digest('hex').slice(0, 32);
  return { anonymousId: `pv_${hash('visitor')}`, sessionId: `ps_${hash('visit')}` };
}

const ENGAGEMENT = 'engagement';

/** Plausible's page view, and the engagement event its newer script sends when a page is hidden or left. */
const NAMES: Record<string, string> = { pageview: 'page_view', [ENGAGEMENT]: 'page_leave' };

const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;

/**
 * The contract's event for a Plausible one:
 *
 * - `pageview` → `page_view`; `engagement` (time on page, sent as the page is left) → `page_leave`,
 *   the SDK's own end-of-view event, which the read models do not count as an interaction; any
 *   other name is kept as the custom event's name.
 * - `url`, `referrer` as sent (`null` or "" is none); `props` → `metadata`, exactly as sent.
 * - an engagement's `e` → `metadata.duration_ms` and `sd` → `metadata.scroll_depth`, the SDK's
 *   page_leave fields the Stats API's `time_on_page` and `scroll_depth` read, beside the props (a
 *   prop of that name, sent by the page, is kept instead). On another event `e` and `sd` mean
 *   nothing to Plausible and are dropped here too.
 * - `interactive: false` → the context marker `interactive: "false"`, kept with the event (see
 *   docs/plausible.md for how the reports treat it). `revenue` → context `revenue_amount` (as
 *   sent) and `revenue_currency` (its ISO 4217 code in upper case: `eur` is `EUR`).
 * - `utm_*` of the URL's query → the context keys the SDK sends them under, so the reports' sources
 *   read the same for both senders (`utmOf`; a value the contract would refuse in `context` was
 *   refused by readPlausibleEvent, naming the URL).
 * - `event_id`: a random uuid — Plausible sends none, so a retried request counts twice.
 */
export function toBatchItem(event: PlausibleEvent, visitor: Visitor, newId: () => string): BatchItem {
  // Checked by readPlausibleEvent against the contract's rule for context values.
  const context: Record<string, string> = utmOf(event.url);
  if (event.interactive === false) context.interactive = 'false';
  if (event.revenue) {
    context.revenue_amount = String(event.revenue.amount);
    context.revenue_currency = event.revenue.currency.toUpperCase();
  }
  const props = event.props ?? undefined;
  const engagement: Record<string, number> = {};
  if (event.name === ENGAGEMENT) {
    const fields = { duration_ms: event.engagementTime, scroll_depth: event.scrollDepth };
    for (const [key, value] of Object.entries(fields))
      if (value !== undefined && !Object.hasOwn(props ?? {}, key)) engagement[key] = value;
  }
  const metadata = Object.keys(engagement).length > 0 ? { ...props, ...engagement } : props;
  return {
    event_name: NAMES[event.name] ?? event.name,
    event_id: newId(),
    anonymous_id: visitor.anonymousId,
    session_id: visitor.sessionId,
    url: event.url,
    ...(event.referrer ? { referrer: event.referrer } : {}),
    ...(metadata ? { metadata } : {}),
    ...(Object.keys(context).length > 0 ? { context } : {}),
  };
}
