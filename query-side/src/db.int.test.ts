import { stackForTests } from '@eventlens/stack';
import { afterAll, describe, expect, it } from 'vitest';
import { createReaderDb } from './db';

describe('the reader pool’s sessions', () => {
  const dbs: Array<ReturnType<typeof createReaderDb>> = [];
  afterAll(async () => {
    await Promise.all(dbs.map((db) => db.destroy()));
  });

  it('start read-only, in UTC, with the statement timeout given, JIT compilation off and 64 MB of work_mem', async () => {
    const db = createReaderDb({ url: (await stackForTests()).databaseUrl, statementTimeoutMs: 4_321 });
    dbs.push(db);
    const { rows } = await db.raw<{ rows: Array<Record<string, string>> }>(
      `select current_setting('transaction_read_only') as read_only, current_setting('TimeZone') as zone,
              current_setting('statement_timeout') as timeout, current_setting('jit') as jit,
              current_setting('work_mem') as work_mem`,
    );
    expect(rows[0]).toEqual({
      read_only: 'on',
      zone: 'UTC',
      timeout: '4321ms',
      jit: 'off',
      work_mem: '64MB',
    });
    await expect(db.raw('create temporary table t (x int)')).rejects.toThrow(/read-only/);
  });
});
