/** The app on a real port (0: any free one) against a test database, and a small fetch helper. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { createApp, type AppDeps } from '../app';
import { createReaderDb } from '../db';

export const TEST_SECRET = 'test-session-secret-0123456789';

export interface TestServer {
  url: string;
  /** Errors the app logged (unexpected 5xx); a test ends with this empty. */
  errors: string[];
  db: Knex;
  close(): Promise<void>;
  get(
    path: string,
    init?: { key?: string; cookie?: string; headers?: Record<string, string> },
  ): Promise<Response>;
}

export async function startServer(readerUrl: string, deps: Partial<AppDeps> = {}): Promise<TestServer> {
  const db = createReaderDb({ url: readerUrl, poolMax: 4 });
  const errors: string[] = [];
  const logger = {
    info: () => undefined,
    error: (message: string, fields?: Record<string, unknown>) => {
      errors.push(`${message} ${JSON.stringify(fields)}`);
      console.error(message, fields);
    },
  };
  const app = createApp({ db, sessionSecret: TEST_SECRET, validateResponses: true, logger, ...deps });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    db,
    errors,
    get(path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.key !== undefined) headers.authorization = `Bearer ${init.key}`;
      if (init.cookie !== undefined) headers.cookie = init.cookie;
      return fetch(`${url}${path}`, { headers });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.destroy();
    },
  };
}
