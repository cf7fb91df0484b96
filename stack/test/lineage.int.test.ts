import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignWithLog, claimDatabase } from '../src/lineage';
import {
  dropProvisioned,
  provisionPostgres,
  resolvePostgres,
  withDatabase,
  type PostgresTarget,
} from '../src/postgres';
import { stackForTests } from '../src/testing';

/**
 * A database of its own on the stack's server for the enclosing describe: created before its tests,
 * dropped after them. Returns its URL (read once the tests run).
 */
function scratchDatabase(prefix: string): () => string {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  let owner = '';
  let url = '';
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: owner });
    await client.connect();
    await client.query(sql);
    await client.end();
  };
  beforeAll(async () => {
    owner = (await stackForTests()).databaseUrl;
    await admin(`create database ${name}`);
    url = withDatabase(owner, name);
  });
  afterAll(() => admin(`drop database if exists ${name} with (force)`));
  return () => url;
}

describe('read models follow the Kafka log they were built from', () => {
  const database = scratchDatabase('lineage');

  const schemas = async () => {
    const client = new pg.Client({ connectionString: database() });
    await client.connect();
    const { rows } = await client.query<{ nspname: string }>(
      "select nspname from pg_namespace where nspname in ('analytics', 'ops') order by 1",
    );
    await client.end();
    return rows.map((r) => r.nspname);
  };
  const createSchemas = async (...names: string[]) => {
    const client = new pg.Client({ connectionString: database() });
    await client.connect();
    for (const n of names) await client.query(`create schema ${n}; create table ${n}.checkpoints (n int)`);
    await client.end();
  };

  it('clears read models left by another log in a database the stack owns, and keeps them for the same log', async () => {
    await createSchemas('analytics', 'ops');
    expect(
      await alignWithLog({ databaseUrl: database(), clusterId: 'cluster-a', ownedByStack: true }),
    ).toEqual(['analytics', 'ops']);
    expect(await schemas()).toEqual([]);
    await createSchemas('analytics');
    expect(
      await alignWithLog({ databaseUrl: database(), clusterId: 'cluster-a', ownedByStack: true }),
    ).toEqual([]);
    expect(await schemas()).toEqual(['analytics']);
  });

  it('refuses, naming the schemas, to clear a database given by DATABASE_URL', async () => {
    await expect(
      alignWithLog({ databaseUrl: database(), clusterId: 'cluster-b', ownedByStack: false }),
    ).rejects.toThrow(/DATABASE_URL holds read models of another Kafka log \(schemas analytics\)/);
    expect(await schemas()).toEqual(['analytics']);
  });
});

describe('a database belongs to one checkout', () => {
  const database = scratchDatabase('claim');
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'eventlens-claim-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a second checkout the first one's database, and gives it up once that checkout's data is gone", async () => {
    const first = dataDir();
    const second = dataDir();
    await claimDatabase({ databaseUrl: database(), dataDir: first });
    // The same checkout starts again.
    await claimDatabase({ databaseUrl: database(), dataDir: first });
    // Another clone on the machine with only its ports moved: refused before anything is changed.
    const refused = claimDatabase({ databaseUrl: database(), dataDir: second });
    await expect(refused).rejects.toMatchObject({ code: 'DATABASE_IN_USE' });
    await expect(refused).rejects.toThrow(
      `the database ${new URL(database()).pathname.slice(1)} belongs to the EventLens stack of another checkout (its data: ${first}): set DATABASE_URL`,
    );
    // The first checkout's stack was reset (its data directory removed): the database is free.
    rmSync(first, { recursive: true, force: true });
    await claimDatabase({ databaseUrl: database(), dataDir: second });
    await expect(claimDatabase({ databaseUrl: database(), dataDir: dataDir() })).rejects.toMatchObject({
      code: 'DATABASE_IN_USE',
    });
  });

  it("gives a second checkout's stack a database of its own when none was named, and keeps the first one's untouched", async () => {
    const admin = withDatabase((await stackForTests()).databaseUrl, 'postgres');
    const base = `own_${randomBytes(4).toString('hex')}`;
    const stackOwned = (name: string, readerPassword: string): PostgresTarget => ({
      source: 'local server',
      adminUrl: admin,
      databaseUrl: withDatabase(admin, name),
      registryDatabaseUrl: withDatabase(admin, `${name}_registry`),
      readerUrl: withDatabase(admin, name, { name: `${name}_reader`, password: readerPassword }),
    });
    const first = dataDir();
    const second = dataDir();
    const provisioned: PostgresTarget[] = [];
    try {
      const one = await provisionPostgres(stackOwned(base, 'first-secret'), { dataDir: first });
      provisioned.push(one.target);
      expect(one).toMatchObject({ created: [base, `${base}_registry`], passedOver: [] });

      // The second clone starts with the same default name: it passes that one over for the next.
      const two = await provisionPostgres(stackOwned(base, 'second-secret'), { dataDir: second });
      provisioned.push(two.target);
      expect(two).toMatchObject({
        created: [`${base}_2`, `${base}_2_registry`],
        passedOver: [base],
        target: stackOwned(`${base}_2`, 'second-secret'),
      });
      expect(readFileSync(path.join(second, 'database-name'), 'utf8').trim()).toBe(`${base}_2`);
      // The next start of that clone (and its reset) resolves straight to its own database.
      const again = await resolvePostgres({
        databaseUrl: undefined,
        dataDir: second,
        privatePort: 1,
        localUrl: admin,
      });
      expect(new URL(again.databaseUrl).pathname).toBe(`/${base}_2`);

      // The first stack's reader still signs in with its own password: its role was not altered.
      const reader = new pg.Client({ connectionString: one.target.readerUrl });
      await reader.connect();
      await reader.end();

      // A database named in DATABASE_URL is never swapped for another: it is refused.
      await expect(
        provisionPostgres(
          { ...stackOwned(base, 'second-secret'), source: 'DATABASE_URL' },
          { dataDir: second },
        ),
      ).rejects.toMatchObject({ code: 'DATABASE_IN_USE' });
    } finally {
      for (const target of provisioned) {
        const name = new URL(target.databaseUrl).pathname.slice(1);
        await dropProvisioned(target, [name, `${name}_registry`]);
      }
    }
  });
});
