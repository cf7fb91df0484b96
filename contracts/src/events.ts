/**
 * Events: the facts appended to the log, as Avro records (the wire contract, registered in the
 * schema registry) and as Zod schemas (the TypeScript contract). `events.unit.test.ts` fails when
 * the two disagree, so a field cannot be added to one and forgotten in the other.
 *
 * Evolving a record: add a field with a default (a union with "null" first and default null),
 * never rename or retype one. The registry's BACKWARD check enforces it.
 */
import { z } from 'zod';

export const AVRO_NAMESPACE = 'dev.eventlens';

type AvroField = { name: string; type: unknown; default?: unknown; doc?: string };
export type AvroRecordSchema = {
  type: 'record';
  name: string;
  namespace: string;
  doc?: string;
  fields: AvroField[];
};

const nullable = (type: unknown) => ({ type: ['null', type], default: null });
const timestampMs = { type: 'long', logicalType: 'timestamp-millis' };

const record = (name: string, doc: string, fields: AvroField[]): AvroRecordSchema => ({
  type: 'record',
  name,
  namespace: AVRO_NAMESPACE,
  doc,
  fields,
});

export const AVRO_SCHEMAS = {
  EventTracked: record('EventTracked', 'One analytics event accepted by the ingestion API.', [
    { name: 'event_id', type: 'string', doc: 'Client-generated UUID; read models count each id once.' },
    { name: 'project_id', type: 'string' },
    { name: 'event_name', type: 'string' },
    { name: 'session_id', ...nullable('string') },
    { name: 'user_id', ...nullable('string') },
    { name: 'anonymous_id', ...nullable('string') },
    { name: 'timestamp', type: timestampMs, doc: 'When the event happened, as the client says.' },
    { name: 'received_at', type: timestampMs, doc: 'When the ingestion API accepted it.' },
    { name: 'url', ...nullable('string') },
    { name: 'referrer', ...nullable('string') },
    { name: 'metadata_json', type: 'string', doc: 'The metadata object as JSON text ("{}" when absent).' },
    { name: 'context', type: { type: 'map', values: 'string' }, default: {} },
  ]),
  ProjectCreated: record('ProjectCreated', 'A project, the tenant every event belongs to.', [
    { name: 'project_id', type: 'string' },
    { name: 'name', type: 'string' },
    { name: 'created_at', type: timestampMs },
    { name: 'created_by', ...nullable('string') },
  ]),
  ApiKeyIssued: record('ApiKeyIssued', 'A write or read key. Only its SHA-256 hash is in the log.', [
    { name: 'key_id', type: 'string' },
    { name: 'project_id', type: 'string' },
    { name: 'kind', type: { type: 'enum', name: 'ApiKeyKind', symbols: ['write', 'read'] } },
    { name: 'name', type: 'string' },
    { name: 'key_hash', type: 'string', doc: 'Hex SHA-256 of the key.' },
    {
      name: 'key_prefix',
      type: 'string',
      doc: 'The first characters of the key, to recognise it in a list.',
    },
    { name: 'issued_at', type: timestampMs },
  ]),
  ApiKeyRevoked: record('ApiKeyRevoked', 'A key that must no longer be accepted.', [
    { name: 'key_id', type: 'string' },
    { name: 'project_id', type: 'string' },
    { name: 'revoked_at', type: timestampMs },
  ]),
  UserRegistered: record('UserRegistered', 'A console user.', [
    { name: 'user_id', type: 'string' },
    { name: 'email', type: 'string' },
    { name: 'name', ...nullable('string') },
    { name: 'password_hash', type: 'string', doc: 'scrypt$N$r$p$salt$hash, never the password.' },
    { name: 'registered_at', type: timestampMs },
  ]),
  DlqReplayRequested: record(
    'DlqReplayRequested',
    "An operator asked to re-inject a projection's DLQ records into its first retry topic.",
    [
      { name: 'request_id', type: 'string', doc: 'UUID; the ops worker replays once per request id.' },
      { name: 'projection', type: 'string' },
      { name: 'requested_at', type: timestampMs },
      { name: 'requested_by', ...nullable('string'), doc: 'The console user, null for the admin token.' },
    ],
  ),
  ConsoleSessionStarted: record(
    'ConsoleSessionStarted',
    'A console user logged in: the session id is carried by the signed session token.',
    [
      { name: 'session_id', type: 'string', doc: 'UUID, the `sid` of the token.' },
      { name: 'user_id', type: 'string' },
      { name: 'started_at', type: timestampMs },
      { name: 'expires_at', type: timestampMs, doc: 'When the token expires whatever happens.' },
      {
        name: 'user_agent',
        ...nullable('string'),
        doc: 'The browser that logged in, cut to 256 characters.',
      },
    ],
  ),
  ConsoleSessionRevoked: record(
    'ConsoleSessionRevoked',
    'A console session that must no longer be accepted (a logout, or revoked from another session).',
    [
      { name: 'session_id', type: 'string' },
      { name: 'user_id', type: 'string' },
      { name: 'revoked_at', type: timestampMs },
      { name: 'revoked_by', ...nullable('string'), doc: 'The session that revoked it, null when unknown.' },
    ],
  ),
} as const satisfies Record<string, AvroRecordSchema>;

export type EventType = keyof typeof AVRO_SCHEMAS;
export const EVENT_TYPES = Object.keys(AVRO_SCHEMAS) as EventType[];

/** Record-name subject strategy: the subject is the record's full name, whatever topic carries it. */
export function subjectOf(type: EventType): string {
  return `${AVRO_NAMESPACE}.${type}`;
}

const ms = z.number().int();

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
} as const satisfies Record<EventType, z.ZodType>;

export type EventTracked = z.infer<typeof EVENT_SCHEMAS.EventTracked>;
export type ProjectCreated = z.infer<typeof EVENT_SCHEMAS.ProjectCreated>;
export type ApiKeyIssued = z.infer<typeof EVENT_SCHEMAS.ApiKeyIssued>;
export type ApiKeyRevoked = z.infer<typeof EVENT_SCHEMAS.ApiKeyRevoked>;
export type UserRegistered = z.infer<typeof EVENT_SCHEMAS.UserRegistered>;
export type DlqReplayRequested = z.infer<typeof EVENT_SCHEMAS.DlqReplayRequested>;
export type ConsoleSessionStarted = z.infer<typeof EVENT_SCHEMAS.ConsoleSessionStarted>;
export type ConsoleSessionRevoked = z.infer<typeof EVENT_SCHEMAS.ConsoleSessionRevoked>;

export type EventOf<T extends EventType> = z.infer<(typeof EVENT_SCHEMAS)[T]>;
/** A decoded record: its type (from the writer's schema name) and its value. */
export type AnyEvent = { [T in EventType]: { type: T; value: EventOf<T> } }[EventType];
