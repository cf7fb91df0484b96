/**
 * POST /v1/events, POST /v1/batch and POST /api/event: parse exactly (a value that could not be
 * read back as sent is refused, see http/body.ts), validate, find the project (the write key, or for
 * /api/event a declared domain too), rate-limit, correct event times for the client's clock
 * (track.ts), mark bot traffic (bots.ts) and the project's own traffic (excluded.ts), append, and
 * answer 202 only once Kafka has acknowledged every record of the request.
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
import { exclusionOf } from './excluded';
import { PlausibleEvent, readPlausibleEvent, sentAs, siteOf, toBatchItem, visitorOf } from './plausible';
import { recordKey, toEventTracked, type Stamp } from './track';

export interface IngestDeps {
  /** Keys, declared domains (POST /api/event) and excluded address ranges, as the admin log has them. */
  directory: Pick<KeyDirectory, 'keyFor' | 'domainOwner' | 'excludedRanges'>;
  appender: Appender;
  codec: Pick<Codec, 'encode'>;
  limiter: EventRateLimiter;
  eventsTopic: string;
  /** Why writes cannot be decided yet (schemas not registered, key directory catching up), if so. */
  notReady: () => HttpError | undefined;
  /**
   * Resolves once the directory holds what the admin log held when it was called (rejects when it
   * cannot): a key or domain it does not know may have been added a moment ago through another
   * instance. Asked only then, so known keys cost nothing.
   */
  catchUp: () => Promise<void>;
  /**
   * Called once Kafka has acknowledged a request's records, with their count, project and the
   * milliseconds from their `received_at` (`now()` when the request was let through) to the
   * acknowledgement (`now()` again).
   */
  onAccepted: (count: number, projectId: string, acknowledgedAfterMs: number) => void;
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

/** What the server derives from the request about its sender (the address only to match it, never kept). */
interface Sender {
  bot: string | undefined;
  client: ClientFields;
  /** `req.ip`, matched against the project's excluded ranges once the project is known. */
  address: string | undefined;
}

/** The project a request writes to, and the rate limit's bucket it draws on. */
interface Writer {
  projectId: string;
  /** A write key's id, or `domain:<host>` for events addressed by a declared domain. */
  limitKey: string;
}

/**
 * Open to every origin, without credentials: a write key is public and identifies the project on
 * its own. Only the headers a sender needs; a preflight result is cached for a day. `Retry-After`
 * is exposed: a page on another origin reads only the safelisted response headers otherwise, and
 * the SDK's retry queue waits as long as a 429 or 503 asks.
 */
const openCors = cors({
  origin: '*',
  methods: ['POST'],
  allowedHeaders: ['Content-Type', 'Authorization'],
  exposedHeaders: ['Retry-After'],
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
  description: `Any JSON object, at most ${LIMITS.metadataMaxDepth} levels deep and ${LIMITS.metadataMaxBytes} bytes as JSON; kept exactly as sent (in the log with its keys in the order sent; the read models' jsonb, and so the query API, orders an object's keys by length, then bytes).`,
});
z.globalRegistry.add(BatchItem.shape.context.unwrap(), {
  type: 'object',
  additionalProperties: { type: 'string', maxLength: LIMITS.contextValueMaxLength },
  maxProperties: LIMITS.contextMaxKeys,
  description:
    'Page context, strings only (keys at most 64 characters). `client_timestamp`, `client_sent_at` and `bot` are the server\'s; so is `excluded` (`address`: sent from one of the project\'s excluded address ranges), which leaves the event out of the reports whoever set it. `interactive: "false"` marks an event that is no interaction (it does not keep a visit from bouncing).',
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
      'For sites switching from Plausible (docs/plausible.md): its script pointed here with `data-api`, `data-domain` a domain the project declares in its settings (or its write key). The visitor and visit are derived on the server from the client address and User-Agent with a daily salt (the address is never kept); `pageview` is appended as `page_view`, `props` as `metadata`. Open to every origin (CORS, no credentials). A retried request counts twice: Plausible sends no event id.',
    security: [],
    body: ingestBody(PlausibleEvent),
    responses: { 202: { description: 'Appended: `{accepted: 1}`.', schema: Accepted } },
    errors: {
      ...INGEST_ERRORS,
      INVALID_FIELD:
        'A field is missing, invalid, or could not be stored and read back exactly (named as sent: `n`, `d`…); or `domain` is neither a key nor a domain a project declares (the message says how to declare it).',
      UNAUTHORIZED:
        "`domain` has a key's form (`el_…`) but is no write key of a project (unknown, revoked, or a read key).",
      RATE_LIMITED:
        'The write key, or the declared domain, sends more events than its rate limit (Retry-After).',
    },
  }),
} satisfies Record<string, RouteDoc>;

export function ingestRouter(deps: IngestDeps): Router {
  const router = Router();
  const visitorSecret = deps.visitorSecret ?? randomBytes(32).toString('hex');

  /** What the request says of its sender: bot or not, browser, OS, device type, country, address. */
  function senderOf(req: Request, ua: { visitorsOwn?: boolean } = {}): Sender {
    const userAgent = req.get('user-agent');
    return {
      bot: botOf(userAgent, ua),
      client: { ...userAgentFields(userAgent), country: deps.countryOf?.(req.ip) ?? null },
      address: req.ip,
    };
  }

  /**
   * `writer` finds the project (it may throw a 401 or 400), after the readiness check: before the
   * directory has read the admin log, an unknown key or domain may only be one it has not read yet.
   */
  async function accept(
    writer: () => Writer,
    sentAt: number | undefined,
    sender: Sender,
    events: BatchItem[] | ((projectId: string, receivedAt: number) => BatchItem),
  ): Promise<number> {
    const notReady = deps.notReady();
    if (notReady) throw notReady;
    const { projectId, limitKey } = await known(writer);
    const decision = await deps.limiter.take(limitKey, Array.isArray(events) ? events.length : 1);
    if (!decision.ok) {
      const who = limitKey.startsWith('domain:') ? 'domain' : 'key';
      throw new HttpError('RATE_LIMITED', `this ${who} sends more than its rate limit of events; slow down`, {
        retryAfterS: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)),
      });
    }
    const receivedAt = deps.now();
    const items = Array.isArray(events) ? events : [events(projectId, receivedAt)];
    // The project's ranges as this instance knows them now (the directory follows the admin log).
    const excluded = exclusionOf(deps.directory.excludedRanges(projectId), sender.address);
    const stamp = { projectId, sentAt, bot: sender.bot, client: sender.client, excluded };
    const records: LogRecord[] = withSpan('encode', () => encode(stamp, items, receivedAt), {
      attributes: { 'messaging.batch.message_count': items.length },
    });
    await publish(records);
    deps.onAccepted(records.length, projectId, deps.now() - receivedAt);
    return records.length;
  }

  /**
   * `writer()`; when it refuses, once more after the directory has read the admin log to its end
   * (a key issued through another instance a moment ago is then known). When the log cannot be
   * read to its end, the first refusal stands.
   */
  async function known(writer: () => Writer): Promise<Writer> {
    try {
      return writer();
    } catch (refusal) {
      if (!(refusal instanceof HttpError)) throw refusal;
      await deps.catchUp().catch(() => {
        throw refusal;
      });
      return writer();
    }
  }

  function encode(
    stamp: Omit<Stamp, 'receivedAt' | 'newId'>,
    items: readonly BatchItem[],
    receivedAt: number,
  ): LogRecord[] {
    return items.map((item) => {
      const event = toEventTracked(item, { ...stamp, receivedAt, newId: deps.newId });
      return {
        topic: deps.eventsTopic,
        key: recordKey(stamp.projectId, event),
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

  /** The writer of a write key: its project, and the key's own rate limit. */
  function byKey(apiKey: string): Writer {
    const key = authenticate(apiKey);
    return { projectId: key.project_id, limitKey: key.key_id };
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
        accepted: await accept(() => byKey(api_key), sent_at, senderOf(req), [item]),
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
        accepted: await accept(() => byKey(batch.api_key), batch.sent_at, senderOf(req), batch.events),
      };
      res.status(202).json(accepted);
    },
    before,
  );

  // Plausible's payload: the project from `domain` (a declared domain, or a write key), the visitor
  // and visit derived from the request at the time it is received (plausible.ts). A declared
  // domain draws on a rate limit of its own, as large as a key's.
  mount(
    router,
    INGEST_ROUTES.plausible,
    async (req, res) => {
      const event = withSpan('validate', () => readPlausibleEvent(req.body));
      // Plausible's User-Agent is the visitor's in every form (bots.ts).
      const sender = senderOf(req, { visitorsOwn: true });
      const userAgent = req.get('user-agent');
      const writer = (): Writer => {
        const site = siteOf(event.domain, sentAs(req.body, 'domain'), deps.directory);
        return site.by === 'key'
          ? byKey(site.apiKey)
          : { projectId: site.projectId, limitKey: `domain:${site.domain}` };
      };
      const accepted: z.input<typeof Accepted> = {
        accepted: await accept(writer, undefined, sender, (projectId, receivedAt) =>
          toBatchItem(event, visitorOf(visitorSecret, receivedAt, projectId, req.ip, userAgent), deps.newId),
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
  // Checked here, so that a malformed key is named where it was sent: the header, not `api_key`.
  const form = TrackEvent.shape.api_key.safeParse(bearer);
  if (!form.success) {
    throw invalidFields([{ field: 'authorization', message: `Bearer ${form.error.issues[0]!.message}` }]);
  }
  if (fields.api_key === undefined) return { ...fields, api_key: bearer };
  if (fields.api_key !== bearer) {
    throw invalidFields([{ field: 'api_key', message: 'differs from the key in the Authorization header' }]);
  }
  return fields;
}
