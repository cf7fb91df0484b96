/**
 * The registry codec: Avro in the Confluent wire format (magic byte 0, 4-byte big-endian schema id,
 * Avro body), schemas held in a Confluent-compatible registry under record-name subjects.
 *
 * The registry is consulted to register schemas and to learn writer schemas it has not seen; after
 * that every id and schema is cached, so a registry outage does not stop encoding or decoding of
 * known schemas. Decoding resolves the writer's schema into this build's reader schema, so records
 * written by older and newer producers coexist in a topic (invariant 6).
 */
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { TimeoutMiddleware } from 'mappersmith/middleware/timeout';
import avro from 'avsc';
import { AVRO_HISTORY } from './avro-history.generated';
import { SUBJECT_COMPATIBILITY, type CompatibilityLevel } from './compatibility';
import {
  AVRO_SCHEMAS,
  EVENT_TYPES,
  subjectOf,
  type AnyEvent,
  type AvroRecordSchema,
  type EventOf,
  type EventType,
} from './events';

export type CodecErrorCode =
  | 'NOT_WIRE_FORMAT'
  | 'UNKNOWN_SCHEMA_ID'
  | 'UNKNOWN_RECORD'
  | 'CORRUPT_PAYLOAD'
  | 'INVALID_RECORD'
  | 'SCHEMA_NOT_REGISTERED'
  | 'INCOMPATIBLE_SCHEMA'
  | 'REGISTRY_UNAVAILABLE';

export class CodecError extends Error {
  override readonly name = 'CodecError';
  constructor(
    readonly code: CodecErrorCode,
    message: string,
    /** True when the same input may succeed later (the registry was unreachable). */
    readonly transient = false,
  ) {
    super(message);
  }
}

export interface Codec {
  /**
   * Sets each subject's compatibility level and registers every published version of its schema,
   * oldest first (idempotent), and caches the ids. Returns subject → the id this codec writes with.
   */
  register(): Promise<Record<string, number>>;
  encode<T extends EventType>(type: T, value: EventOf<T>): Buffer;
  decode(buffer: Buffer): Promise<AnyEvent>;
  /** The schema id this codec writes `type` with, once registered. */
  schemaId(type: EventType): number | undefined;
}

/** HTTP basic credentials of a registry that requires them (EVENTLENS_REGISTRY_USERNAME/_PASSWORD). */
export interface RegistryAuth {
  username: string;
  password: string;
}

export interface CodecOptions {
  registryUrl: string;
  /** Basic auth sent with every registry request; none when absent. */
  auth?: RegistryAuth;
  /** One level for every subject; defaults to each subject's own (`SUBJECT_COMPATIBILITY`). */
  compatibility?: CompatibilityLevel;
  /** Injected for tests; defaults to the global fetch. */
  fetchImpl?: typeof fetch;
  /**
   * Bound of one registry request in ms (default {@link REGISTRY_REQUEST_TIMEOUT_MS}). A registry that
   * accepts the connection and never answers is then REGISTRY_UNAVAILABLE (retriable) instead of a
   * hung start-up or a partition stalled on a schema lookup.
   */
  requestTimeoutMs?: number;
  /** Subject naming; defaults to the record-name strategy. Tests pass a prefix to stay isolated. */
  subjectFor?: (type: EventType) => string;
  /**
   * Schemas to write with; defaults to this build's latest. Tests pass older or changed ones to check
   * evolution; a type given here registers only that schema, not its history.
   */
  schemas?: Partial<Record<EventType, AvroRecordSchema>>;
  /**
   * Told of every lookup in the codec's caches, for metrics (contracts depends on no metrics
   * library: the service passes counters in). A `writer_schema` miss asks the registry.
   */
  onCacheLookup?: (lookup: CacheLookup, result: 'hit' | 'miss') => void;
}

/**
 * The codec's caches: `schema_id`, the id `encode` writes a type with (a miss: not registered);
 * `writer_schema`, the schema `decode` reads an id with (a miss: fetched from the registry).
 */
export const CACHE_LOOKUPS = ['schema_id', 'writer_schema'] as const;
export type CacheLookup = (typeof CACHE_LOOKUPS)[number];

/** 10 s: far above a healthy registry's answer (ms), short enough that a hung one is noticed. */
export const REGISTRY_REQUEST_TIMEOUT_MS = 10_000;

const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

export function createCodec(options: CodecOptions): Codec {
  const levelOf = (type: EventType) => options.compatibility ?? SUBJECT_COMPATIBILITY[type];
  const doFetch = options.fetchImpl ?? fetch;
  const timeoutMs = options.requestTimeoutMs ?? REGISTRY_REQUEST_TIMEOUT_MS;
  const baseUrl = options.registryUrl.replace(/\/+$/, '');
  const registry = new SchemaRegistry({
    host: baseUrl,
    retry: { retries: 2 },
    middlewares: [TimeoutMiddleware(timeoutMs)],
    ...(options.auth ? { auth: { username: options.auth.username, password: options.auth.password } } : {}),
  });
  const authHeader: Record<string, string> = options.auth
    ? {
        authorization: `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`,
      }
    : {};
  const subjectFor = options.subjectFor ?? subjectOf;
  const writerSchemas = { ...AVRO_SCHEMAS, ...options.schemas } as Record<EventType, AvroRecordSchema>;

  const readerTypes = new Map<EventType, avro.Type>(
    EVENT_TYPES.map((type) => [type, avro.Type.forSchema(AVRO_SCHEMAS[type] as avro.Schema)]),
  );
  const writerTypes = new Map<EventType, avro.Type>(
    EVENT_TYPES.map((type) => [type, avro.Type.forSchema(writerSchemas[type] as avro.Schema)]),
  );
  /** Per type, the reader's fields that are lists of records (avsc gives their items classes of its own). */
  const recordLists = new Map<EventType, string[]>(
    EVENT_TYPES.map((type) => [
      type,
      AVRO_SCHEMAS[type].fields
        .filter((f) => (f.type as { type?: string; items?: { type?: string } }).items?.type === 'record')
        .map((f) => f.name),
    ]),
  );
  const typeByFullName = new Map<string, EventType>(EVENT_TYPES.map((type) => [subjectOf(type), type]));
  const writeIds = new Map<EventType, number>();
  /** Per writer schema id: which event it is and how to read it into this build's reader type. */
  const readers = new Map<number, Promise<{ type: EventType; resolver: avro.Resolver; reader: avro.Type }>>();

  async function setCompatibility(subject: string, compatibility: CompatibilityLevel): Promise<void> {
    // Apicurio answers GET /config/{subject} with NONE for a subject without a rule, which the
    // registry client treats as a mismatch; setting the rule first makes registration idempotent.
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}/config/${encodeURIComponent(subject)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', ...authHeader },
        body: JSON.stringify({ compatibility }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new CodecError(
        'REGISTRY_UNAVAILABLE',
        `schema registry at ${baseUrl} is unreachable: ${String(error)}`,
        true,
      );
    }
    if (response.status === 401 || response.status === 403) {
      throw new CodecError(
        'REGISTRY_UNAVAILABLE',
        `schema registry at ${baseUrl} refused ${options.auth ? 'the credentials' : 'a request without credentials'} (HTTP ${response.status}): check EVENTLENS_REGISTRY_USERNAME and EVENTLENS_REGISTRY_PASSWORD`,
      );
    }
    if (!response.ok) {
      throw new CodecError(
        'REGISTRY_UNAVAILABLE',
        `schema registry refused to set ${compatibility} on ${subject}: HTTP ${response.status} ${await response.text()}`,
        response.status >= 500,
      );
    }
  }

  async function register(): Promise<Record<string, number>> {
    const ids: Record<string, number> = {};
    for (const type of EVENT_TYPES) {
      const subject = subjectFor(type);
      const compatibility = levelOf(type);
      await setCompatibility(subject, compatibility);
      const versions = options.schemas?.[type] ? [options.schemas[type]] : AVRO_HISTORY[type];
      try {
        for (const schema of versions) {
          const { id } = await registry.register(
            { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
            { subject, compatibility: COMPATIBILITY[compatibility] },
          );
          writeIds.set(type, id);
          ids[subject] = id;
        }
      } catch (error) {
        const status = (error as { status?: number }).status;
        if (status === 409) {
          throw new CodecError(
            'INCOMPATIBLE_SCHEMA',
            `schema of ${subject} is not ${compatibility}-compatible with the registered versions: add fields with defaults instead of changing them`,
          );
        }
        throw new CodecError(
          'REGISTRY_UNAVAILABLE',
          `registering ${subject} failed: ${describe(error)}`,
          true,
        );
      }
    }
    return ids;
  }

  const onCacheLookup = options.onCacheLookup ?? (() => undefined);

  function encode<T extends EventType>(type: T, value: EventOf<T>): Buffer {
    const id = writeIds.get(type);
    onCacheLookup('schema_id', id === undefined ? 'miss' : 'hit');
    if (id === undefined) {
      throw new CodecError(
        'SCHEMA_NOT_REGISTERED',
        `${type} has no schema id yet: call codec.register() at start-up`,
      );
    }
    const writer = writerTypes.get(type)!;
    const invalid: string[] = [];
    if (!writer.isValid(value, { errorHook: (path) => invalid.push(path.join('.') || '(root)') })) {
      throw new CodecError(
        'INVALID_RECORD',
        `${type} does not match its Avro schema at: ${invalid.join(', ')}`,
      );
    }
    const body = writer.toBuffer(value);
    const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
    out.writeUInt8(MAGIC_BYTE, 0);
    out.writeUInt32BE(id, 1);
    body.copy(out, HEADER_BYTES);
    return out;
  }

  function readerFor(id: number) {
    let entry = readers.get(id);
    onCacheLookup('writer_schema', entry ? 'hit' : 'miss');
    if (!entry) {
      entry = (async () => {
        let writer: avro.Type;
        try {
          writer = (await registry.getSchema(id)) as unknown as avro.Type;
        } catch (error) {
          const status = (error as { status?: number }).status;
          if (status === 404) {
            throw new CodecError('UNKNOWN_SCHEMA_ID', `schema id ${id} is not in the registry`);
          }
          throw new CodecError(
            'REGISTRY_UNAVAILABLE',
            `fetching schema id ${id} failed: ${describe(error)}`,
            true,
          );
        }
        const type = typeByFullName.get(writer.name ?? '');
        if (!type) {
          throw new CodecError(
            'UNKNOWN_RECORD',
            `schema id ${id} is ${writer.name ?? 'unnamed'}, not an EventLens event`,
          );
        }
        const reader = readerTypes.get(type)!;
        return { type, reader, resolver: reader.createResolver(writer) };
      })();
      readers.set(id, entry);
      // A failed lookup is not cached: the registry may be back next time.
      entry.catch(() => readers.delete(id));
    }
    return entry;
  }

  async function decode(buffer: Buffer): Promise<AnyEvent> {
    const id = writerSchemaIdOf(buffer);
    if (id === null) {
      throw new CodecError(
        'NOT_WIRE_FORMAT',
        'value is not in the Confluent wire format (magic byte 0 + schema id)',
      );
    }
    const { type, reader, resolver } = await readerFor(id);
    try {
      // A plain object, not avsc's record instance (whose prototype methods strict Zod parsing rejects);
      // so are the items of a list of records (ProjectSettingsChanged's goals).
      const value = { ...(reader.fromBuffer(buffer.subarray(HEADER_BYTES), resolver) as object) } as Record<
        string,
        unknown
      >;
      for (const field of recordLists.get(type)!) {
        value[field] = (value[field] as object[]).map((item) => ({ ...item }));
      }
      return { type, value } as AnyEvent;
    } catch (error) {
      throw new CodecError('CORRUPT_PAYLOAD', `${type} body does not decode: ${describe(error)}`);
    }
  }

  return { register, encode, decode, schemaId: (type) => writeIds.get(type) };
}

/**
 * The writer's schema id of a value in the Confluent wire format (bytes 1-4, big-endian, after the
 * magic byte 0): the id `decode` reads the value with. Null when the value is not in that format.
 * Pure and registry-free, for counting the records of each contract version (projections' ops).
 */
export function writerSchemaIdOf(buffer: Buffer | null | undefined): number | null {
  if (!Buffer.isBuffer(buffer) || buffer.length < HEADER_BYTES || buffer.readUInt8(0) !== MAGIC_BYTE)
    return null;
  return buffer.readUInt32BE(1);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
