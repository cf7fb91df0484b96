/**
 * Processes a stack left running after its launcher was killed: found (for `status`) and killed
 * (by `down`), only those carrying the stack's own marker.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { findOrphans, isAlive, killOrphans, markerArg } from '../src/supervisor';

const home = mkdtempSync(path.join(tmpdir(), 'eventlens-orphans-'));
const runDir = path.join(home, 'run');
const children: number[] = [];

/** A long-lived process, in its own group as the supervisor starts them, with `args` on its command line. */
const start = (name: string, args: string[]) => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '--', ...args], {
    detached: true,
    stdio: 'ignore',
  });
  children.push(child.pid!);
  writeFileSync(path.join(runDir, `${name}.pid`), String(child.pid));
  return child.pid!;
};

afterAll(() => {
  for (const pid of children) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

it("finds the processes left with the stack's marker, and down kills exactly those", async () => {
  mkdirSync(runDir, { recursive: true });
  const kafka = start('kafka', [markerArg(home)]);
  // A pid file whose process is someone else's (the pid was reused): never touched.
  const stranger = start('registry', ['-Deventlens.home=/elsewhere']);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(await findOrphans(runDir, home)).toEqual([{ name: 'kafka', pid: kafka }]);
  expect(await killOrphans(runDir, home)).toEqual(['kafka']);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(isAlive(kafka)).toBe(false);
  expect(isAlive(stranger)).toBe(true);
  expect(await findOrphans(runDir, home)).toEqual([]);
});
