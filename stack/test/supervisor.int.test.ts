/**
 * The supervisor's restarts with real child processes (tiny node scripts) and short delays: a crashing
 * child is restarted until the policy calls it a crash loop, and stopping cancels a pending restart.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventually } from '../src/eventually';
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
    await eventually('the crash loop to be reported', () => exits.length > 0, {
      timeoutMs: 20_000,
      intervalMs: 20,
    });
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
    await eventually('the exit to be reported', () => exits.length > 0, {
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    expect(exits.map((e) => [e.how, e.reason])).toEqual([['exit code 1', { kind: 'exit' }]]);
  });

  it('stopping cancels a pending restart and stops the running children', async () => {
    const { exits, supervisor } = await scratch();
    const long = await supervisor.spawn(
      { name: 'long', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] },
      { policy: policy(5) },
    );
    // The supervisor's timers are fake from here, so the 5 s restart delay can pass at once below.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let restarted = 0;
      let scheduled!: () => void;
      const restartPending = new Promise<void>((resolve) => (scheduled = resolve));
      await supervisor.spawn(
        { name: 'crashing', command: process.execPath, args: ['-e', 'process.exit(2)'] },
        { policy: policy(5, 5_000), onRestarting: () => scheduled(), onRestarted: () => (restarted += 1) },
      );
      await restartPending; // it crashed, and its restart is due in 5 s
      await supervisor.stopAll(2_000);
      expect(await long.exited).toBe('signal SIGTERM');
      await vi.advanceTimersByTimeAsync(10_000); // past the restart delay
      expect(restarted).toBe(0);
      expect(exits).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
