/** Runs a service package's composition root as its own process, as the launcher does. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '@eventlens/stack';
export { freePort } from '@eventlens/stack';

export interface Running {
  process: ChildProcess;
  stop(): Promise<void>;
}

export function runService(pkg: string, env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, pkg, 'src', 'main.ts')], {
    cwd: path.join(REPO_ROOT, pkg),
    env: { ...process.env, ...env, EVENTLENS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return {
    process: child,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

export async function waitReady(url: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} was not ready within ${timeoutMs / 1000}s`);
}
