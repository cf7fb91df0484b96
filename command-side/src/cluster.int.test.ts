/**
 * EVENTLENS_INGEST_PROCESSES=2 against the running stack: the entry point as its own process (a
 * primary and two workers on one port), topics of its own. Both workers answer (each new
 * connection goes to the next one), /metrics sums both, a worker killed outright is replaced while
 * the other serves on, and SIGTERM to the primary drains every worker and exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import path from 'node:path';
import { freePort } from '@eventlens/stack';
import { eventually } from '@eventlens/stack/eventually';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  SESSION_SECRET,
  adminClient,
  collectTopic,
  createTestTopics,
  deleteTestTopics,
  eventIdOf,
  testStack,
  type TestStack,
} from './test-support';

/** One request on a connection of its own, so the cluster hands each to the next worker. */
function call(
  url: string,
  method: 'GET' | 'POST',
  route: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${url}${route}`,
      {
        method,
        agent: false,
        timeout: 5000,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${route}: no answer within 5 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The worker that answered /readyz: its pid, from the `process` check, and whether it was ready. */
async function readyWorker(url: string): Promise<{ pid: number; ready: boolean } | undefined> {
  const answer = await call(url, 'GET', '/readyz').catch(() => undefined);
  if (!answer) return undefined;
  const body = JSON.parse(answer.text) as { checks: Record<string, { detail: string }> };
  const pid = /pid (\d+)/.exec(body.checks.process?.detail ?? '')?.[1];
  return pid ? { pid: Number(pid), ready: answer.status === 200 } : undefined;
}

/** Waits until `count` distinct workers answered /readyz as ready; their pids. */
async function readyWorkers(url: string, count: number, timeoutMs = 90_000): Promise<Set<number>> {
  const seen = new Set<number>();
  return eventually(
    `${count} ready workers`,
    async () => {
      // Several fresh connections per probe: round robin reaches every worker among them.
      for (let i = 0; i < count * 2; i++) {
        const worker = await readyWorker(url);
        if (worker?.ready) seen.add(worker.pid);
        else if (worker) seen.delete(worker.pid);
      }
      return seen.size >= count && seen;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

const metric = async (url: string, series: string) => {
  const text = (await call(url, 'GET', '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return Number(line?.slice(series.length + 1) ?? 'NaN');
};

let stack: TestStack;
let topics: { events: string; admin: string } | undefined;
let primary: ChildProcess | undefined;
let url: string;
let key: string;
let projectId: string;
let events: Awaited<ReturnType<typeof collectTopic>>;

beforeAll(async () => {
  stack = await testStack();
  topics = await createTestTopics(stack);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  primary = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'main.ts')], {
    cwd: path.join(import.meta.dirname, '..'),
    env: {
      ...process.env,
      EVENTLENS_KAFKA_BROKERS: stack.brokers.join(','),
      EVENTLENS_REGISTRY_URL: stack.registryUrl,
      EVENTLENS_SESSION_SECRET: SESSION_SECRET,
      EVENTLENS_ADMIN_TOKEN: ADMIN_TOKEN,
      EVENTLENS_INGEST_PORT: String(port),
      EVENTLENS_EVENTS_TOPIC: topics.events,
      EVENTLENS_ADMIN_TOPIC: topics.admin,
      EVENTLENS_INGEST_PROCESSES: '2',
      EVENTLENS_LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await readyWorkers(url, 2);
  ({ key, projectId } = await adminClient(url).projectWithKey('cluster'));
  events = await collectTopic(stack, topics.events);
}, 120_000);

// Each step guarded: when beforeAll failed part way, its own error is the one reported.
afterAll(async () => {
  const child = primary;
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  await events?.stop();
  if (topics) await deleteTestTopics(stack, topics);
});

/** Sends `count` events, each on a connection of its own; their ids. */
async function send(count: number, name: string): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  const answers = await Promise.all(
    ids.map((id) => call(url, 'POST', '/v1/events', { api_key: key, event_name: name, event_id: id })),
  );
  expect(answers.map((a) => a.status)).toEqual(ids.map(() => 202));
  return ids;
}

describe('the command side as two processes', () => {
  it('serves from both workers, and /metrics counts what both accepted', async () => {
    // Both workers know the key once each has read it from the admin log (a fetch or two).
    await eventually('the new key on both workers', async () => {
      const answers = await Promise.all(
        [1, 2].map(() => call(url, 'POST', '/v1/events', { api_key: key, event_name: 'warm-up' })),
      );
      return answers.every((a) => a.status === 202);
    });
    const acceptedBefore = await metric(url, `eventlens_events_accepted_total{project_id="${projectId}"}`);
    const stageBefore = await metric(
      url,
      'eventlens_event_stage_seconds_count{stage="acknowledged",projection=""}',
    );
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) pids.add((await readyWorker(url))!.pid);
    expect(pids.size).toBe(2);

    const ids = await send(20, 'both');

    // Whichever worker answers the scrape, it counts the 20 events of both.
    for (let i = 0; i < 2; i++) {
      expect(await metric(url, `eventlens_events_accepted_total{project_id="${projectId}"}`)).toBe(
        acceptedBefore + 20,
      );
      expect(
        await metric(url, 'eventlens_event_stage_seconds_count{stage="acknowledged",projection=""}'),
      ).toBe(stageBefore + 20);
    }
    const wanted = new Set<string>(ids);
    await events.until((all) => all.filter((r) => wanted.has(eventIdOf(r) ?? '')).length === 20);
  });

  it('replaces a worker killed outright, the other serving meanwhile', async () => {
    const before = await readyWorkers(url, 2);
    const [victim, survivor] = [...before];
    process.kill(victim!, 'SIGKILL');
    // Until the replacement is up, every connection goes to the survivor.
    // A connection the primary handed over just as the worker died is lost (the probe's timeout).
    await eventually('the survivor alone answering', async () => (await readyWorker(url))?.pid === survivor, {
      timeoutMs: 30_000,
    });
    await send(10, 'during');

    const after = await readyWorkers(url, 2);
    expect(after.has(victim!)).toBe(false);
    expect(after.has(survivor!)).toBe(true);
    const ids = await send(10, 'after');
    const wanted = new Set<string>(ids);
    await events.until((all) => all.filter((r) => wanted.has(eventIdOf(r) ?? '')).length === 10);
    // A hang guard: a replacement worker starts as slowly as the first ones on a busy machine.
  }, 240_000);

  it('drains every worker on SIGTERM to the primary, then exits 0', async () => {
    const workers = await readyWorkers(url, 2);
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const answers = Promise.allSettled(
      ids.map((id) => call(url, 'POST', '/v1/events', { api_key: key, event_name: 'drain', event_id: id })),
    );
    const exited = new Promise<number | null>((resolve) => primary!.once('exit', (code) => resolve(code)));
    // Once the requests are on their way: those already accepted are answered before the workers go.
    await new Promise((resolve) => setTimeout(resolve, 50));
    primary!.kill('SIGTERM');
    expect(await exited).toBe(0);
    const settled = await answers;
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
    // Every request answered 202 is in the log; the others were refused or found the port closed.
    const acknowledged = ids.filter((_, i) => {
      const outcome = settled[i]!;
      return outcome.status === 'fulfilled' && outcome.value.status === 202;
    });
    const wanted = new Set<string>(acknowledged);
    await events.until((all) => all.filter((r) => wanted.has(eventIdOf(r) ?? '')).length === wanted.size);
  });
});
