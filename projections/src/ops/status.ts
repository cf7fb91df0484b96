/**
 * Keeps ops.projection_status current even when a worker is down or paused: every few seconds it
 * reads each partition's high watermark from Kafka and its checkpoint from PostgreSQL, so the
 * query side can report lag without talking to Kafka. Workers also write their row in every
 * batch transaction (with last_processed_at); this refresher never touches last_processed_at.
 * It also prunes the throughput and freshness minutes past their retention (ops/activity.ts),
 * at most once a minute, and, given `catalog`, stores the registry's subjects, levels and versions
 * in ops (ops/contracts.ts) every `catalog.everyMs` (CATALOG_REFRESH_MS by default).
 */
import { ident, type Pool } from '../db';
import type { Admin, Kafka } from '../kafka';
import type { Logger } from '@eventlens/service-kit';
import type { SubjectState } from '@eventlens/contracts';
import { pruneActivity } from './activity';
import { CATALOG_REFRESH_MS, storeCatalog } from './contracts';

export interface StatusTarget {
  projection: string;
  schema: string;
  topics: readonly string[];
  /** Which of `topics` are retry topics, whose depth goes to `eventlens_projection_retry_depth`. */
  retryTopics?: readonly string[];
  /** True when the projection has a DLQ, whose depth goes to `eventlens_projection_dlq_depth`. */
  hasDlq?: boolean;
}

/**
 * Where the refresher reports queue depths (projections/src/metrics.ts). It also sets the consumer
 * lag the workers set after each batch (worker `<projection>` for the source topic, `<projection>.retry`
 * for retry topics): a stalled worker applies no batch, and its lag must still grow.
 */
export interface DepthGauges {
  lag: { set(labels: { worker: string; topic: string; partition: string }, value: number): void };
  dlqDepth: { set(labels: { projection: string }, value: number): void };
  retryDepth: { set(labels: { projection: string; topic: string }, value: number): void };
}

export interface StatusRefresher {
  refresh(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export function createStatusRefresher(deps: {
  pool: Pool;
  kafka: Kafka;
  opsSchema: string;
  targets: readonly StatusTarget[];
  intervalMs: number;
  logger: Logger;
  /** Retry-topic and DLQ depths, set on every refresh. */
  depths?: DepthGauges;
  /** What the registry holds (`describeSubjects`), stored in ops now and then; none: not kept. */
  catalog?: { describe: () => Promise<SubjectState[]>; everyMs?: number };
}): StatusRefresher {
  const logger = deps.logger.child({ component: 'ops-status' });
  const ops = ident(deps.opsSchema);
  let admin: Admin | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let prunedAt = 0;
  let cataloguedAt = -Infinity;

  async function refreshTarget(client: Admin, target: StatusTarget): Promise<void> {
    const rows: { projection: string; topic: string; partition: number; next: number; high: number }[] = [];
    const checkpoints = await deps.pool.query<{ topic: string; partition: number; next_offset: string }>(
      `select topic, partition, next_offset from ${ident(target.schema)}.checkpoints where topic = any($1::text[])`,
      [target.topics],
    );
    const stored = new Map(checkpoints.rows.map((r) => [`${r.topic}|${r.partition}`, Number(r.next_offset)]));
    for (const topic of target.topics) {
      for (const offsets of await client.fetchTopicOffsets(topic)) {
        rows.push({
          projection: target.projection,
          topic,
          partition: offsets.partition,
          next: stored.get(`${topic}|${offsets.partition}`) ?? Number(offsets.low),
          high: Number(offsets.high),
        });
      }
    }
    const retryTopics = new Set(target.retryTopics ?? []);
    for (const row of rows) {
      deps.depths?.lag.set(
        {
          worker: retryTopics.has(row.topic) ? `${target.projection}.retry` : target.projection,
          topic: row.topic,
          partition: String(row.partition),
        },
        Math.max(0, row.high - row.next),
      );
    }
    for (const topic of retryTopics) {
      const depth = rows
        .filter((row) => row.topic === topic)
        .reduce((sum, row) => sum + Math.max(0, row.high - row.next), 0);
      deps.depths?.retryDepth.set({ projection: target.projection, topic }, depth);
    }
    if (rows.length === 0) return;
    await deps.pool.query(
      `insert into ${ops}.projection_status as s (projection, topic, partition, next_offset, high_watermark, updated_at)
       select projection, topic, partition, next, high, clock_timestamp()
         from json_to_recordset($1::json) as x(projection text, topic text, partition int, next bigint, high bigint)
        order by projection, topic, partition
       on conflict (projection, topic, partition) do update set
         -- A worker may have committed (and written its row) after we read the checkpoint:
         -- never move it back. A rebuild swap deletes the rows, so they restart from the truth.
         next_offset = greatest(s.next_offset, excluded.next_offset),
         high_watermark = greatest(excluded.high_watermark, excluded.next_offset, s.next_offset),
         updated_at = excluded.updated_at`,
      [JSON.stringify(rows)],
    );
  }

  async function refresh(): Promise<void> {
    if (!admin) {
      const client = deps.kafka.admin();
      await client.connect();
      admin = client;
    }
    for (const target of deps.targets) {
      try {
        await refreshTarget(admin, target);
      } catch (error) {
        logger.warn('refreshing projection status failed', {
          projection: target.projection,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    if (deps.depths) await refreshDlqDepth(deps.depths);
    if (Date.now() - prunedAt >= 60_000) {
      prunedAt = Date.now();
      const deleted = await pruneActivity(deps.pool, deps.opsSchema);
      if (deleted > 0) logger.debug('pruned old throughput and freshness minutes', { deleted });
    }
    if (deps.catalog && Date.now() - cataloguedAt >= (deps.catalog.everyMs ?? CATALOG_REFRESH_MS)) {
      cataloguedAt = Date.now();
      try {
        const versions = await storeCatalog(deps.pool, deps.opsSchema, await deps.catalog.describe());
        logger.debug('stored the contracts catalog', { versions });
      } catch (error) {
        // The last catalog stays; the next round tries again.
        logger.warn('refreshing the contracts catalog failed', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  /** DLQ depth: the records the ops indexer holds for each projection that were not replayed yet. */
  async function refreshDlqDepth(depths: DepthGauges): Promise<void> {
    const withDlq = deps.targets.filter((t) => t.hasDlq).map((t) => t.projection);
    if (withDlq.length === 0) return;
    const counts = await deps.pool.query<{ projection: string; n: string }>(
      `select projection, count(*) as n from ${ops}.dlq_records
        where replayed_at is null and projection = any($1::text[])
        group by projection`,
      [withDlq],
    );
    const byProjection = new Map(counts.rows.map((r) => [r.projection, Number(r.n)]));
    for (const projection of withDlq) depths.dlqDepth.set({ projection }, byProjection.get(projection) ?? 0);
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = refresh()
        .catch((error: unknown) =>
          logger.warn('refreshing projection status failed', {
            error: error instanceof Error ? error.message : String(error),
          }),
        )
        .finally(schedule);
    }, deps.intervalMs);
  }

  return {
    refresh,
    start: () => {
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await admin?.disconnect().catch(() => undefined);
      admin = undefined;
    },
  };
}
