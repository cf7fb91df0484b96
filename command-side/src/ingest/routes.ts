/**
 * POST /v1/events and POST /v1/batch: parse exactly (a value that could not be read back as sent
 * is refused, see http/body.ts), validate, authenticate the write key, rate-limit, correct event
 * times for the client's clock (track.ts), append, and answer 202 only once Kafka has acknowledged
 * every record of the request.
 */
import { randomBytes } from 'node:crypto';
import { BatchItem, LIMITS, TrackBatch, TrackEvent, type Codec } from '@eventlens/contracts';
import cors from 'cors';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { HttpError, invalidFields, validate } from '../errors';
import { APPEND_ERRORS, BODY_ERRORS, defineRoute, mount, type RouteDoc } from '../http/openapi';
import type { EventRateLimiter } from '../http/rate-limit';
import type { KeyDirectory, KeyEntry } from '../admin/directory';
import type { Appender, LogRecord } from '../log/appender';
import { SpanKind, traceHeaders, withSpan } from '@eventlens/service-kit';
import { botOf } from './bots';
import { userAgentFields, type ClientFields, type CountryLookup } from './client';
import { PlausibleEvent, readPlausibleEvent, toBatchItem, visitorOf } from './plausible';
import { recordKey, toEventTracked } from './track';

export interface IngestDeps {
  directory: Pick<KeyDirectory, 'keyFor'>;
  appender: Appender;
  codec: Pick<Codec, 'encode'>;
  limiter: EventRateLimiter;
  eventsTopic: string;
  /** Why writes cannot be decided yet (schemas not registered, key directory catching up), if so. */
  notReady: () => HttpError | undefined;
  /** Called once Kafka has acknowledged a request's records, with their count and project. */
  onAccepted: (count: number, projectId: string) => void;
  /** The country of the client address (`client.ts`); the address itself is never kept. None: null. */
  countryOf?: CountryLookup;
  now: () => number;
  newId: () => string;
  /**
   * The secret the daily salt of POST /api/event's visitor ids is derived from (plausible.ts
   * `visitorOf`); the service passes EVENTLENS_SESSION_SECRET. Absent (tests of other routes): a
   * random one for this process, so ids would differ between instances.
   */
  visitorSecret?: string;
}

/** What the server derives from the request about its sender (never the address itself). */
interface Sender {
  bot: string | undefined;
  client: ClientFields;
}

/**
 * Open to every origin, without credentials: a write key is public and identifies the project on
 * its own. Only the headers a sender needs; a preflight result is cached for a day.
 */
const openCors = cors({
  origin: '*',
  methods: ['POST'],
  allowedHeaders: ['Content-Type', 'Authorization'],
  credentials: false,
  maxAge: 86_400,
});

/**
 * The contract's two free-form maps are plain-object checks (`z.custom`) that no generator can
 * describe; their documented shape is registered here, on the contract's own schema instances.
 */
z.globalRegistry.add(BatchItem.shape.metadata.unwrap(), {
  type: 'object',
  additionalProperties: true,
  description: `Any JSON object, at most ${LIMITS.metadataMaxDepth} levels deep and ${LIMITS.metadataMaxBytes} bytes as JSON; kept exactly as sent.`,
});
z.globalRegistry.add(BatchItem.shape.context.unwrap(), {
  type: 'object',
  additionalProperties: { type: 'string', maxLength: LIMITS.contextValueMaxLength },
  maxProperties: LIMITS.contextMaxKeys,
  description:
    "Page context, strings only (keys at most 64 characters). `client_timestamp`, `client_sent_at` and `bot` are the server's.",
});

const Accepted = z
  .object({ accepted: z.number().int().min(1) })
  .meta({ id: 'Accepted', description: 'How many events Kafka acknowledged: all of the request.' });

/** The key may come from `Authorization: Bearer` instead; the body is then validated with it merged in. */
const keyOptional = { api_key: true } as const;

const INGEST_ERRORS = {
  ...BODY_ERRORS,
  UNAUTHORIZED: 'An unknown or revoked write key, a read key, or an Authorization header not "Bearer <key>".',
  RATE_LIMITED: 'The key sends more events than its rate limit (Retry-After).',
  ...APPEND_ERRORS,
} as const;

const ingestBody = (schema: z.ZodType) => ({
  schema,
  // text/plain: what navigator.sendBeacon sends for a string, and it needs no CORS preflight.
  types: ['application/json', 'text/plain'],
  limitBytes: LIMITS.requestMaxBytes,
});

export const INGEST_ROUTES = {
  event: defineRoute({
    method: 'post',
    path: '/v1/events',
    tag: 'ingestion',
    summary: 'Track one event',
    description:
      "Answered once Kafka has acknowledged the event. Open to every origin (CORS, no credentials). `sent_at`: when the client sent the request, by its clock; event times are moved onto the server's clock by the difference.",
    security: [{ writeKey: [] }, {}],
    body: ingestBody(TrackEvent.partial(keyOptional)),
    responses: { 202: { description: 'Appended: `{accepted: 1}`.', schema: Accepted } },
    errors: INGEST_ERRORS,
  }),
  batch: defineRoute({
    method: 'post',
    path: '/v1/batch',
    tag: 'ingestion',
    summary: `Track up to ${LIMITS.batchMaxEvents} events`,
    description:
      'All or none: answered once Kafka has acknowledged every event of the request. Open to every origin (CORS, no credentials).',
    security: [{ writeKey: [] }, {}],
    body: ingestBody(TrackBatch.partial(keyOptional)),
    responses: { 202: { description: 'Appended: `{accepted: n}`.', schema: Accepted } },
    errors: {
      ...INGEST_ERRORS,
      PAYLOAD_TOO_LARGE: `The body is larger than ${LIMITS.requestMaxBytes} bytes, or carries more than ${LIMITS.batchMaxEvents} events.`,
    },
  }),
  plausible: defineRoute({
    method: 'post',
    path: '/api/event',
    tag: 'ingestion',
    summary: "Track one event sent in Plausible's Events API format",
    description:
      "For sites switching from Plausible (docs/plausible.md): its script pointed here with `data-api`, `data-domain` set to the project's write key. The visitor and visit are derived on the server from the client address and User-Agent with a daily salt (the address is never kept); `pageview` is appended as `page_view`, `props` as `metadata`. Open to every origin (CORS, no credentials). A retried request counts twice: Plausible sends no event id.",
    security: [],
    body: ingestBody(PlausibleEvent),
    responses: { 202: { description: 'Appended: `{accepted: 1}`.', schema: Accepted } },
    errors: {
      ...INGEST_ERRORS,
      UNAUTHORIZED: '`domain` is not a write key of a project (unknown, revoked, or a read key).',
    },
  }),
} satisfies Record<string, RouteDoc>;

export function ingestRouter(deps: IngestDeps): Router {
  const router = Router();
  const visitorSecret = deps.visitorSecret ?? randomBytes(32).toString('hex');

  /** What the request says of its sender: bot or not, browser, OS, device type, country. */
  function senderOf(req: Request): Sender {
    const userAgent = req.get('user-agent');
    return {
      bot: botOf(userAgent),
      client: { ...userAgentFields(userAgent), country: deps.countryOf?.(req.ip) ?? null },
    };
  }

  async function accept(
    apiKey: string,
    sentAt: number | undefined,
    sender: Sender,
    events: BatchItem[] | ((key: KeyEntry, receivedAt: number) => BatchItem),
  ): Promise<number> {
    const notReady = deps.notReady();
    if (notReady) throw notReady;
    const key = authenticate(apiKey);
    const decision = await deps.limiter.take(key.key_id, Array.isArray(events) ? events.length : 1);
    if (!decision.ok) {
      throw new HttpError('RATE_LIMITED', `this key sends more than its rate limit of events; slow down`, {
        retryAfterS: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)),
      });
    }
    const receivedAt = deps.now();
    const items = Array.isArray(events) ? events : [events(key, receivedAt)];
    const records: LogRecord[] = withSpan('encode', () => encode(key, items, receivedAt, sentAt, sender), {
      attributes: { 'messaging.batch.message_count': items.length },
    });
    await publish(records);
    deps.onAccepted(records.length, key.project_id);
    return records.length;
  }

  function encode(
    key: KeyEntry,
    items: readonly BatchItem[],
    receivedAt: number,
    sentAt: number | undefined,
    sender: Sender,
  ): LogRecord[] {
    return items.map((item) => {
      const event = toEventTracked(item, {
        projectId: key.project_id,
        receivedAt,
        sentAt,
        ...sender,
        newId: deps.newId,
      });
      return {
        topic: deps.eventsTopic,
        key: recordKey(key.project_id, event),
        value: deps.codec.encode('EventTracked', event),
      };
    });
  }

  /**
   * The produce span of this request's records (OpenTelemetry messaging conventions), its context
   * in each record's headers so the projections link their batches to it.
   */
  function publish(records: LogRecord[]): Promise<void> {
    return withSpan(
      `send ${deps.eventsTopic}`,
      async () => {
        const headers = traceHeaders();
        const traced = 'traceparent' in headers ? records.map((record) => ({ ...record, headers })) : records;
        await deps.appender.append(traced);
      },
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.destination.name': deps.eventsTopic,
          'messaging.batch.message_count': records.length,
        },
      },
    );
  }

  function authenticate(apiKey: string): KeyEntry {
    const key = deps.directory.keyFor(apiKey);
    if (!key || key.revoked || key.kind !== 'write') {
      throw new HttpError('UNAUTHORIZED', 'unknown or revoked write key');
    }
    return key;
  }

  // CORS preflights of the routes: answered by the cors middleware, not operations of the API.
  router.options(
    [INGEST_ROUTES.event.path, INGEST_ROUTES.batch.path, INGEST_ROUTES.plausible.path],
    openCors,
  );

  const before = { before: [openCors] };
  mount(
    router,
    INGEST_ROUTES.event,
    async (req, res) => {
      const input = withBearerKey(req);
      const event = withSpan('validate', () => validate(TrackEvent, input));
      const { api_key, sent_at, ...item } = event;
      const accepted: z.input<typeof Accepted> = {
        accepted: await accept(api_key, sent_at, senderOf(req), [item]),
      };
      res.status(202).json(accepted);
    },
    before,
  );

  mount(
    router,
    INGEST_ROUTES.batch,
    async (req, res) => {
      const input = withBearerKey(req);
      const events = input.events;
      if (Array.isArray(events) && events.length > LIMITS.batchMaxEvents) {
        throw new HttpError(
          'PAYLOAD_TOO_LARGE',
          `a batch carries at most ${LIMITS.batchMaxEvents} events; this one has ${events.length}`,
        );
      }
      const batch = withSpan('validate', () => validate(TrackBatch, input));
      const accepted: z.input<typeof Accepted> = {
        accepted: await accept(batch.api_key, batch.sent_at, senderOf(req), batch.events),
      };
      res.status(202).json(accepted);
    },
    before,
  );

  // Plausible's payload: the project from `domain` (a write key), the visitor and visit derived from
  // the request at the time it is received (plausible.ts).
  mount(
    router,
    INGEST_ROUTES.plausible,
    async (req, res) => {
      const event = withSpan('validate', () => readPlausibleEvent(req.body));
      const sender = senderOf(req);
      const userAgent = req.get('user-agent');
      const accepted: z.input<typeof Accepted> = {
        accepted: await accept(event.domain, undefined, sender, (key, receivedAt) =>
          toBatchItem(
            event,
            visitorOf(visitorSecret, receivedAt, key.project_id, req.ip, userAgent),
            deps.newId,
          ),
        ),
      };
      res.status(202).json(accepted);
    },
    before,
  );

  return router;
}

/** The body as an object, with the key from `Authorization: Bearer` when the body has none. */
function withBearerKey(req: Request): Record<string, unknown> {
  const input: unknown = req.body;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalidFields([{ field: 'body', message: 'must be a JSON object' }]);
  }
  const fields = input as Record<string, unknown>;
  const header = req.headers.authorization;
  if (header === undefined) return fields;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (!bearer) throw new HttpError('UNAUTHORIZED', 'Authorization must be "Bearer <write key>"');
  if (fields.api_key === undefined) return { ...fields, api_key: bearer };
  if (fields.api_key !== bearer) {
    throw invalidFields([{ field: 'api_key', message: 'differs from the key in the Authorization header' }]);
  }
  return fields;
}
