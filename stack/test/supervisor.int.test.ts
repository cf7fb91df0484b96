/**
 * The supervisor's restarts with real child processes (tiny node scripts) and short delays: a crashing
 * child is restarted until the policy calls it a crash loop, and stopping cancels a pending restart.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RestartPolicy } from '../src/restart';
import { Supervisor, type Child, type ExitReason } from '../src/supervisor';

const homes: string[] = [];
afterEach(async () => {
  for (const home of homes.splice(0)) await rm(home, { recursive: true, force: true });
});

async function scratch() {
  const home = await mkdtemp(path.join(os.tmpdir(), 'eventlens-supervisor-'));
  homes.push(home);
  const exits: Array<{ child: Child; how: string; reason: ExitReason }> = [];
  const supervisor = new Supervisor(path.join(home, 'logs'), path.join(home, 'run'), (child, how, reason) =>
    exits.push({ child, how, reason }),
  );
  return { home, exits, supervisor };
}

const policy = (maxCrashes: number, initialDelayMs = 20) =>
  new RestartPolicy({
    initialDelayMs,
    maxDelayMs: Math.max(1_000, initialDelayMs),
    maxCrashes,
    windowMs: 60_000,
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the supervisor', () => {
  it('restarts a crashing child with a new process each time, and reports the crash loop once', async () => {
    const { home, exits, supervisor } = await scratch();
    const restarts: number[] = [];
    const pids = new Set<number>();
    const child = await supervisor.spawn(
      { name: 'flaky', command: process.execPath, args: ['-e', 'console.log("up"); process.exit(3)'] },
      {
        policy: policy(4),
        onRestarting: (_c, how, decision) => {
          expect(how).toBe('exit code 3');
          restarts.push(decision.delayMs);
        },
        onRestarted: (c) => pids.add(c.process.pid!),
      },
    );
    pids.add(child.process.pid!);
    const deadline = Date.now() + 20_000;
    while (exits.length === 0 && Date.now() < deadline) await sleep(20);
    expect(restarts).toEqual([20, 40, 80]);
    expect(pids.size).toBe(4);
    expect(child.restarts).toBe(3);
    expect(exits).toHaveLength(1);
    expect(exits[0]!.how).toBe('exit code 3');
    expect(exits[0]!.reason).toEqual({ kind: 'crash-loop', crashes: 4, windowMs: 60_000 });
    // The log is appended to across restarts.
    expect((await readFile(path.join(home, 'logs', 'flaky.log'), 'utf8')).match(/up/g)).toHaveLength(4);
    await supervisor.stopAll(1_000);
  });

  it('reports a child without a restart policy at its first exit', async () => {
    const { exits, supervisor } = await scratch();
    await supervisor.spawn({ name: 'once', command: process.execPath, args: ['-e', 'process.exit(1)'] });
    const deadline = Date.now() + 10_000;
    while (exits.length === 0 && Date.now() < deadline) await sleep(20);
    expect(exits.map((e) => [e.how, e.reason])).toEqual([['exit code 1', { kind: 'exit' }]]);
  });

  it('stopping cancels a pending restart and stops the running children', async () => {
    const { exits, supervisor } = await scratch();
    const long = await supervisor.spawn(
      { name: 'long', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] },
      { policy: policy(5) },
    );
    let restarted = 0;
    const crashing = await supervisor.spawn(
      { name: 'crashing', command: process.execPath, args: ['-e', 'process.exit(2)'] },
      { policy: policy(5, 5_000), onRestarted: () => (restarted += 1) },
    );
    await crashing.exited;
    await sleep(50);
    await supervisor.stopAll(2_000);
    expect(await long.exited).toBe('signal SIGTERM');
    await sleep(200);
    expect(restarted).toBe(0);
    expect(exits).toEqual([]);
  });
});
