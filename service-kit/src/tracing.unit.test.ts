import { context, propagation, trace, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkFromHeaders, SpanKind, traceHeaders, tracesExporterConfigured, withSpan } from './tracing';

describe('tracesExporterConfigured', () => {
  it('is on with an exporter or an endpoint, off without either or with none', () => {
    expect(tracesExporterConfigured({})).toBe(false);
    expect(tracesExporterConfigured({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' })).toBe(
      false,
    );
    expect(tracesExporterConfigured({ OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracesExporterConfigured({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracesExporterConfigured({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracesExporterConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracesExporterConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c/v1/traces' })).toBe(true);
    expect(
      tracesExporterConfigured({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c' }),
    ).toBe(false);
    expect(tracesExporterConfigured({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toBe(false);
  });
});

describe('spans (an in-memory SDK, as the Node SDK registers it)', () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
  });
  afterAll(() => {
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('nests spans, ends them when a promise settles, and marks a failure', async () => {
    exporter.reset();
    const value = await withSpan('outer', () => withSpan('inner', async () => 42), {
      kind: SpanKind.PRODUCER,
    });
    await expect(
      withSpan('failing', async () => {
        throw new Error('no broker');
      }),
    ).rejects.toThrow('no broker');
    expect(() =>
      withSpan('sync failing', () => {
        throw new Error('bad');
      }),
    ).toThrow('bad');
    expect(value).toBe(42);
    const spans = exporter.getFinishedSpans();
    const named = (name: string) => spans.find((s) => s.name === name)!;
    expect(named('inner').parentSpanContext?.spanId).toBe(named('outer').spanContext().spanId);
    expect(named('outer').kind).toBe(SpanKind.PRODUCER);
    expect(named('failing').status).toEqual({ code: 2, message: 'no broker' });
    expect(named('failing').events.map((e) => e.name)).toEqual(['exception']);
    expect(named('sync failing').status.code).toBe(2);
  });

  it('puts the active context in headers, and reads it back from record headers as a link', () => {
    const headers = withSpan('send', () => traceHeaders());
    const sent = exporter
      .getFinishedSpans()
      .find((s) => s.name === 'send')!
      .spanContext();
    expect(headers.traceparent).toBe(`00-${sent.traceId}-${sent.spanId}-01`);
    const link = linkFromHeaders({ traceparent: Buffer.from(headers.traceparent!), other: undefined });
    expect(link?.context).toMatchObject<Partial<SpanContext>>({ traceId: sent.traceId, spanId: sent.spanId });
    expect(linkFromHeaders({})).toBeUndefined();
    expect(linkFromHeaders({ traceparent: 'garbage' })).toBeUndefined();
    expect(linkFromHeaders(undefined)).toBeUndefined();
  });
});
