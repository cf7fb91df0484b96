/**
 * `stack:reset` on a stack home that is not running: it wipes the data directory, dev.json and
 * Prometheus's series (kept, they named projects the reset wiped, and their alerts fired for them),
 * and keeps the download cache.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/config';

const run = promisify(execFile);
let home: string | undefined;

afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

it('wipes the data, dev.json and the monitoring series, and keeps the download cache', async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'eventlens-reset-'));
  await mkdir(path.join(home, 'data'), { recursive: true });
  await mkdir(path.join(home, 'monitoring', 'data', 'wal'), { recursive: true });
  await mkdir(path.join(home, 'cache'), { recursive: true });
  await writeFile(path.join(home, 'data', 'database-name'), 'eventlens');
  await writeFile(path.join(home, 'monitoring', 'data', 'wal', '00000000'), 'series');
  await writeFile(path.join(home, 'cache', 'kafka.tgz'), 'kept');
  await writeFile(path.join(home, 'dev.json'), '{}');

  const { stdout, stderr } = await run(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'stack', 'src', 'cli.ts'), 'reset'],
    { cwd: REPO_ROOT, env: { ...process.env, EVENTLENS_HOME: home }, timeout: 60_000 },
  );
  expect(stdout + stderr).toContain(`wiped ${path.join(home, 'data')}, ${path.join(home, 'monitoring')}`);
  expect((await readdir(home)).sort()).toEqual(['cache']);
  expect(await readdir(path.join(home, 'cache'))).toEqual(['kafka.tgz']);
});
