/**
 * A private database per test file: `qtest_<random>` on the shared PostgreSQL, with the read
 * models' schemas migrated as the projections migrate them (`@eventlens/read-model`, no schema
 * prefix) and a read-only role of its own, dropped afterwards. The shared stack itself is never
 * touched.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { stackForTests } from '@eventlens/stack';
import knex from 'knex';
import { migrateReadModel, READ_MODEL_KINDS, schemaNames } from '@eventlens/read-model';

export interface TestDatabase {
  name: string;
  /** The owner (superuser of the shared server) connected to this database: fixtures write through it. */
  owner: pg.Pool;
  ownerUrl: string;
  /** A role that can only read this database's read models. */
  readerUrl: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string, user?: { name: string; password: string }): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (user) {
    u.username = user.name;
    u.password = user.password;
  }
  return u.toString();
}

/** `schemaPrefix`: migrate `<prefix>analytics`, … instead (EVENTLENS_SCHEMA_PREFIX; the app's `schemaPrefix`). */
export async function createTestDatabase(options: { schemaPrefix?: string } = {}): Promise<TestDatabase> {
  const stack = await stackForTests();
  const name = `qtest_${randomBytes(6).toString('hex')}`;
  const role = `${name}_reader`;
  const password = randomBytes(18).toString('hex');

  const admin = new pg.Client({ connectionString: stack.databaseUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
    await admin.query(`create role ${role} login password '${password}'`);
  } finally {
    await admin.end();
  }

  const ownerUrl = withDatabase(stack.databaseUrl, name);
  const owner = new pg.Pool({ connectionString: ownerUrl, max: 4 });
  // pool.end() resolves before its connections have closed ('remove' comes when one has): drop()
  // waits for the last, so that the forced drop never terminates a connection still saying goodbye
  // (an uncaught 57P01 in the test file).
  let open = 0;
  let lastClosed: () => void = () => undefined;
  owner.on('connect', () => void open++);
  owner.on('remove', () => {
    if (--open === 0) lastClosed();
  });
  const migrator = knex({ client: 'pg', connection: ownerUrl, pool: { min: 0, max: 1 } });
  try {
    const schemas = schemaNames(options.schemaPrefix);
    for (const kind of READ_MODEL_KINDS)
      await migrateReadModel(migrator, { kind, schema: schemas[kind], readerRole: role });
  } finally {
    await migrator.destroy();
  }
  await owner.query(`
    revoke all on database ${name} from public;
    grant connect on database ${name} to ${role};`);

  return {
    name,
    owner,
    ownerUrl,
    readerUrl: withDatabase(stack.databaseUrl, name, { name: role, password }),
    async drop() {
      const closed = new Promise<void>((resolve) => (open === 0 ? resolve() : (lastClosed = resolve)));
      await owner.end();
      await closed;
      const a = new pg.Client({ connectionString: stack.databaseUrl });
      await a.connect();
      try {
        await a.query(`drop database if exists ${name} with (force)`);
        await a.query(`drop role if exists ${role}`);
      } finally {
        await a.end();
      }
    },
  };
}
