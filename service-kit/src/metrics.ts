/**
 * One Prometheus registry per service instance, and the HTTP metrics every service exports, so
 * the series are named alike everywhere and a dashboard needs one query for all of them (the
 * scrape job tells the services apart). Each instance gets its own registry: no global default
 * registry, so tests can build several apps in one process.
 *
 * Names follow Prometheus's conventions (https://prometheus.io/docs/practices/naming/): base units
 * (seconds, bytes) in the name, `_total` on counters only. `promtool check metrics` is run on every
 * service's /metrics by monitoring/test/metrics.int.test.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * prom-client's default metrics that break the naming rules: gauges ending in `_total`, which
 * `promtool check metrics` refuses. Each has a per-type twin without the suffix
 * (`nodejs_active_handles{type}`), whose sum is the same number.
 */
export const DROPPED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

export interface RegistryOptions {
  /** Node's process metrics (CPU, memory, event loop lag, GC); default true. Tests may turn them off. */
  defaultMetrics?: boolean;
}

/** A registry of its own, with Node's process metrics unless turned off. */
export function createMetricsRegistry(options: RegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    for (const name of DROPPED_DEFAULT_METRICS) registry.removeSingleMetric(name);
  }
  return registry;
}

/** Upper bounds of `eventlens_http_request_duration_seconds`, in seconds. */
export const HTTP_DURATION_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export interface HttpMetricsOptions {
  /**
   * The route template of an answered request (`/v1/events`, `/v1/projects/:id/events`), read when
   * the response finishes. Never the raw path: ids in paths would make a series per id.
   * Requests that matched no route should all map to one value, e.g. `unmatched`.
   */
  routeOf(req: IncomingMessage, res: ServerResponse): string;
}

/**
 * Counts and times every answered request: `eventlens_http_requests_total{route,method,status}`
 * and `eventlens_http_request_duration_seconds{route,method}`. Returns a handler usable as Express
 * middleware (`app.use(...)`) or called first thing in a plain `node:http` handler (no `next`).
 */
export function httpMetrics(
  registry: Registry,
  options: HttpMetricsOptions,
): (req: IncomingMessage, res: ServerResponse, next?: () => void) => void {
  const requests = new Counter({
    name: 'eventlens_http_requests_total',
    help: 'HTTP requests answered, by route template, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'eventlens_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to finishing its answer, by route template and method.',
    labelNames: ['route', 'method'] as const,
    buckets: HTTP_DURATION_BUCKETS_SECONDS,
    registers: [registry],
  });
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const route = options.routeOf(req, res);
      const method = req.method ?? 'UNKNOWN';
      requests.inc({ route, method, status: String(res.statusCode) });
      duration.observe({ route, method }, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next?.();
  };
}

/**
 * Upper bounds of `eventlens_event_stage_seconds`, in seconds: fine between 5 ms and 1 s, where the
 * pipeline's end-to-end aims sit (p50 ≤ 120 ms, p99 ≤ 250 ms at 1,000 events/s), then coarse up to an
 * hour behind.
 */
export const EVENT_STAGE_BUCKETS_SECONDS = [
  0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10, 30,
  60, 300, 900, 3600,
];

/** The stages an accepted event passes, in order, and the service that observes each. */
export const EVENT_STAGES = {
  /** The command side: Kafka acknowledged the append (acks=all). */
  acknowledged: 'command-side',
  /** A projection worker: the record came back in a fetch. */
  fetched: 'projections',
  /** A projection worker: the transaction holding the record's row committed (it is visible from then on). */
  committed: 'projections',
} as const;
export type EventStage = keyof typeof EVENT_STAGES;

/**
 * `eventlens_event_stage_seconds{stage,projection}`: for every accepted event, the seconds from the
 * ingestion API receiving it (EventTracked's `received_at`) to reaching `stage`. Every stage is
 * measured from the same start, so one histogram per stage shows where events queue: the stage
 * whose quantile jumps from the one before. `projection` is empty for stages before the log.
 * Clocks: the start is the command side's clock, later stages the projection host's; on one machine
 * they are one clock.
 */
export function eventStageHistogram(registry: Registry): Histogram<'stage' | 'projection'> {
  return new Histogram({
    name: 'eventlens_event_stage_seconds',
    help: 'Seconds from the ingestion API receiving an event to it reaching a stage (acknowledged, fetched, committed).',
    labelNames: ['stage', 'projection'] as const,
    buckets: EVENT_STAGE_BUCKETS_SECONDS,
    registers: [registry],
  });
}

/** Answers a scrape: the registry in Prometheus's text format (prom-client's content type). */
export async function sendMetrics(registry: Registry, res: ServerResponse): Promise<void> {
  let text: string;
  try {
    text = await registry.metrics();
  } catch (error) {
    // A collect callback failed (e.g. a pool gauge): the scrape fails visibly, the process goes on.
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`collecting metrics failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return;
  }
  res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
  res.end(text);
}

/**
 * Counters of a cache in front of the schema registry: `eventlens_registry_cache_hits_total{lookup}`
 * and `eventlens_registry_cache_misses_total{lookup}` (a miss asks the registry). Every lookup starts
 * at 0, so the series exist before the first event. Returns the hook the codec calls
 * (contracts' `onCacheLookup`).
 */
export function registryCacheMetrics(
  registry: Registry,
  lookups: readonly string[],
): (lookup: string, result: 'hit' | 'miss') => void {
  const hits = new Counter({
    name: 'eventlens_registry_cache_hits_total',
    help: 'Schema-registry lookups answered from the cache, by lookup (schema_id, writer_schema).',
    labelNames: ['lookup'] as const,
    registers: [registry],
  });
  const misses = new Counter({
    name: 'eventlens_registry_cache_misses_total',
    help: 'Schema-registry lookups not in the cache (writer_schema: fetched from the registry), by lookup.',
    labelNames: ['lookup'] as const,
    registers: [registry],
  });
  for (const lookup of lookups) {
    hits.inc({ lookup }, 0);
    misses.inc({ lookup }, 0);
  }
  return (lookup, result) => (result === 'hit' ? hits : misses).inc({ lookup });
}
