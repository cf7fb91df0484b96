/**
 * The command side as several processes on one port (`EVENTLENS_INGEST_PROCESSES` > 1), with
 * Node's `cluster` module. The command side is stateless between requests — every instance reads
 * the whole admin log and appends to Kafka — so N processes are N instances sharing a listener:
 *
 * - the primary forks N workers and does nothing else (no Kafka, no HTTP of its own); the workers
 *   listen on the configured port together, and the primary hands each new connection to the next
 *   worker in turn (Node's round-robin policy, the default on Linux);
 * - a worker that dies is forked again, at once after a long life, with a doubling delay (up to
 *   30 s) after quick deaths, so a worker that cannot start does not spin (`restartDelayMs`);
 * - SIGTERM / SIGINT to the primary passes SIGTERM to every worker; each drains as one process
 *   does (requests in flight answered, the group commit flushed), and the primary exits once all
 *   have: 0 when every worker stopped cleanly, else 1;
 * - `/metrics`, answered by whichever worker took the connection, is the whole service: the worker
 *   asks the primary, which gathers every worker's registry (prom-client's AggregatorRegistry:
 *   counters and histograms summed, gauges by their aggregator).
 *
 * Per-process state is per worker: the rate limit's buckets (http/rate-limit.ts) and the login
 * throttle (admin/throttle.ts) count what reached that worker, so a key may send up to N times its
 * configured rate through N workers (README, "Several processes").
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { z } from 'zod';
import { parseEnv, type Logger } from '@eventlens/service-kit';

/** The most processes the setting allows: far beyond the cores of one host, to catch a typo. */
export const MAX_INGEST_PROCESSES = 64;

/** The setting, defined once: config.ts validates it with the rest, main.ts reads it alone first. */
export const PROCESSES_ENV = {
  /** Processes serving the port: 1 (the default) is one process and no cluster. */
  EVENTLENS_INGEST_PROCESSES: z.coerce.number().int().min(1).max(MAX_INGEST_PROCESSES).default(1),
};

/**
 * How many processes the command side runs as (EVENTLENS_INGEST_PROCESSES, 1 to 64, default 1).
 * Read before anything else is imported (main.ts): tracing must start in each worker before the
 * application's modules load, and the primary never loads them. Throws ConfigError.
 */
export function ingestProcessesFrom(env: Record<string, string | undefined>): number {
  return parseEnv(z.object(PROCESSES_ENV), env).EVENTLENS_INGEST_PROCESSES;
}

/**
 * Set by the primary in the environment of a worker that replaces a dead one (never by hand): such
 * a worker listens only once ready, so the round robin hands it no connection it would refuse
 * with 503 NOT_READY while the others serve. The first workers listen at once, as one process
 * does, so /healthz answers while they connect.
 */
export const REPLACEMENT_ENV = 'EVENTLENS_INTERNAL_REPLACEMENT_WORKER';

/** Whether this process is a worker forked to replace a dead one (REPLACEMENT_ENV). */
export const isReplacementWorker = (env: Record<string, string | undefined>): boolean =>
  cluster.isWorker && env[REPLACEMENT_ENV] === '1';

/** A worker that lived at least this long died of something else than failing to start. */
const LONG_LIFE_MS = 10_000;
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;

/**
 * Milliseconds before forking again a worker that died after `livedMs`, given the delay used for
 * its slot last time (0 when none): 0 after a life of 10 s or more; otherwise 1 s, doubling with
 * each quick death in a row, at most 30 s.
 */
export function restartDelayMs(livedMs: number, previousDelayMs: number): number {
  if (livedMs >= LONG_LIFE_MS) return 0;
  return Math.min(MAX_DELAY_MS, Math.max(FIRST_DELAY_MS, previousDelayMs * 2));
}

/** Worker → primary: this worker's registry can be gathered from now on. */
const METRICS_READY = 'eventlens:metrics-ready';
/** Worker → primary: the whole service's metrics, please. */
const METRICS_REQUEST = 'eventlens:metrics-request';
/** Primary → worker: the answer to METRICS_REQUEST. */
const METRICS_ANSWER = 'eventlens:metrics-answer';
/** Primary → worker: your registry's metrics, please; worker → primary: METRICS_PART. */
const METRICS_COLLECT = 'eventlens:metrics-collect';
const METRICS_PART = 'eventlens:metrics-part';

interface Message {
  type: string;
  id: number;
  text?: string;
  error?: string;
  metrics?: Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
}

const isMessage = (message: unknown, type: string): message is Message =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

/** How long gathering waits for the workers' parts, and a worker for the gathered text. */
const GATHER_TIMEOUT_MS = 5000;

export interface Primary {
  /** Workers alive now. */
  workers(): number;
  /** Stops restarting, SIGTERMs every worker and resolves once all exited; rejects when one exited unclean. */
  stop(): Promise<void>;
}

/**
 * Runs the cluster's primary: forks `processes` workers (each runs main.ts as one instance),
 * restarts the dead, answers the workers' metrics requests with the whole service's metrics.
 */
export function runPrimary(options: { processes: number; logger: Logger }): Primary {
  const { logger } = options;
  let stopping = false;
  const restarts = new Set<NodeJS.Timeout>();
  /** Workers whose registries are gathered: those that said so (a worker still loading has none yet). */
  const gatherable = new Set<Worker>();
  let nextGather = 0;
  const gathering = new Map<
    number,
    { parts: NonNullable<Message['metrics']>; waitingFor: Set<Worker>; finish(): void }
  >();

  /** Every gatherable worker's registry, summed by prom-client's AggregatorRegistry. */
  function gather(): Promise<string> {
    const targets = [...gatherable].filter((worker) => worker.isConnected());
    return new Promise<string>((resolve, reject) => {
      const id = nextGather++;
      const parts: NonNullable<Message['metrics']> = [];
      const timer = setTimeout(() => {
        gathering.delete(id);
        reject(new Error(`a worker did not send its metrics within ${GATHER_TIMEOUT_MS} ms`));
      }, GATHER_TIMEOUT_MS);
      const finish = () => {
        clearTimeout(timer);
        gathering.delete(id);
        // One metric per name, as each worker has it: aggregate() groups the parts by name.
        AggregatorRegistry.aggregate(parts.map((metric) => [metric]))
          .metrics()
          .then(resolve, reject);
      };
      gathering.set(id, { parts, waitingFor: new Set(targets), finish });
      for (const worker of targets) worker.send({ type: METRICS_COLLECT, id });
      if (targets.length === 0) finish();
    });
  }

  function received(worker: Worker, id: number): void {
    const entry = gathering.get(id);
    if (!entry) return;
    entry.waitingFor.delete(worker);
    if (entry.waitingFor.size === 0) entry.finish();
  }

  cluster.on('message', (worker: Worker, message: unknown) => {
    if (isMessage(message, METRICS_READY)) {
      gatherable.add(worker);
    } else if (isMessage(message, METRICS_PART)) {
      gathering.get(message.id)?.parts.push(...(message.metrics ?? []));
      received(worker, message.id);
    } else if (isMessage(message, METRICS_REQUEST)) {
      const answer = (fields: Pick<Message, 'text' | 'error'>) => {
        if (worker.isConnected()) worker.send({ type: METRICS_ANSWER, id: message.id, ...fields });
      };
      gather().then(
        (text) => answer({ text }),
        (error: unknown) => answer({ error: error instanceof Error ? error.message : String(error) }),
      );
    }
  });
  cluster.on('exit', (worker: Worker) => {
    gatherable.delete(worker);
    for (const id of [...gathering.keys()]) received(worker, id);
  });

  /** One slot per configured process; a slot's worker is replaced when it dies. */
  function fork(slot: number, previousDelayMs: number): void {
    const started = Date.now();
    const worker = cluster.fork(replacing.has(slot) ? { [REPLACEMENT_ENV]: '1' } : {});
    replacing.add(slot);
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      const delay = restartDelayMs(Date.now() - started, previousDelayMs);
      logger.error('a command-side worker died; starting another', {
        slot,
        pid: worker.process.pid,
        code,
        signal,
        restartInMs: delay,
      });
      const timer = setTimeout(() => {
        restarts.delete(timer);
        if (!stopping) fork(slot, delay);
      }, delay);
      restarts.add(timer);
    });
  }

  /** Slots that had a worker already: the next one forked for them is a replacement. */
  const replacing = new Set<number>();
  for (let slot = 1; slot <= options.processes; slot++) fork(slot, 0);
  logger.info('forked command-side workers', { processes: options.processes });

  const alive = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);

  async function stop(): Promise<void> {
    stopping = true;
    for (const timer of restarts) clearTimeout(timer);
    restarts.clear();
    const exits = alive().map(
      (worker) =>
        new Promise<{ pid: number | undefined; code: number | null; signal: string | null }>((resolve) => {
          if (worker.isDead()) {
            resolve({ pid: worker.process.pid, code: worker.process.exitCode, signal: null });
            return;
          }
          worker.once('exit', (code, signal) => resolve({ pid: worker.process.pid, code, signal }));
          worker.process.kill('SIGTERM');
        }),
    );
    const unclean = (await Promise.all(exits)).filter((exit) => exit.code !== 0);
    if (unclean.length > 0) {
      throw new Error(
        `workers stopped unclean: ${unclean.map((e) => `pid ${e.pid} ${e.signal ?? `code ${e.code}`}`).join(', ')}`,
      );
    }
  }

  return { workers: () => alive().filter((w) => !w.isDead()).length, stop };
}

/**
 * A worker's `/metrics` text: the whole service's, gathered by the primary from every worker's
 * registry. Offers `registry` as this worker's part from now on. Call once per worker.
 */
export function clusterScrape(registry: Registry): () => Promise<string> {
  let nextId = 0;
  const waiting = new Map<number, (answer: Message) => void>();
  process.on('message', (message: unknown) => {
    if (isMessage(message, METRICS_COLLECT)) {
      registry.getMetricsAsJSON().then(
        (metrics) => process.send?.({ type: METRICS_PART, id: message.id, metrics }),
        // A failed collect callback: this worker's part is left out rather than failing the scrape.
        () => process.send?.({ type: METRICS_PART, id: message.id, metrics: [] }),
      );
    } else if (isMessage(message, METRICS_ANSWER)) {
      waiting.get(message.id)?.(message);
    }
  });
  process.send?.({ type: METRICS_READY, id: 0 });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(
          new Error(
            `the primary did not answer with the workers' metrics within ${GATHER_TIMEOUT_MS + 1000} ms`,
          ),
        );
      }, GATHER_TIMEOUT_MS + 1000);
      waiting.set(id, (answer) => {
        clearTimeout(timer);
        waiting.delete(id);
        if (answer.text !== undefined) resolve(answer.text);
        else reject(new Error(`gathering the workers' metrics failed: ${answer.error ?? 'no answer'}`));
      });
      process.send?.({ type: METRICS_REQUEST, id });
    });
}
