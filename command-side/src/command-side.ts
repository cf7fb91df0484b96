/**
 * Builds a command-side instance from its configuration: the codec, the log (Kafka producer →
 * group commit → circuit breaker), the admin directory and its tail, the HTTP app; and runs its
 * life cycle. `main.ts` calls it with the environment's configuration, tests with their own.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CodecError, EVENT_TYPES, createCodec, type Codec } from '@eventlens/contracts';
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createKeyDirectory, type KeyDirectory } from './admin/directory';
import { openCountryLookup, type CountryLookup } from './ingest/client';
import { createApp } from './app';
import { INGEST_HTTP_LIMITS, type CommandSideConfig } from './config';
import { HttpError } from './errors';
import type { ReadinessCheck } from './http/health';
import { createMetrics, type Metrics } from './http/metrics';
import { createEventRateLimiter } from './http/rate-limit';
import { createBreaker, type GuardedAppender } from './log/breaker';
import { createGroupCommit } from './log/group-commit';
import type { KafkaClientOptions } from './log/kafka-client';
import { createKafkaLog } from './log/kafka-log';
import { createTopicTail } from './log/topic-tail';
import {
  closeServer,
  createHttpServer,
  describeError,
  retry,
  silentLogger,
  type Logger,
} from '@eventlens/service-kit';

export interface CommandSideOptions {
  logger?: Logger;
  now?: () => number;
  newId?: () => string;
  /** Node's default process metrics; off lets tests run several instances without noise. */
  defaultMetrics?: boolean;
  /** How the producer opens broker connections (kafkajs `socketFactory`): TLS options, or a test that cuts them. */
  kafkaSocketFactory?: KafkaClientOptions['socketFactory'];
  /** The same for the admin log's tail (the key directory): a test that slows its fetches. */
  adminTailSocketFactory?: KafkaClientOptions['socketFactory'];
  /** The client address's country; defaults to the offline database shipped with the command side. */
  countryOf?: CountryLookup;
  /**
   * This instance as one worker of several (cluster.ts): /readyz names the worker (`process`
   * check: `worker <id> of <processes>, pid <pid>`), and /metrics answers every worker's metrics
   * gathered by `scrape` (given this instance's registry) instead of this instance's alone.
   */
  worker?: { id: number; processes: number; scrape: (registry: Registry) => () => Promise<string> };
}

export interface CommandSide {
  app: Express;
  directory: KeyDirectory;
  metrics: Metrics;
  /** Registers schemas, connects the producer and starts the admin tail, each retrying until done. */
  start(): Promise<void>;
  /** Resolves once started and the admin directory has read the admin topic up to its high watermark. */
  whenReady(timeoutMs?: number): Promise<void>;
  checks(): ReadinessCheck[];
  /** Listens on the configured host and port (or the ones given; port 0 picks a free one). */
  listen(
    port?: number,
    host?: string,
  ): Promise<{ url: string; port: number; host: string; address: AddressInfo }>;
  /** Stops taking requests, lets those in flight finish, flushes the group commit and disconnects. */
  stop(): Promise<void>;
}

/** A tail that has not fetched for this long may be missing revocations. */
const TAIL_STALE_MS = 10_000;
/**
 * How long a command (or a request with a key this instance does not know) waits for the key
 * directory to read the admin log to its end: the broker's answer and a fetch or two (the tail's
 * fetches wait at most 100 ms), with room for a loaded machine.
 */
const CATCH_UP_TIMEOUT_MS = 5_000;

export function createCommandSide(config: CommandSideConfig, options: CommandSideOptions = {}): CommandSide {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const newId = options.newId ?? randomUUID;
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics });
  const worker = options.worker;
  const codec: Codec = createCodec({
    registryUrl: config.registryUrl,
    ...(config.registryAuth ? { auth: config.registryAuth } : {}),
    onCacheLookup: metrics.registryCacheLookup,
  });
  const directory = createKeyDirectory();
  const kafkaOptions = {
    brokers: config.kafkaBrokers,
    clientId: config.clientId,
    logger,
    security: config.kafkaSecurity,
  };

  const kafkaLog = createKafkaLog({
    ...kafkaOptions,
    socketFactory: options.kafkaSocketFactory,
    deliveryTimeoutMs: config.appendTimeoutMs,
  });
  const committer = createGroupCommit(kafkaLog, {
    ...config.groupCommit,
    timeoutMs: config.appendTimeoutMs,
    onFlush: metrics.recordFlush,
  });
  const breaker: GuardedAppender = createBreaker(committer, {
    ...config.breaker,
    onStateChange: (state) => {
      metrics.setBreakerState(state);
      logger.warn(`circuit breaker around the Kafka producer is ${state}`);
    },
  });
  metrics.setBreakerState('closed');

  const tail = createTopicTail({
    ...kafkaOptions,
    socketFactory: options.adminTailSocketFactory,
    topic: config.topics.admin,
    onRecord: async (value, position) => {
      if (!value) return;
      try {
        directory.apply(await codec.decode(value));
      } catch (error) {
        // The registry being away is worth waiting for; a record that can never decode is skipped.
        if (error instanceof CodecError && error.transient) throw error;
        logger.error('skipping an admin record that does not decode', {
          ...position,
          error: describeError(error),
        });
      }
    },
  });

  let registered = false;
  let stopping = false;
  /** Aborted by stop(): ends the waits for the registry. */
  const stopped = new AbortController();

  const notReady = (): HttpError | undefined => {
    if (!registered)
      return new HttpError('NOT_READY', 'schemas are not registered yet; retry shortly', { retryAfterS: 1 });
    if (!tail.caughtUp()) {
      return new HttpError('NOT_READY', 'the key directory is still reading the admin log; retry shortly', {
        retryAfterS: 1,
      });
    }
    return undefined;
  };

  /** readToEnd's bound: a broker that cannot say where the admin log ends soon answers 503. */
  const catchUp = () =>
    tail.readToEnd(CATCH_UP_TIMEOUT_MS).catch((error: unknown) => {
      logger.warn('the key directory could not read the admin log to its end', {
        error: describeError(error),
      });
      throw new HttpError(
        'NOT_READY',
        'the key directory cannot read the admin log to its end; retry shortly',
        {
          retryAfterS: 1,
        },
      );
    });

  function checks(): ReadinessCheck[] {
    const { position, target } = tail.progress();
    const fetchedAt = tail.lastFetchAt();
    const tailFresh = fetchedAt !== undefined && Date.now() - fetchedAt < TAIL_STALE_MS;
    const ids = EVENT_TYPES.map((type) => `${type}=${codec.schemaId(type) ?? '?'}`).join(' ');
    return [
      {
        name: 'kafka',
        ok: kafkaLog.isConnected(),
        // The circuit's state is shown, not checked: an open circuit is this instance doing its job
        // (answering 503 with Retry-After at once), not a reason to take it out of rotation.
        detail: `producer ${kafkaLog.isConnected() ? 'connected' : 'not connected'}, circuit ${breaker.state()}`,
      },
      { name: 'registry', ok: registered, detail: registered ? ids : 'schemas not registered yet' },
      {
        name: 'adminDirectory',
        ok: tail.caughtUp() && tailFresh,
        detail: `${tail.caughtUp() ? 'caught up' : 'catching up'} (read ${JSON.stringify(position)} of ${JSON.stringify(target)})${tailFresh ? '' : ', no recent fetch'}`,
      },
      ...(worker
        ? [
            {
              name: 'process',
              ok: true,
              detail: `worker ${worker.id} of ${worker.processes}, pid ${process.pid}`,
            },
          ]
        : []),
    ];
  }

  const app = createApp({
    ingest: {
      directory,
      appender: breaker,
      codec,
      limiter: createEventRateLimiter(config.rateLimit),
      eventsTopic: config.topics.events,
      countryOf: options.countryOf ?? openCountryLookup(),
      notReady,
      catchUp,
      now,
      newId,
      visitorSecret: config.sessionSecret,
    },
    admin: {
      directory,
      appender: breaker,
      codec,
      adminTopic: config.topics.admin,
      auth: { sessionSecret: config.sessionSecret, adminToken: config.adminToken, now },
      cookieSecure: config.http.cookieSecure,
      notReady,
      catchUp,
      now,
      newId,
    },
    metrics,
    checks,
    ...(worker ? { scrape: worker.scrape(metrics.registry) } : {}),
    logger,
    trustProxy: config.http.trustProxy,
  });

  async function registerSchemas(): Promise<void> {
    try {
      const ids = await retry(() => codec.register(), {
        signal: stopped.signal,
        // A schema the registry refuses stays refused; an unreachable registry is waited for.
        shouldRetry: (error) => !(error instanceof CodecError && !error.transient),
        onRetry: (error, attempt) =>
          logger.warn('schema registry unavailable; retrying', { error: describeError(error), attempt }),
      });
      registered = true;
      logger.info('schemas registered', { ids });
    } catch (error) {
      if (!stopped.signal.aborted) throw error;
    }
  }

  let starting: Promise<void> | undefined;
  const start = () =>
    (starting ??= Promise.all([registerSchemas(), kafkaLog.connect(), tail.start()]).then(() => undefined));

  async function whenReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const timedOut = () => {
      const failing = checks().filter((c) => !c.ok);
      return new Error(
        `command side not ready after ${timeoutMs} ms: ${failing.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
      );
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timedOut()), timeoutMs);
    });
    try {
      await Promise.race([start(), timeout]);
    } finally {
      clearTimeout(timer);
    }
    // Ready means what /readyz says: every check passes (the tail has also fetched at least once).
    while (!checks().every((c) => c.ok)) {
      if (Date.now() > deadline) throw timedOut();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  let server: Server | undefined;

  function listen(port = config.http.port, host = config.http.host) {
    return new Promise<{ url: string; port: number; host: string; address: AddressInfo }>(
      (resolve, reject) => {
        // Bounded: slow heads and bodies are cut, idle connections closed, connections capped.
        const candidate = createHttpServer(app, config.httpLimits ?? INGEST_HTTP_LIMITS);
        candidate.once('error', reject);
        candidate.listen(port, host);
        candidate.once('listening', () => {
          server = candidate;
          candidate.off('error', reject);
          const address = candidate.address() as AddressInfo;
          const shown = host.includes(':') ? `[${host}]` : host;
          resolve({ url: `http://${shown}:${address.port}`, port: address.port, host, address });
        });
      },
    );
  }

  async function stop(): Promise<void> {
    if (stopping) return;
    stopping = true;
    stopped.abort(new Error('stopping'));
    // Requests in flight get their append's deadline to finish.
    if (server) await closeServer(server, config.appendTimeoutMs + 1000);
    await committer.close();
    breaker.shutdown();
    await Promise.all([kafkaLog.disconnect(), tail.stop()]);
  }

  return { app, directory, metrics, start, whenReady, checks, listen, stop };
}
