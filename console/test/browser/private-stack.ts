/**
 * This work tree's services, started beside the running stack (its Kafka, registry and PostgreSQL)
 * on topics and schemas of their own, as e2e's project-settings test runs them: the command side
 * and the query side in this process, the projections' workers too. Then a fresh project with a
 * write key and a read key, and a console user, which `startConsole` and `logIn` (support.ts) take
 * as a `Stack`. Every browser test that feeds a project of its own starts its services here.
 *
 * A browser test reads what the code does now (goals in the settings, the explorer's filters,
 * public links) rather than what the stack's long-running services were started with.
 */
import { randomBytes } from 'node:crypto';
import {
  ADMIN_TOKEN,
  SESSION_SECRET,
  startCommandSide,
  testConfig,
  testStack,
  type RunningCommandSide,
} from '@eventlens/command-side/test-support';
import { createTestEnv, startInProcess, type InProcess, type TestEnv } from '@eventlens/projections/testing';
import { startServer, type TestServer } from '@eventlens/query-side/test-support';
import type { KnownEvent } from './known-visits';
import { expect } from 'vitest';
import { eventually, type Stack } from './support';

export interface PrivateStack {
  /** The services as the console server and logIn() take them, with the console user. */
  stack: Stack;
  project: { id: string; writeKey: string; readKey: string };
  commandSide: RunningCommandSide;
  querySide: TestServer;
  /**
   * An admin API call on the private command side, with its admin token; the answer's JSON (`{}`
   * for an empty answer, a 204), or an Error naming the route and the status.
   */
  admin(method: string, route: string, body?: unknown): Promise<Record<string, unknown>>;
  /** One event through POST /v1/events, from the visitor's browser and address (loopback is a trusted proxy). */
  send(event: KnownEvent): Promise<Response>;
  /** Events through POST /v1/batch with the write key as a bearer token, and `headers` (a User-Agent…). */
  sendBatch(events: readonly object[], headers?: Record<string, string>): Promise<Response>;
  /**
   * Sends with `attempt` until it gets a 202: the command side learns of the new write key from the
   * admin log, and answers 401 until then, appending nothing. After 30 s without a 202 it fails
   * naming the last answer's status.
   */
  untilAccepted(attempt: () => Promise<Response>): Promise<void>;
  /** Waits (60 s at most) until the query API lists every event of `ids` (GET /v1/events, 200 at most). */
  untilListed(ids: ReadonlySet<string>): Promise<void>;
  /**
   * A set of events through `send`: the first until the write key is accepted, each of the others
   * expected to get a 202 (a failed expectation names the event and the answer); then waits until
   * the query API lists every one of them.
   */
  sendAll(events: readonly KnownEvent[]): Promise<void>;
  /** A GET of the private query API with the project's read key; its JSON, or an Error naming the status. */
  get<T>(route: string): Promise<T>;
  /** A POST of the private query API with the read key (`site_id` added); its JSON, or an Error. */
  post<T>(route: string, body: Record<string, unknown>): Promise<T>;
  /** Stops what was started, in reverse order; also after a failed start. */
  stop(): Promise<void>;
}

/**
 * Starts the services and creates the project (`name` names it, and the console user's address).
 * Whatever started before a failure is stopped before the error is thrown.
 */
export async function startPrivateStack(name: string): Promise<PrivateStack> {
  let env: TestEnv | undefined;
  let workers: InProcess | undefined;
  let commandSide: RunningCommandSide | undefined;
  let querySide: TestServer | undefined;
  const stop = async () => {
    await querySide?.close();
    await commandSide?.stop();
    await workers?.stop();
    await env?.cleanup();
  };
  try {
    env = await createTestEnv();
    workers = await startInProcess(env);
    const started = await startCommandSide(
      testConfig(
        await testStack(),
        { events: env.topology.projections.analytics.source, admin: env.topology.projections.admin.source },
        // As the stack's: the loopback hop is a trusted proxy, so X-Forwarded-For names each
        // visitor's address (its country), and the console's proxy names the browser's.
        { http: { port: 0, host: '127.0.0.1', trustProxy: ['loopback'] } },
      ),
    );
    commandSide = started;
    const reader = await startServer(env.readerUrl, {
      schemaPrefix: env.config.schemaPrefix,
      sessionSecret: SESSION_SECRET,
    });
    querySide = reader;

    const admin = async (method: string, route: string, body?: unknown) => {
      const res = await fetch(`${started.url}${route}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status} ${text}`);
      return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    };

    const created = await admin('POST', '/v1/admin/projects', { name });
    const id = created.project_id as string;
    const write = await admin('POST', `/v1/admin/projects/${id}/keys`, { kind: 'write', name });
    const read = await admin('POST', `/v1/admin/projects/${id}/keys`, { kind: 'read', name });
    const project = { id, writeKey: write.key as string, readKey: read.key as string };
    const user = {
      email: `${name.replace(/[^a-z0-9-]+/gi, '-')}@private-stack.test`,
      password: randomBytes(12).toString('hex'),
    };
    await admin('POST', '/v1/admin/users', user);

    const get = async <T>(route: string) => {
      const res = await reader.get(route, { key: project.readKey });
      if (!res.ok) throw new Error(`GET ${route}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const send = (event: KnownEvent) =>
      fetch(`${started.url}/v1/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': event.visitor.userAgent,
          'x-forwarded-for': event.visitor.address,
        },
        body: JSON.stringify({ api_key: project.writeKey, ...event.body }),
      });
    const untilAccepted = async (attempt: () => Promise<Response>) => {
      await eventually('the ingestion API to accept the new write key', async () => {
        const res = await attempt();
        if (res.status === 202) return true;
        if (res.status !== 401) throw new Error(`HTTP ${res.status} ${await res.text()}`);
        return undefined;
      });
    };
    const untilListed = async (ids: ReadonlySet<string>) => {
      await eventually(
        `the ${ids.size} events sent in the query API`,
        async () => {
          const { items } = await get<{ items: Array<{ event_id: string }> }>('/v1/events?limit=200');
          return items.filter((e) => ids.has(e.event_id)).length === ids.size ? true : undefined;
        },
        60_000,
      );
    };

    return {
      stack: {
        ingestUrl: started.url,
        queryUrl: reader.url,
        kafkaBrokers: env.config.kafkaBrokers.join(','),
        projectId: id,
        apiKey: project.writeKey,
        adminEmail: user.email,
        adminPassword: user.password,
      },
      project,
      commandSide: started,
      querySide: reader,
      admin,
      send,
      sendBatch: (events, headers = {}) =>
        fetch(`${started.url}/v1/batch`, {
          method: 'POST',
          headers: {
            ...headers,
            'content-type': 'application/json',
            authorization: `Bearer ${project.writeKey}`,
          },
          body: JSON.stringify({ events }),
        }),
      untilAccepted,
      untilListed,
      async sendAll(events) {
        await untilAccepted(() => send(events[0]!));
        for (const event of events.slice(1)) {
          const res = await send(event);
          expect(res.status, `${JSON.stringify(event.body)}: ${await res.text()}`).toBe(202);
        }
        await untilListed(new Set(events.map((e) => e.body.event_id as string)));
      },
      get,
      async post<T>(route: string, body: Record<string, unknown>) {
        const res = await fetch(`${reader.url}${route}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${project.readKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ site_id: id, ...body }),
        });
        const text = await res.text();
        if (res.status !== 200)
          throw new Error(`POST ${route} ${JSON.stringify(body)}: HTTP ${res.status} ${text}`);
        return JSON.parse(text) as T;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
