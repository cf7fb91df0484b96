/**
 * The one logger of every service, on pino: one JSON line per entry in production, readable lines
 * in development (pino-pretty), and on every line the trace and span ids of the span active when it
 * was written (`trace_id`, `span_id`: the OpenTelemetry log data model's names), so a log line leads
 * to its trace. Passed in as a parameter, never imported as a singleton.
 *
 * A JSON line: `{"level":"info","time":"2026-01-01T00:00:00.000Z","service":"query-side",
 * "trace_id":"…","span_id":"…","message":"listening","port":18200}`.
 */
import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { pino, stdTimeFunctions, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';
import { z } from 'zod';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'pretty';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger adding `fields` to every line. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** `service` on every line. */
  service: string;
  /** Entries below it are dropped; `info` by default. */
  level?: LogLevel;
  /** `json` (the default) or `pretty` (pino-pretty, for a person at a terminal). */
  format?: LogFormat;
  /** Where lines go: one call per line, newline included; stdout by default. */
  write?: (line: string) => void;
}

/** The variables every service reads for its logger; spread into a service's env schema. */
export const LOG_ENV = {
  EVENTLENS_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** `json` or `pretty`; unset: pretty when NODE_ENV is `development`, JSON otherwise. */
  EVENTLENS_LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  NODE_ENV: z.string().optional(),
};

/** The logger options from variables parsed with LOG_ENV. */
export function logOptionsFrom(env: {
  EVENTLENS_LOG_LEVEL: LogLevel;
  EVENTLENS_LOG_FORMAT?: LogFormat | undefined;
  NODE_ENV?: string | undefined;
}): { level: LogLevel; format: LogFormat } {
  return {
    level: env.EVENTLENS_LOG_LEVEL,
    format: env.EVENTLENS_LOG_FORMAT ?? (env.NODE_ENV === 'development' ? 'pretty' : 'json'),
  };
}

/** The ids of the span active in the current context, none outside a (sampled or not) span. */
function traceFields(): LogFields {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

export function createLogger(options: LoggerOptions): Logger {
  const { write } = options;
  const sink = write
    ? new Writable({
        write(chunk: Buffer, _encoding, done) {
          write(chunk.toString());
          done();
        },
      })
    : undefined;
  const destination: DestinationStream | undefined =
    options.format === 'pretty'
      ? pretty({
          sync: true,
          messageKey: 'message',
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname',
          ...(sink ? { destination: sink, colorize: false } : {}),
        })
      : sink;
  const options_: pino.LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    messageKey: 'message',
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: traceFields,
  };
  return wrap(destination ? pino(options_, destination) : pino(options_));
}

function wrap(p: pino.Logger): Logger {
  return {
    debug: (message, fields) => p.debug(fields ?? {}, message),
    info: (message, fields) => p.info(fields ?? {}, message),
    warn: (message, fields) => p.warn(fields ?? {}, message),
    error: (message, fields) => p.error(fields ?? {}, message),
    child: (fields) => wrap(p.child(fields)),
  };
}

/** For tests and tools: drops everything. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/** A log line as `recordingLogger` keeps it. */
export interface RecordedLine {
  level: LogLevel;
  message: string;
  fields?: LogFields;
}

/**
 * For tests: keeps every line (level, message, fields) in `lines`, children's lines included, so a
 * test can wait for a line or look at its fields.
 */
export function recordingLogger(lines: RecordedLine[]): Logger {
  const at =
    (level: LogLevel) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, ...(fields ? { fields } : {}) });
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return logger;
}

/** An error's message for a log line or an answer; a non-Error as its string. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** kafkajs's numeric levels (its `logLevel`): ERROR 1, WARN 2, INFO 4, DEBUG 5. */
const KAFKAJS_ERROR = 1;
const KAFKAJS_WARN = 2;
const KAFKAJS_INFO = 4;

/** What kafkajs hands a log function (its `LogEntry`), declared here so the kit needs no kafkajs. */
export interface KafkaLogEntry {
  namespace: string;
  level: number;
  label: string;
  log: { message: string; timestamp?: string } & Record<string, unknown>;
}

/**
 * A kafkajs `logCreator` writing to `logger` (as `component: kafkajs`, with kafkajs's namespace).
 * kafkajs's own `logLevel` option still decides what reaches it.
 */
export function kafkaLogCreator(logger: Logger): () => (entry: KafkaLogEntry) => void {
  const log = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log: entry }) => {
      const { message, timestamp: _timestamp, ...fields } = entry;
      const at = { namespace, ...fields };
      if (level <= KAFKAJS_ERROR) log.error(message, at);
      else if (level === KAFKAJS_WARN) log.warn(message, at);
      else if (level === KAFKAJS_INFO) log.info(message, at);
      else log.debug(message, at);
    };
}
