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

/** The answer to `POST /api/v2/query`: its status, and its body (results, or an error). */
export interface StatsAnswer {
  status: number;
  body: {
    results: (StatsRow & { comparison?: { metrics: number[]; change: (number | null)[] } })[];
    error?: string;
  };
}

/** POSTs `body` for `siteId` with `readKey` and gives the status and the body, whatever they are. */
export async function statsAnswer(
  server: TestServer,
  readKey: string,
  siteId: string,
  body: Record<string, unknown>,
): Promise<StatsAnswer> {
  const res = await fetch(`${server.url}/api/v2/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${readKey}` },
    body: JSON.stringify({ site_id: siteId, ...body }),
  });
  return { status: res.status, body: (await res.json()) as StatsAnswer['body'] };
}

/** POSTs `body` for `siteId` with `readKey`, expects 200 and gives its results. */
export async function statsResults(
  server: TestServer,
  readKey: string,
  siteId: string,
  body: Record<string, unknown>,
): Promise<StatsRow[]> {
  const answer = await statsAnswer(server, readKey, siteId, body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.results;
}
