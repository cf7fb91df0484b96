/**
 * For the Stats API's tests that compare a shortcut of the planner with the answer computed from
 * every event: the same question asked twice, once as it is and once with `EVERY_EVENT` added.
 */
import { expect } from 'vitest';
import type { TestServer } from './server';

/** One row of `POST /api/v2/query`'s `results`. */
export interface StatsRow {
  dimensions: string[];
  metrics: number[];
}

/** A filter every event passes: the planner then reads each event (no shortcut takes it). */
export const EVERY_EVENT = [['is_not', 'event:name', ['no such event']]];

/** `body` with `EVERY_EVENT` added to its filters. */
export const withEveryEvent = (body: Record<string, unknown>) => ({
  ...body,
  filters: [...((body.filters as unknown[] | undefined) ?? []), ...EVERY_EVENT],
});

/** POSTs `body` for `siteId` with `readKey`, expects 200 and gives its results. */
export async function statsResults(
  server: TestServer,
  readKey: string,
  siteId: string,
  body: Record<string, unknown>,
): Promise<StatsRow[]> {
  const res = await fetch(`${server.url}/api/v2/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${readKey}` },
    body: JSON.stringify({ site_id: siteId, ...body }),
  });
  const answer = (await res.json()) as { results: StatsRow[] };
  expect(res.status, JSON.stringify(answer)).toBe(200);
  return answer.results;
}
