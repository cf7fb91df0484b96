/**
 * Prometheus metrics of one command-side instance, on a registry of its own (no global state):
 * the shared HTTP metrics (service-kit), events accepted and the seconds from receipt to Kafka's
 * acknowledgement (the `acknowledged` stage of the service kit's event-stage histogram), ingestion
 * requests refused by reason, the producer's batches and the breaker around it, the registry
 * codec's cache.
 *
 * When the command side runs as several processes (cluster.ts), each worker keeps this registry
 * and a scrape answers the sum over the workers (prom-client's AggregatorRegistry): counters and
 * histograms add up; the breaker's gauge is the largest worker's value, so 2 still means "a
 * circuit is open".
 */
import { CACHE_LOOKUPS, type CacheLookup } from '@eventlens/contracts';
import {
  Counter,
  createMetricsRegistry,
  eventStageHistogram,
  Gauge,
  Histogram,
  httpMetrics,
  registryCacheMetrics,
  type Registry,
} from '@eventlens/service-kit';
import type { Request, RequestHandler, Response } from 'express';
import { ERROR_CODES, type ErrorCode } from '../errors';
import type { BreakerState } from '../log/breaker';
import type { FlushStats } from '../log/group-commit';
import { INGEST_ROUTES } from '../ingest/routes';

export interface Metrics {
  registry: Registry;
  /** Counts every answered request by route, method and status, and ingestion refusals by reason. */
  httpMiddleware: RequestHandler;
  recordFlush(stats: FlushStats): void;
  setBreakerState(state: BreakerState): void;
  /**
   * `count` events of `projectId` acknowledged by Kafka `acknowledgedAfterMs` milliseconds after
   * their `received_at`: counted, and each observed in `eventlens_event_stage_seconds{stage="acknowledged"}`.
   */
  acceptedEvents(count: number, projectId: string, acknowledgedAfterMs: number): void;
  /** The codec's `onCacheLookup` hook. */
  registryCacheLookup(lookup: CacheLookup, result: 'hit' | 'miss'): void;
}

/** Gauge values of `eventlens_breaker_state`; the alert `EventLensBreakerOpen` fires on 2. */
export const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** The paths whose refusals `eventlens_ingest_requests_refused_total` counts: every ingestion route's. */
const INGEST_PATHS: readonly string[] = Object.values(INGEST_ROUTES).map((route) => route.path);

/** Where the error middleware leaves the code it answered with, for the refusal counter. */
export const ERROR_CODE_LOCAL = 'errorCode';

/** The matched route pattern, never the raw path: label values must stay few. */
function routeOf(req: Request): string {
  return req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = createMetricsRegistry({ defaultMetrics: options.defaultMetrics });
  const registers = [registry];
  const observeHttp = httpMetrics(registry, { routeOf: (req) => routeOf(req as Request) });
  const produceDuration = new Histogram({
    name: 'eventlens_produce_duration_seconds',
    help: 'Duration of one produce call to Kafka (acks=all), by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const batchRecords = new Histogram({
    name: 'eventlens_group_commit_records',
    help: 'Records carried by one produce call (group commit batch size).',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers,
  });
  const batchAppends = new Histogram({
    name: 'eventlens_group_commit_appends',
    help: 'Requests (appends) coalesced into one produce call.',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250],
    registers,
  });
  const breaker = new Gauge({
    name: 'eventlens_breaker_state',
    help: 'Circuit breaker around the Kafka producer: 0 closed, 1 half-open, 2 open.',
    // Across cluster workers: the worst circuit, not a sum (two half-open circuits are not one open).
    aggregator: 'max',
    registers,
  });
  // One series per project: what the alert on a project gone silent needs. A self-hosted install
  // has tens to a few thousand projects, well within what Prometheus holds.
  const accepted = new Counter({
    name: 'eventlens_events_accepted_total',
    help: 'Events acknowledged by Kafka and answered 202, by project.',
    labelNames: ['project_id'] as const,
    registers,
  });
  const refused = new Counter({
    name: 'eventlens_ingest_requests_refused_total',
    help: 'Ingestion requests (POST /v1/events, /v1/batch, /api/event) answered with an error, by route and reason (the error code).',
    labelNames: ['route', 'reason'] as const,
    registers,
  });
  // Every reason an ingestion request can be refused with starts at 0: rate() sees the first one.
  // A 405 is no refusal of an ingestion route: no route matched it, so its label is `unmatched`.
  const neverIngest: readonly ErrorCode[] = ['NOT_FOUND', 'METHOD_NOT_ALLOWED', 'CONFLICT'];
  for (const route of INGEST_PATHS) {
    for (const reason of ERROR_CODES) {
      if (!neverIngest.includes(reason)) refused.inc({ route, reason }, 0);
    }
  }
  const registryCacheLookup = registryCacheMetrics(registry, CACHE_LOOKUPS);
  // The command side's one stage; the projections observe the later ones on their own registries.
  const acknowledged = eventStageHistogram(registry).labels({ stage: 'acknowledged', projection: '' });

  const httpMiddleware: RequestHandler = (req, res: Response, next) => {
    observeHttp(req, res);
    res.once('finish', () => {
      if (res.statusCode < 400) return;
      const route = routeOf(req);
      if (!INGEST_PATHS.includes(route)) return;
      const code = res.locals[ERROR_CODE_LOCAL] as ErrorCode | undefined;
      refused.inc({ route, reason: code ?? `HTTP_${res.statusCode}` });
    });
    next();
  };

  return {
    registry,
    httpMiddleware,
    recordFlush(stats) {
      produceDuration.observe({ outcome: stats.ok ? 'ok' : 'error' }, stats.durationMs / 1000);
      batchRecords.observe(stats.records);
      batchAppends.observe(stats.appends);
    },
    setBreakerState: (state) => breaker.set(BREAKER_VALUE[state]),
    acceptedEvents(count, projectId, acknowledgedAfterMs) {
      accepted.inc({ project_id: projectId }, count);
      // One observation per event (the histogram counts events); a request's events share the time.
      const seconds = Math.max(0, acknowledgedAfterMs) / 1000;
      for (let i = 0; i < count; i++) acknowledged.observe(seconds);
    },
    registryCacheLookup,
  };
}
