import { context, trace, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, kafkaLogCreator, logOptionsFrom, recordingLogger, type RecordedLine } from './logger';

function capture(level: 'debug' | 'info' = 'info', format: 'json' | 'pretty' = 'json') {
  const lines: string[] = [];
  const logger = createLogger({ service: 'test', level, format, write: (line) => lines.push(line) });
  return { logger, lines, json: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('createLogger', () => {
  // What the SDK registers when tracing runs: the context follows async calls.
  beforeAll(() => void context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  afterAll(() => context.disable());

  it('writes one JSON line per entry: level, ISO time, service, message and the fields', () => {
    const { logger, json } = capture();
    logger.info('listening', { port: 80 });
    logger.child({ component: 'db' }).error('down', { code: 'ECONNREFUSED' });
    logger.debug('dropped below the level');
    const [first, second, ...rest] = json();
    expect(rest).toEqual([]);
    expect(first).toMatchObject({ level: 'info', service: 'test', message: 'listening', port: 80 });
    expect(new Date(first!.time as string).toISOString()).toBe(first!.time);
    expect(second).toMatchObject({ level: 'error', component: 'db', message: 'down', code: 'ECONNREFUSED' });
    expect(first).not.toHaveProperty('trace_id');
  });

  it('adds the active span’s trace and span ids to every line', () => {
    const { logger, json } = capture();
    const spanContext: SpanContext = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 };
    context.with(trace.setSpanContext(context.active(), spanContext), () => logger.warn('inside'));
    expect(json()[0]).toMatchObject({ trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16), message: 'inside' });
  });

  it('writes readable lines when pretty', () => {
    const { logger, lines } = capture('info', 'pretty');
    logger.info('listening', { port: 80 });
    const text = lines.join('');
    expect(text).toContain('INFO');
    expect(text).toContain('listening');
    expect(text).toContain('port: 80');
    expect(() => JSON.parse(text)).toThrow();
  });

  it('is pretty by default in development only, and EVENTLENS_LOG_FORMAT decides when set', () => {
    expect(logOptionsFrom({ EVENTLENS_LOG_LEVEL: 'info', NODE_ENV: 'development' }).format).toBe('pretty');
    expect(logOptionsFrom({ EVENTLENS_LOG_LEVEL: 'info', NODE_ENV: 'production' }).format).toBe('json');
    expect(logOptionsFrom({ EVENTLENS_LOG_LEVEL: 'info' }).format).toBe('json');
    expect(
      logOptionsFrom({ EVENTLENS_LOG_LEVEL: 'warn', EVENTLENS_LOG_FORMAT: 'json', NODE_ENV: 'development' }),
    ).toEqual({ level: 'warn', format: 'json' });
  });
});

describe('kafkaLogCreator', () => {
  it('writes kafkajs entries at their level with its namespace', () => {
    const { logger, json } = capture('debug');
    const log = kafkaLogCreator(logger)();
    log({
      namespace: 'Connection',
      level: 1,
      label: 'ERROR',
      log: { message: 'refused', broker: 'b:9092', timestamp: 't' },
    });
    log({ namespace: 'Consumer', level: 2, label: 'WARN', log: { message: 'rebalancing' } });
    expect(json()).toEqual([
      expect.objectContaining({
        level: 'error',
        component: 'kafkajs',
        namespace: 'Connection',
        message: 'refused',
        broker: 'b:9092',
      }),
      expect.objectContaining({ level: 'warn', namespace: 'Consumer', message: 'rebalancing' }),
    ]);
    expect(json()[0]).not.toHaveProperty('timestamp');
  });
});

describe('recordingLogger', () => {
  it("keeps every line with its level and fields, its children's too", () => {
    const lines: RecordedLine[] = [];
    const logger = recordingLogger(lines);
    logger.info('started');
    logger.child({ worker: 'analytics' }).error('crashed', { attempt: 2 });
    expect(lines).toEqual([
      { level: 'info', message: 'started' },
      { level: 'error', message: 'crashed', fields: { attempt: 2 } },
    ]);
  });
});
