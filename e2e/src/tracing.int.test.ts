/**
 * One event, one trace: the command side and the analytics projection run in this process with
 * the service kit's tracing started against an OTLP/HTTP receiver of the test's own
 * (OTEL_EXPORTER_OTLP_PROTOCOL=http/json, so the export is plain JSON), on topics, consumer groups
 * and schemas of their own in the stack's Kafka, registry and PostgreSQL. One event is sent with a
 * `traceparent`; the exported spans must show the chain the design promises (docs/DESIGN.md,
 * Observability): the request span continuing the caller's trace → validation, encoding and the
 * produce span beneath it → a projection batch span that links to the produce span's context →
 * the INSERT statement beneath the batch span.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCommandSide, loadConfig, type CommandSide } from '@eventlens/command-side';
import {
  allTopics,
  loadConfig as loadProjectionsConfig,
  runProjections,
  topology,
} from '@eventlens/projections';
import { startTracing, type Tracing } from '@eventlens/service-kit';
import { stackForTests } from '@eventlens/stack';
import { eventually } from '@eventlens/stack/eventually';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopicsServed } from '@eventlens/stack/topics';

/** A span as OTLP/JSON exports it (ids in hex, kind as its number). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  links?: { traceId: string; spanId: string }[];
  attributes?: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}
const KIND = { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes?.find((a) => a.key === key)?.value;
  return value?.stringValue ?? value?.intValue;
};

/** A tiny OTLP/HTTP receiver: POST /v1/traces with a JSON ExportTraceServiceRequest. */
function startReceiver(spans: OtlpSpan[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        const request = JSON.parse(body) as {
          resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[];
        };
        for (const resource of request.resourceSpans ?? [])
          for (const scope of resource.scopeSpans ?? []) spans.push(...(scope.spans ?? []));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

describe('one event, one trace (OTLP export)', () => {
  const id = randomBytes(4).toString('hex');
  const spans: OtlpSpan[] = [];
  const saved = { ...process.env };
  const adminToken = `test-admin-${randomUUID()}`;
  let receiver: { server: Server; url: string };
  let tracing: Tracing;
  let admin: Admin;
  let topics: string[] = [];
  let projections: { ready: Promise<void>; stop(): Promise<void> } | undefined;
  let commandSide: CommandSide | undefined;
  let url: string;
  let databaseUrl: string;

  beforeAll(async () => {
    const dev = await stackForTests();
    databaseUrl = dev.databaseUrl;
    receiver = await startReceiver(spans);
    // Only the standard variables configure the SDK.
    Object.assign(process.env, {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: `eventlens-tracing-test-${id}`,
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    tracing = await startTracing({ serviceName: 'e2e', env: process.env });
    expect(tracing.enabled).toBe(true);

    const env = {
      EVENTLENS_KAFKA_BROKERS: dev.kafkaBrokers,
      EVENTLENS_REGISTRY_URL: dev.registryUrl,
      EVENTLENS_EVENTS_TOPIC: `test.${id}.events`,
      EVENTLENS_ADMIN_TOPIC: `test.${id}.admin`,
    };
    const projectionsConfig = loadProjectionsConfig({
      ...env,
      EVENTLENS_DATABASE_URL: dev.databaseUrl,
      EVENTLENS_READER_DATABASE_URL: dev.readerDatabaseUrl,
      EVENTLENS_PROJECTIONS_PORT: '0',
      EVENTLENS_FAILURE_TOPIC_PREFIX: `test.${id}`,
      EVENTLENS_GROUP_PREFIX: `test-${id}`,
      EVENTLENS_SCHEMA_PREFIX: `t_${id}_`,
      EVENTLENS_KAFKA_SESSION_TIMEOUT_MS: '6000',
      EVENTLENS_KAFKA_HEARTBEAT_INTERVAL_MS: '500',
      EVENTLENS_LOG_LEVEL: 'error',
    });
    topics = allTopics(topology(projectionsConfig));
    admin = new Kafka({
      clientId: `test-${id}`,
      brokers: [dev.kafkaBrokers],
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await createTopicsServed(
      admin,
      topics.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
    );

    projections = await runProjections(projectionsConfig, ['analytics']);
    await projections.ready;
    commandSide = createCommandSide(
      loadConfig({
        ...env,
        EVENTLENS_SESSION_SECRET: 'tracing-test-session-secret',
        EVENTLENS_ADMIN_TOKEN: adminToken,
      }),
      { defaultMetrics: false },
    );
    await commandSide.start();
    await commandSide.whenReady(60_000);
    url = (await commandSide.listen(0, '127.0.0.1')).url;
  }, 180_000);

  afterAll(async () => {
    await commandSide?.stop().catch(() => undefined);
    await projections?.stop().catch(() => undefined);
    await tracing?.shutdown();
    if (admin) {
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
    }
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const schemas = await db.query<{ nspname: string }>(
      `select nspname from pg_namespace where nspname like $1`,
      [`t\\_${id}\\_%`],
    );
    for (const { nspname } of schemas.rows) await db.query(`drop schema "${nspname}" cascade`);
    await db.end();
    await new Promise((resolve) => receiver?.server.close(resolve));
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  }, 60_000);

  it('links the ingest request, its produce, the projection batch and the INSERT', async () => {
    const post = async (route: string, body: unknown) => {
      const res = await fetch(`${url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as Record<string, string>;
    };
    const { project_id: projectId } = await post('/v1/admin/projects', { name: 'tracing' });
    const { key } = await post(`/v1/admin/projects/${projectId}/keys`, { kind: 'write' });

    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const sent = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${callerSpanId}-01` },
      body: JSON.stringify({
        api_key: key,
        event_id: randomUUID(),
        event_name: 'page_view',
        session_id: `s-${id}`,
        url: 'https://example.test/tracing',
      }),
    });
    expect(sent.status).toBe(202);

    // The request span continues the caller's trace; validation, encoding and the produce are beneath it.
    const request = await eventually(
      'the request span',
      () =>
        spans.find((s) => s.kind === KIND.SERVER && s.traceId === traceId && s.parentSpanId === callerSpanId),
      { timeoutMs: 30_000 },
    );
    const produce = await eventually(
      'the produce span',
      () => spans.find((s) => s.kind === KIND.PRODUCER && s.traceId === traceId),
      { timeoutMs: 30_000 },
    );
    expect(request.name).toBe('POST /v1/events');
    expect(produce.name).toBe(`send test.${id}.events`);
    expect(produce.parentSpanId).toBe(request.spanId);
    expect(attribute(produce, 'messaging.destination.name')).toBe(`test.${id}.events`);
    for (const name of ['validate', 'encode']) {
      expect(spans.find((s) => s.name === name && s.traceId === traceId)?.parentSpanId).toBe(request.spanId);
    }

    // The batch that applied the event links to the produce span's context; its COPY and INSERT are beneath it.
    const batch = await eventually(
      'the projection batch span',
      () =>
        spans.find(
          (s) =>
            s.kind === KIND.CONSUMER &&
            (s.links ?? []).some((l) => l.traceId === traceId && l.spanId === produce.spanId),
        ),
      { timeoutMs: 60_000 },
    );
    expect(batch.name).toBe(`process test.${id}.events`);
    expect(batch.traceId).not.toBe(traceId); // a batch has many parents: links, not a parent
    const statement = (s: OtlpSpan) =>
      String(attribute(s, 'db.query.text') ?? attribute(s, 'db.statement') ?? '');
    const descendsFromBatch = (span: OtlpSpan): boolean => {
      for (let at: OtlpSpan | undefined = span; at;) {
        if (at.parentSpanId === batch.spanId) return true;
        at = spans.find((s) => s.spanId === at!.parentSpanId && s.traceId === at!.traceId);
      }
      return false;
    };
    /** The first statement span of the batch's trace, beneath the batch span, whose text matches. */
    const beneathBatch = (what: string, pattern: RegExp) =>
      eventually(
        `${what} beneath the batch span`,
        () =>
          spans.find(
            (s) => s.traceId === batch.traceId && pattern.test(statement(s)) && descendsFromBatch(s),
          ),
        { timeoutMs: 30_000 },
      );
    // The projection's own span for the COPY (the pg instrumentation never ends its span for a
    // streamed query); its statement is `copy "t_…_analytics".events (…) from stdin`.
    const copy = await beneathBatch(
      'the COPY into the events read model',
      /^copy "?t_[0-9a-f]+_analytics"?\.events\b/i,
    );
    expect(copy.kind).toBe(KIND.CLIENT);
    expect(Number(attribute(copy, 'eventlens.copy.rows'))).toBeGreaterThanOrEqual(1);
    const insert = await beneathBatch(
      'the INSERT of the event’s visit',
      /\binsert into "?t_[0-9a-f]+_analytics"?\.sessions\b/i,
    );
    expect(attribute(insert, 'db.system.name') ?? attribute(insert, 'db.system')).toBe('postgresql');
  });
});
