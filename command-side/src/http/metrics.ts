/** Prometheus metrics of one command-side instance, on a registry of its own (no global state). */
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakerState } from '../log/breaker';
import type { FlushStats } from '../log/group-commit';

export interface Metrics {
  registry: Registry;
  /** Counts every answered request by route, method and status. */
  httpMiddleware: RequestHandler;
  recordFlush(stats: FlushStats): void;
  setBreakerState(state: BreakerState): void;
  acceptedEvents(count: number): void;
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'eventlens_http_requests_total',
    help: 'HTTP requests answered, by route, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const requestDuration = new Histogram({
    name: 'eventlens_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by route.',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const produceDuration = new Histogram({
    name: 'eventlens_produce_duration_seconds',
    help: 'Duration of one produce call to Kafka (acks=all), by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const batchRecords = new Histogram({
    name: 'eventlens_group_commit_records',
    help: 'Records carried by one produce call (group commit batch size).',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [registry],
  });
  const batchAppends = new Histogram({
    name: 'eventlens_group_commit_appends',
    help: 'Requests (appends) coalesced into one produce call.',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250],
    registers: [registry],
  });
  const breaker = new Gauge({
    name: 'eventlens_breaker_state',
    help: 'Circuit breaker around the Kafka producer: 0 closed, 1 half-open, 2 open.',
    registers: [registry],
  });
  const accepted = new Counter({
    name: 'eventlens_events_accepted_total',
    help: 'Events acknowledged by Kafka and answered 202.',
    registers: [registry],
  });

  const httpMiddleware: RequestHandler = (req, res, next) => {
    const stop = requestDuration.startTimer();
    res.on('finish', () => {
      // The matched route pattern, never the raw path: label values must stay few.
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      requests.inc({ route, method: req.method, status: String(res.statusCode) });
      stop({ route });
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
    acceptedEvents: (count) => accepted.inc(count),
  };
}
