/**
 * Events: the facts appended to the log, as Avro records (the wire contract, registered in the
 * schema registry) and as Zod schemas (the TypeScript contract). `events.unit.test.ts` fails when
 * the two disagree, so a field cannot be added to one and forgotten in the other.
 *
 * Evolving a record: add a version file with a field that has a default (a union with "null" first
 * and default null), never rename or retype one (docs/contracts.md). The local check
 * (`npm run contracts -- check`) and the registry enforce each subject's level (compatibility.ts).
 */
import { z } from 'zod';
import { AVRO_HISTORY } from './avro-history.generated';

export const AVRO_NAMESPACE = 'dev.eventlens';

type AvroField = { name: string; type: unknown; default?: unknown; doc?: string; aliases?: string[] };
export type AvroRecordSchema = {
  type: 'record';
  name: string;
  namespace: string;
  doc?: string;
  fields: AvroField[];
};

/**
 * Every Avro contract at its latest published version. The history (every version, oldest first)
 * is the files `contracts/avro/<Record>/v<n>.avsc`, loaded through the module generated from them.
 */
export const AVRO_SCHEMAS = latestOf(AVRO_HISTORY);

function latestOf<H extends Record<string, AvroRecordSchema[]>>(
  history: H,
): { [K in keyof H]: AvroRecordSchema } {
  return Object.fromEntries(
    Object.entries(history).map(([name, versions]) => [name, versions.at(-1)]),
  ) as never;
}

export type EventType = keyof typeof AVRO_SCHEMAS;
export const EVENT_TYPES = Object.keys(AVRO_SCHEMAS) as EventType[];

/** Record-name subject strategy: the subject is the record's full name, whatever topic carries it. */
export function subjectOf(type: EventType): string {
  return `${AVRO_NAMESPACE}.${type}`;
}

const ms = z.number().int();
/** A field added after v1: nullable, null when absent (its Avro default), so producers may leave it out. */
const added = <T extends z.ZodType>(type: T) => type.nullable().default(null);

export const EVENT_SCHEMAS = {
  EventTracked: z.strictObject({
    event_id: z.string(),
    project_id: z.string(),
    event_name: z.string(),
    session_id: z.string().nullable(),
    user_id: z.string().nullable(),
    anonymous_id: z.string().nullable(),
    timestamp: ms,
    received_at: ms,
    url: z.string().nullable(),
    referrer: z.string().nullable(),
    metadata_json: z.string(),
    context: z.record(z.string(), z.string()),
    // v2: typed page context and fields derived from the request; null when unknown or written as v1.
    page_title: added(z.string()),
    utm_source: added(z.string()),
    utm_medium: added(z.string()),
    utm_campaign: added(z.string()),
    utm_term: added(z.string()),
    utm_content: added(z.string()),
    screen_width: added(z.number().int()),
    screen_height: added(z.number().int()),
    language: added(z.string()),
    time_zone: added(z.string()),
    client_sent_at: added(ms),
    browser: added(z.string()),
    browser_version: added(z.string()),
    os: added(z.string()),
    os_version: added(z.string()),
    device_type: added(z.string()),
    country: added(z.string()),
  }),
  ProjectCreated: z.strictObject({
    project_id: z.string(),
    name: z.string(),
    created_at: ms,
    created_by: z.string().nullable(),
  }),
  ApiKeyIssued: z.strictObject({
    key_id: z.string(),
    project_id: z.string(),
    kind: z.enum(['write', 'read']),
    name: z.string(),
    key_hash: z.string(),
    key_prefix: z.string(),
    issued_at: ms,
  }),
  ApiKeyRevoked: z.strictObject({
    key_id: z.string(),
    project_id: z.string(),
    revoked_at: ms,
  }),
  UserRegistered: z.strictObject({
    user_id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    password_hash: z.string(),
    registered_at: ms,
  }),
  DlqReplayRequested: z.strictObject({
    request_id: z.string(),
    projection: z.string(),
    requested_at: ms,
    requested_by: z.string().nullable(),
  }),
  ConsoleSessionStarted: z.strictObject({
    session_id: z.string(),
    user_id: z.string(),
    started_at: ms,
    expires_at: ms,
    user_agent: z.string().nullable(),
  }),
  ConsoleSessionRevoked: z.strictObject({
    session_id: z.string(),
    user_id: z.string(),
    revoked_at: ms,
    revoked_by: z.string().nullable(),
  }),
  // Full replacement: each record carries every setting, so the latest record of a project is its state.
  ProjectSettingsChanged: z.strictObject({
    project_id: z.string(),
    time_zone: z.string(),
    domains: z.array(z.string()),
    changed_at: ms,
    changed_by: z.string().nullable(),
    // v2: lists, empty when absent (their Avro default) and for records written as v1.
    goals: z
      .array(
        z.strictObject({
          name: z.string(),
          event_name: added(z.string()),
          page_path: added(z.string()),
        }),
      )
      .default([]),
    excluded_address_ranges: z.array(z.string()).default([]),
  }),
  // A public dashboard link: the token's hash and prefix only, never the token (share.ts).
  PublicLinkCreated: z.strictObject({
    link_id: z.string(),
    project_id: z.string(),
    token_hash: z.string(),
    token_prefix: z.string(),
    password_hash: z.string().nullable(),
    created_at: ms,
    created_by: z.string().nullable(),
  }),
  PublicLinkRevoked: z.strictObject({
    link_id: z.string(),
    project_id: z.string(),
    revoked_at: ms,
    revoked_by: z.string().nullable(),
  }),
} as const satisfies Record<EventType, z.ZodType>;

/** An EventTracked as a producer gives it: the fields added after v1 may be left out (they are then null). */
export type EventTracked = z.input<typeof EVENT_SCHEMAS.EventTracked>;
export type ProjectCreated = z.infer<typeof EVENT_SCHEMAS.ProjectCreated>;
export type ApiKeyIssued = z.infer<typeof EVENT_SCHEMAS.ApiKeyIssued>;
export type ApiKeyRevoked = z.infer<typeof EVENT_SCHEMAS.ApiKeyRevoked>;
export type UserRegistered = z.infer<typeof EVENT_SCHEMAS.UserRegistered>;
export type DlqReplayRequested = z.infer<typeof EVENT_SCHEMAS.DlqReplayRequested>;
export type ConsoleSessionStarted = z.infer<typeof EVENT_SCHEMAS.ConsoleSessionStarted>;
export type ConsoleSessionRevoked = z.infer<typeof EVENT_SCHEMAS.ConsoleSessionRevoked>;
export type ProjectSettingsChanged = z.infer<typeof EVENT_SCHEMAS.ProjectSettingsChanged>;
export type PublicLinkCreated = z.infer<typeof EVENT_SCHEMAS.PublicLinkCreated>;
export type PublicLinkRevoked = z.infer<typeof EVENT_SCHEMAS.PublicLinkRevoked>;
/** A goal as ProjectSettingsChanged v2 carries it: exactly one of `event_name` and `page_path` is set. */
export type ProjectGoalRecord = ProjectSettingsChanged['goals'][number];

/** An event as a producer gives it (fields with a default may be left out). */
export type EventOf<T extends EventType> = z.input<(typeof EVENT_SCHEMAS)[T]>;
/** A decoded record: its type (from the writer's schema name) and its value, every field present. */
export type AnyEvent = {
  [T in EventType]: { type: T; value: z.output<(typeof EVENT_SCHEMAS)[T]> };
}[EventType];
