/**
 * Commands: what clients ask the command side to do, validated with Zod.
 * Objects are strict: an unknown field is a 400 that names it, not a silent drop.
 */
import { z } from 'zod';
import { LIMITS } from './limits';
import { PROJECTIONS } from './topics';

const EARLIEST_TIMESTAMP_MS = Date.UTC(2000, 0, 1);
const LATEST_TIMESTAMP_MS = Date.UTC(2100, 0, 1);

/** PostgreSQL text and jsonb cannot hold U+0000: refuse it at the door rather than in a projection. */
const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';
const text = () => z.string().refine((s) => !s.includes('\u0000'), { message: NUL_MESSAGE });

const id = text().trim().min(1).max(LIMITS.idMaxLength);
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

/**
 * Metadata: any JSON object. Its depth is checked first, without recursion, and only a value that
 * passes is handed to z.json() (which recurses): hostile nesting gets a 400, not a stack overflow.
 */
export const metadata = z
  .unknown()
  .superRefine((value, ctx) => {
    const depth = jsonDepth(value);
    if (depth > LIMITS.metadataMaxDepth) {
      ctx.addIssue({
        code: 'custom',
        message: `nested ${depth} levels deep; at most ${LIMITS.metadataMaxDepth}`,
      });
    }
  })
  .pipe(
    z.record(text().max(LIMITS.idMaxLength), z.json()).superRefine((value, ctx) => {
      let hasNul = false;
      const json = JSON.stringify(value, (key: string, v: unknown) => {
        if (key.includes('\u0000') || (typeof v === 'string' && v.includes('\u0000'))) hasNul = true;
        return v;
      });
      if (hasNul) {
        ctx.addIssue({ code: 'custom', message: NUL_MESSAGE });
        return;
      }
      const bytes = utf8.encode(json).length;
      if (bytes > LIMITS.metadataMaxBytes) {
        ctx.addIssue({
          code: 'custom',
          message: `is ${bytes} bytes as JSON; at most ${LIMITS.metadataMaxBytes}`,
        });
      }
    }),
  );

export const context = z
  .record(text().max(64), text().max(LIMITS.contextValueMaxLength))
  .refine((value) => Object.keys(value).length <= LIMITS.contextMaxKeys, {
    message: `at most ${LIMITS.contextMaxKeys} keys`,
  });

/** ISO 8601 date-time or epoch milliseconds, normalised to epoch milliseconds. */
export const timestamp = z
  .union([
    z.number().int().min(EARLIEST_TIMESTAMP_MS).max(LATEST_TIMESTAMP_MS),
    z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
  ])
  .refine((ms) => ms >= EARLIEST_TIMESTAMP_MS && ms <= LATEST_TIMESTAMP_MS, {
    message: 'must be between 2000-01-01 and 2100-01-01',
  });

/** The fields of one tracked event, shared by TrackEvent and the items of TrackBatch. */
const eventFields = {
  event_name: text().trim().min(1).max(LIMITS.eventNameMaxLength),
  metadata: metadata.optional(),
  session_id: id.optional(),
  user_id: id.optional(),
  anonymous_id: id.optional(),
  event_id: z.uuid().optional(),
  timestamp: timestamp.optional(),
  url: url.optional(),
  referrer: url.optional(),
  context: context.optional(),
};

export const TrackEvent = z.strictObject({ api_key: apiKey, ...eventFields });
export type TrackEvent = z.infer<typeof TrackEvent>;

export const BatchItem = z.strictObject(eventFields);
export type BatchItem = z.infer<typeof BatchItem>;

export const TrackBatch = z.strictObject({
  api_key: apiKey,
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
