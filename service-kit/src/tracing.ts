/**
 * OpenTelemetry traces for every service, configured only by the standard variables
 * (OTEL_SERVICE_NAME, OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT or …_TRACES_ENDPOINT,
 * OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_TRACES_SAMPLER and the rest the SDK reads). With no exporter
 * set the SDK is not even loaded: spans are the API's no-ops and cost nothing measurable
 * (bench/src/tracing-overhead.ts measures it).
 *
 * `startTracing` runs first in a service's main.ts. Instrumented: HTTP servers, HTTP clients and
 * PostgreSQL statements (instrumentation-http, instrumentation-pg); a call out or a statement with no
 * parent span (a poll, a background registration) is not traced. Both patch shared prototypes, so after starting the
 * SDK the kit requires `http`, `https`, `pg` and `pg-pool` once itself: the patch then applies also
 * to code that imported them before (ES modules, or the esbuild bundle, whose external imports are
 * all evaluated before its first line runs).
 */
import { createRequire } from 'node:module';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';

export { SpanKind, type Attributes, type Link, type Span };

/** A proxy: it delegates to the SDK's tracer once one is registered, a no-op until then. */
const tracer = trace.getTracer('@eventlens/service-kit');
let active = false;

export interface Tracing {
  /** Whether the SDK runs (an exporter is configured). */
  enabled: boolean;
  /** Flushes the spans not exported yet and stops the SDK (part of graceful shutdown). */
  shutdown(): Promise<void>;
}

/** Whether these variables configure a trace exporter (and the SDK should start). */
export function tracesExporterConfigured(env: Record<string, string | undefined>): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (exporters.length > 0) return !exporters.every((name) => name === 'none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Starts the OpenTelemetry Node SDK when `env` configures an exporter; otherwise does nothing.
 * `serviceName` is the default for OTEL_SERVICE_NAME. The SDK itself reads the OTEL_* variables.
 */
export async function startTracing(options: {
  serviceName: string;
  env: Record<string, string | undefined>;
}): Promise<Tracing> {
  if (active || !tracesExporterConfigured(options.env)) {
    return { enabled: active, shutdown: async () => undefined };
  }
  const [{ NodeSDK }, { HttpInstrumentation }, { PgInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-pg'),
  ]);
  const sdk = new NodeSDK({
    ...(options.env.OTEL_SERVICE_NAME ? {} : { serviceName: options.serviceName }),
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes are not traffic: no span for them.
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)(\?|$)/.test(req.url ?? ''),
        // A call out (the registry) is traced inside a request or a batch; a background one is not.
        requireParentforOutgoingSpans: true,
        // The route template Express matched (or a service's own `res.locals.route`) names the span.
        applyCustomAttributesOnSpan: (span, request, response) => {
          const route =
            (request as { route?: { path?: unknown } }).route?.path ??
            (response as { locals?: { route?: unknown } }).locals?.route;
          if (typeof route !== 'string' || !('method' in request)) return;
          span.setAttribute('http.route', route);
          span.updateName(`${request.method} ${route}`);
        },
      }),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  active = true;
  const require = createRequire(import.meta.url);
  for (const name of ['http', 'https', 'pg', 'pg-pool']) {
    try {
      require(name);
    } catch {
      // Not installed in this service: nothing to patch.
    }
  }
  return {
    enabled: true,
    shutdown: async () => {
      await sdk.shutdown();
      active = false;
    },
  };
}

/** Whether spans are recorded in this process (startTracing started the SDK). */
export function tracingActive(): boolean {
  return active;
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** The parent; the active context by default. */
  parent?: Context;
}

/**
 * Runs `fn` inside a new span made active, ends it when `fn` returns or settles, and marks it as
 * an error (with the exception recorded) when `fn` throws or rejects. Sync in, sync out.
 */
export function withSpan<T>(name: string, fn: (span: Span) => T, options: SpanOptions = {}): T {
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(
    name,
    {
      ...(options.kind !== undefined ? { kind: options.kind } : {}),
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(options.links ? { links: options.links } : {}),
    },
    parent,
  );
  const fail = (error: unknown) => {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    span.end();
  };
  let result: T;
  try {
    result = context.with(trace.setSpan(parent, span), fn, undefined, span);
  } catch (error) {
    fail(error);
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        fail(error);
        throw error;
      },
    ) as T;
  }
  span.end();
  return result;
}

/** The active trace context as W3C headers (`traceparent`, `tracestate`); empty when not tracing. */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

type HeaderValue = string | Buffer | (string | Buffer)[] | undefined;

/**
 * The span context carried by headers (Kafka record headers: strings or Buffers), as a link; none
 * when they carry no valid context.
 */
export function linkFromHeaders(headers: Record<string, HeaderValue> | undefined): Link | undefined {
  if (!headers) return undefined;
  const ctx = propagation.extract(ROOT_CONTEXT, headers, {
    keys: (carrier) => Object.keys(carrier),
    get: (carrier, key) => {
      const value = carrier[key];
      const first = Array.isArray(value) ? value[0] : value;
      return first === undefined ? undefined : first.toString();
    },
  });
  const spanContext = trace.getSpanContext(ctx);
  return spanContext && trace.isSpanContextValid(spanContext) ? { context: spanContext } : undefined;
}
