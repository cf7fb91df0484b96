/**
 * A transaction's connection ending under it (PostgreSQL restarted, its backend terminated): the
 * transaction fails with an error its caller classifies, the process goes on (an 'error' event
 * nobody listens to would be an uncaught exception, which vitest reports and fails the run on), and
 * the pool hands out a working connection next.
 */
import { stackForTests } from '@eventlens/stack';
import { silentLogger } from '@eventlens/service-kit';
import pg, { type Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, transaction } from './db';

describe('transaction, when its connection ends', () => {
  let pool: Pool;
  let killer: pg.Client;

  beforeAll(async () => {
    const dev = await stackForTests();
    pool = createPool({
      url: dev.databaseUrl,
      max: 2,
      applicationName: 'eventlens-test-db',
      synchronousCommit: 'on',
      logger: silentLogger,
    });
    killer = new pg.Client({ connectionString: dev.databaseUrl });
    await killer.connect();
  });
  afterAll(async () => {
    await killer?.end();
    await pool?.end();
  });

  it('between two statements: it rejects, and the next transaction runs on a new connection', async () => {
    let first = 0;
    const failed = await transaction(pool, async (tx) => {
      first = (await tx.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      // Bounded: without a listener the uncaught 'error' cuts pg's handler short of its 'end'.
      const ended = new Promise((resolve) => {
        tx.once('end', resolve);
        setTimeout(resolve, 5000);
      });
      await killer.query('select pg_terminate_backend($1)', [first]);
      await ended;
      await tx.query('select 1');
    }).then(
      () => 'committed',
      (error: Error) => error.message,
    );
    expect(failed).not.toBe('committed');

    const second = await transaction(pool, async (tx) =>
      Number((await tx.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid),
    );
    expect(second).toBeGreaterThan(0);
    expect(second).not.toBe(first);
  });

  it("during a statement: it rejects with that statement's error, and no error of it comes later", async () => {
    // Many times, so that a late error of the connection (after the transaction released it) would
    // show as an uncaught one in this test.
    for (let run = 0; run < 25; run++) {
      const failed = await transaction(pool, async (tx) => {
        const pid = (await tx.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
        const sleeping = tx.query('select pg_sleep(30)');
        // Handled at once: it may fail before the termination below returns (awaited after it).
        sleeping.catch(() => undefined);
        await killer.query('select pg_terminate_backend($1)', [pid]);
        await sleeping;
      }).then(
        () => 'committed',
        (error: Error) => error.message,
      );
      expect(failed).toMatch(/terminat/i);
      expect(await pool.query('select 1 as one').then((r) => r.rows[0].one)).toBe(1);
    }
    // Time for a late error to surface within this test.
    await new Promise((resolve) => setTimeout(resolve, 200));
  });
});
