/**
 * The read models keep every accepted string exactly, so their databases must be UTF8: the stack
 * creates them so whatever the server's template says, and refuses to run on one that is not.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { provisionPostgres, withDatabase, type PostgresTarget } from '../src/postgres';

const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const suffix = randomBytes(4).toString('hex');
const names = {
  db: `encoding_${suffix}`,
  registry: `encoding_${suffix}_registry`,
  reader: `encoding_${suffix}_reader`,
};

function target(): PostgresTarget {
  return {
    source: 'DATABASE_URL',
    adminUrl: withDatabase(server, 'postgres'),
    databaseUrl: withDatabase(server, names.db),
    registryDatabaseUrl: withDatabase(server, names.registry),
    readerUrl: withDatabase(server, names.db, { name: names.reader, password: 'reader-pass' }),
  };
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(server, 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('the read-model databases are UTF8', () => {
  afterAll(async () => {
    await admin(async (client) => {
      for (const db of [names.db, names.registry])
        await client.query(`drop database if exists ${db} with (force)`);
      await client.query(`drop role if exists ${names.reader}`);
    });
  });

  it('given a server whose template is not UTF8, when the stack provisions, then it refuses in one line', async () => {
    await admin((client) =>
      client.query(
        `create database ${names.db} encoding 'SQL_ASCII' lc_collate 'C' lc_ctype 'C' template template0`,
      ),
    );
    await expect(provisionPostgres(target())).rejects.toMatchObject({
      code: 'DATABASE_NOT_UTF8',
      message: expect.stringMatching(new RegExp(`${names.db} is SQL_ASCII.*UTF8`)),
    });
  });

  it('given no database yet, when the stack provisions, then it creates both as UTF8', async () => {
    await admin((client) => client.query(`drop database ${names.db} with (force)`));
    await admin((client) => client.query(`drop database if exists ${names.registry} with (force)`));
    await provisionPostgres(target());
    const rows = await admin(
      async (client) =>
        (
          await client.query<{ datname: string; encoding: string }>(
            'select datname, pg_encoding_to_char(encoding) as encoding from pg_database where datname = any($1) order by datname',
            [[names.db, names.registry]],
          )
        ).rows,
    );
    expect(rows).toEqual([
      { datname: names.db, encoding: 'UTF8' },
      { datname: names.registry, encoding: 'UTF8' },
    ]);
  });
});
