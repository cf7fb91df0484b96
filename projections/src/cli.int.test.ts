import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident } from './db';
import { count, createTestEnv, type TestEnv } from './testing/fixture';

const run = promisify(execFile);
const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The same commands from the sources (the development loader) and from the bundle `npm run build`
 * emits (dist/cli.js, what an image or a Kubernetes Job runs with plain node).
 */
describe.each([
  { form: 'sources', entry: ['--import', 'tsx', 'src/cli.ts'] },
  { form: 'bundle', entry: ['--enable-source-maps', 'dist/cli.js'] },
])('the projections command line ($form)', ({ form, entry }) => {
  let env: TestEnv;
  const cli = (args: string[]) =>
    run(process.execPath, [...entry, ...args], {
      cwd: packageDir,
      env: { ...process.env, ...env.env },
      timeout: 60_000,
    });

  beforeAll(async () => {
    if (form === 'bundle') {
      await run(process.execPath, ['../scripts/build-service.mjs', 'src/cli.ts', 'dist/cli.js'], {
        cwd: packageDir,
        timeout: 60_000,
      });
    }
    env = await createTestEnv();
  }, 90_000);
  afterAll(async () => {
    await env?.cleanup();
  });

  it('answers a wrong command with the usage and exit code 2', async () => {
    await expect(cli(['rebuild', 'nope'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('usage: projections <command>'),
    });
  });

  it('rebuild admin: builds the schema from the log and swaps it in; dlq:replay with an empty DLQ', async () => {
    const { source, schema } = env.topology.projections.admin;
    const project = randomUUID();
    await env.producer.send({
      topic: source,
      acks: -1,
      messages: [
        {
          key: project,
          value: env.codec.encode('ProjectCreated', {
            project_id: project,
            name: 'P',
            created_at: 0,
            created_by: null,
          }),
        },
      ],
    });
    const rebuilt = await cli(['rebuild', 'admin']);
    expect(rebuilt.stdout).toMatch(new RegExp(`rebuilt ${schema}`));
    expect(
      await count(env.pool, `select count(*) as n from ${ident(schema)}.projects where project_id = $1`, [
        project,
      ]),
    ).toBe(1);
    expect(
      await count(env.pool, `select count(*) as n from pg_namespace where nspname like $1`, [
        `${schema}\\_%`,
      ]),
    ).toBe(0);

    const replayed = await cli(['dlq:replay', 'admin']);
    expect(replayed.stdout).toMatch(/replayed 0 DLQ record\(s\) of admin/);
  });
});
