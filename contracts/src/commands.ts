/**
 * Commands: what clients ask the command side to do, validated with Zod.
 * Objects are strict: an unknown field is a 400 that names it, not a silent drop.
 *
 * Bodies reach these schemas through `parseJsonExact` (exact.ts), which has already refused what
 * cannot be stored exactly (lone surrogates, NUL, `__proto__`, inexact numbers) at every depth.
 * The event schemas check the same rule again where it is cheap (top-level strings, metadata as
 * one walk), so a value handed to them directly is held to it too. Nothing here trims or rewrites
 * a value: a string is kept as sent or refused.
 *
 * The project settings and public link commands are in settings.ts; `text`, `notBlank` and
 * `NOT_BLANK` are exported for it (index.ts does not re-export them).
 */
import { z } from 'zod';
import { checkExact, formatPath, stringProblem, RESERVED_KEY } from './exact';
import { LIMITS } from './limits';
import { PROJECTIONS } from './topics';

/**
 * The instants an event's timestamp may name, epoch milliseconds, both included: 2000-01-01 to
 * 2100-01-01 UTC. The Stats API's calendar follows them (query-side stats/dates.ts).
 */
export const EARLIEST_TIMESTAMP_MS = Date.UTC(2000, 0, 1);
export const LATEST_TIMESTAMP_MS = Date.UTC(2100, 0, 1);

/**
 * A string kept exactly as sent: no lone surrogate, no NUL (PostgreSQL text and jsonb cannot hold
 * either); with `max`, at most that many UTF-16 code units, as LIMITS counts them (JavaScript's
 * `length`: an emoji or a CJK Extension B character counts 2). The projection checks the same
 * counts again and the read models' index budgets assume them (an id of 200 units is at most 600
 * bytes of UTF-8). Zod's own `max` counts code points since 4.6, which let an id of 200 emoji (400
 * units, 800 bytes) through, to be dead-lettered after its 202; it is kept for the API document's
 * `maxLength`, with the same message.
 */
const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

export const text = (max?: number) => {
  const string = z.string().superRefine((s, ctx) => {
    const problem = stringProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
  if (max === undefined) return string;
  const message = `must be at most ${max.toLocaleString('en-US')} characters (UTF-16 code units: an emoji counts 2)`;
  // Zod's max refuses what has too many code points; this, what has few enough of them but too many
  // units (one issue either way).
  return string.max(max, message).refine((s) => s.length <= max || codePoints(s) > max, { message });
};

/** Blank (empty or only whitespace) is refused; whitespace around a value is kept, never trimmed. */
const BLANK = /^\s*$/u;
export const notBlank = (s: string) => !BLANK.test(s);
export const NOT_BLANK = { message: 'must not be empty or only whitespace' };

const id = text(LIMITS.idMaxLength).refine(notBlank, NOT_BLANK);
const url = text(LIMITS.urlMaxLength);

const utf8 = new TextEncoder();

export const writeKeyPattern = /^el_[A-Za-z0-9_-]{16,64}$/;
export const apiKey = z
  .string()
  .regex(writeKeyPattern, 'must be a write key: el_ followed by 16-64 letters, digits, - or _');

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
      .record(text(64), text(LIMITS.contextValueMaxLength))
      .refine((value) => Object.keys(value).length <= LIMITS.contextMaxKeys, {
        message: `at most ${LIMITS.contextMaxKeys} keys`,
      }),
  );

/**
 * ISO 8601 date-time (with Z or an offset) or epoch milliseconds, normalised to epoch milliseconds.
 * Digits below the millisecond in an ISO string are dropped (truncated toward the past): the log
 * and the read models keep milliseconds.
 */
const TIMESTAMP_FORMS =
  'must be an ISO 8601 date-time with Z or an offset (2024-01-31T12:00:00.000Z), or whole epoch milliseconds (1706702400000)';
const TIMESTAMP_RANGE = 'must be between 2000-01-01 and 2100-01-01';
export const timestamp = z
  .union(
    [
      z
        .number()
        .int(TIMESTAMP_FORMS)
        .min(EARLIEST_TIMESTAMP_MS, TIMESTAMP_RANGE)
        .max(LATEST_TIMESTAMP_MS, TIMESTAMP_RANGE),
      z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
    ],
    // Neither form (Zod's default is "Invalid input" with each alternative's complaint): both forms.
    { error: TIMESTAMP_FORMS },
  )
  .refine((ms) => ms >= EARLIEST_TIMESTAMP_MS && ms <= LATEST_TIMESTAMP_MS, { message: TIMESTAMP_RANGE });

/** PostgreSQL returns a uuid in lowercase; an uppercase one would not read back as sent. */
const eventId = z.uuid().refine((s) => s === s.toLowerCase(), {
  message: 'must be written in lowercase (it is stored and read back in lowercase)',
});

/** The fields of one tracked event, shared by TrackEvent and the items of TrackBatch. */
const eventFields = {
  event_name: text(LIMITS.eventNameMaxLength).refine(notBlank, NOT_BLANK),
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
  events: z
    .array(BatchItem)
    .min(1)
    .max(LIMITS.batchMaxEvents)
    .superRefine((events, ctx) => {
      // An event id names one event, and the read models keep the first event of an id: a batch
      // that gives one id to two different events would have the second accepted and never kept.
      // The same event twice (a client's retry merged in) is harmless and taken.
      const firstOf = new Map<string, number>();
      events.forEach((event, i) => {
        if (event.event_id === undefined) return;
        const first = firstOf.get(event.event_id);
        if (first === undefined) firstOf.set(event.event_id, i);
        else if (JSON.stringify(events[first]) !== JSON.stringify(event))
          ctx.addIssue({
            code: 'custom',
            path: [i, 'event_id'],
            message: `is events[${first}]'s, whose event differs: an event id names one event, and only the first of an id is kept; give each event its own id`,
          });
      });
    }),
});
export type TrackBatch = z.infer<typeof TrackBatch>;

export const CreateProject = z.strictObject({
  name: text(LIMITS.projectNameMaxLength).refine(notBlank, NOT_BLANK),
});
export type CreateProject = z.infer<typeof CreateProject>;

export const ApiKeyKind = z.enum(['write', 'read']);
export type ApiKeyKind = z.infer<typeof ApiKeyKind>;

export const IssueApiKey = z.strictObject({
  project_id: z.uuid(),
  kind: ApiKeyKind,
  name: text(LIMITS.keyNameMaxLength).refine(notBlank, NOT_BLANK).optional(),
});
export type IssueApiKey = z.infer<typeof IssueApiKey>;

export const RevokeApiKey = z.strictObject({
  project_id: z.uuid(),
  key_id: z.uuid(),
});
export type RevokeApiKey = z.infer<typeof RevokeApiKey>;

export const RegisterUser = z.strictObject({
  email: z
    .email()
    .max(254)
    .transform((s) => s.toLowerCase()),
  password: z.string().min(LIMITS.passwordMinLength).max(LIMITS.passwordMaxLength),
  name: text(LIMITS.projectNameMaxLength).refine(notBlank, NOT_BLANK).optional(),
});
export type RegisterUser = z.infer<typeof RegisterUser>;

/** Re-inject a projection's DLQ records (the projection comes from the path). */
export const ReplayDlq = z.strictObject({
  projection: z.enum(PROJECTIONS),
});
export type ReplayDlq = z.infer<typeof ReplayDlq>;
