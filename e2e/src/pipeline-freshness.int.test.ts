/**
 * Where an event is: events sent to the running stack's ingestion API are projected by this work
 * tree's projections (a private read side, see read-side.ts) and the query API's GET /v1/pipeline
 * reports, per projection, the rows applied over the window (equal to the rows in the read model,
 * since it started at the log's end) and the freshness p50/p99 of what it projected (from the
 * ingestion API's received_at to the commit, so bounded by the time from the oldest row's receipt
 * to the answer).
 */
import { randomUUID } from 'node:crypto';
import { eventually } from '@eventlens/stack/eventually';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReadSide, type ReadSide } from './read-side';

interface PipelineProjection {
  projection: string;
  lag: number;
  dlq_count: number;
  throughput: { applied: number; per_second: number; per_minute: Array<{ minute: string; applied: number }> };
  freshness: { count: number; p50_ms: number | null; p99_ms: number | null };
}
interface Pipeline {
  window: { minutes: number; from: string; to: string };
  projections: PipelineProjection[];
}

const WAIT = { timeoutMs: 60_000, intervalMs: 250 };

describe('throughput and freshness per projection through the query API', () => {
  let side: ReadSide;

  beforeAll(async () => {
    side = await startReadSide();
  }, 120_000);
  afterAll(async () => {
    await side?.stop();
  }, 60_000);

  const pipeline = async (minutes: number): Promise<Pipeline> => {
    const res = await fetch(`${side.queryUrl}/v1/pipeline?minutes=${minutes}`, {
      headers: { authorization: `Bearer ${side.dev.readKey}` },
    });
    if (res.status !== 200) throw new Error(`GET /v1/pipeline: ${res.status} ${await res.text()}`);
    return (await res.json()) as Pipeline;
  };

  it('events POSTed to the stack show up as throughput and freshness of the analytics projection', async () => {
    // Given the private read side knows the stack's read key (the admin log is projected)
    await eventually('the read key to be known to the private read side', () => pipeline(60), WAIT);

    // When 40 events are POSTed to the stack's ingestion API
    const sessionId = `freshness-${randomUUID()}`;
    const firstPost = Date.now();
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${side.dev.ingestUrl}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          api_key: side.dev.apiKey,
          events: Array.from({ length: 10 }, () => ({
            event_name: 'freshness_probe',
            event_id: randomUUID(),
            session_id: sessionId,
          })),
        }),
      });
      expect(res.status).toBe(202);
    }
    await eventually(
      'the 40 events in the private read model',
      async () => {
        const { rows } = await side.db.query<{ n: string }>(
          'select count(*) as n from analytics.events where session_id = $1',
          [sessionId],
        );
        return Number(rows[0]!.n) === 40;
      },
      WAIT,
    );
    const seen = Date.now();

    // Then the query API reports them: the rows applied over the window are the rows in the read
    // model (other traffic on the stack may add to both, so they are read until they agree) …
    const { body, rows, answeredAt, firstReceived } = await eventually(
      'throughput to match the read model',
      async () => {
        const before = await side.db.query<{ n: string }>('select count(*) as n from analytics.events');
        const answer = await pipeline(60);
        const answeredAt = Date.now();
        const after = await side.db.query<{ n: string; first_received: Date }>(
          'select count(*) as n, min(received_at) as first_received from analytics.events',
        );
        const analytics = answer.projections.find((p) => p.projection === 'analytics');
        const n = Number(before.rows[0]!.n);
        return analytics && n === Number(after.rows[0]!.n) && analytics.throughput.applied === n
          ? { body: answer, rows: n, answeredAt, firstReceived: after.rows[0]!.first_received.getTime() }
          : undefined;
      },
      WAIT,
    );
    const analytics = body.projections.find((p) => p.projection === 'analytics')!;
    expect(rows).toBeGreaterThanOrEqual(40);
    expect(body.window.minutes).toBe(60);
    expect(analytics.throughput.per_minute).toHaveLength(60);
    expect(analytics.throughput.per_minute.reduce((sum, m) => sum + m.applied, 0)).toBe(rows);
    const windowSeconds = (Date.parse(body.window.to) - Date.parse(body.window.from)) / 1000;
    expect(analytics.throughput.per_second).toBeCloseTo(rows / windowSeconds, 6);

    // … and their freshness: measured for every row, the percentiles ordered, and none later than
    // the oldest row the read model holds could be: from its receipt to the answer (plus the 2 % of
    // the histogram and a second for the clocks of the ingestion API and the workers, both on this
    // machine). Only this test's events: the time from the first POST to the answer. Other tests'
    // traffic on the stack is projected here too (events received while the read side started were
    // projected seconds later: a CI failure when the bound was this test's own events').
    expect(analytics.freshness.count).toBeGreaterThanOrEqual(rows);
    const p50 = analytics.freshness.p50_ms!;
    const p99 = analytics.freshness.p99_ms!;
    expect(p50).toBeGreaterThan(0);
    expect(p99).toBeGreaterThanOrEqual(p50);
    expect(p99).toBeLessThanOrEqual((answeredAt - firstReceived) * 1.02 + 1000);
    console.log(
      `analytics over ${body.window.minutes} min: ${rows} rows applied (${analytics.throughput.per_second.toFixed(3)}/s), ` +
        `freshness p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; first POST to seen in the read model ${seen - firstPost} ms, ` +
        `oldest row received ${firstReceived - firstPost} ms after the first POST (negative: before)`,
    );
  });
});
