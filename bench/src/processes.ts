/** Runs a service package's composition root as its own process, as the launcher does. */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import path from 'node:path';
import { REPO_ROOT } from '@eventlens/stack';
export { freePort } from '@eventlens/stack';

export interface Running {
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `pkg`'s `src/main.ts` with `env` over this process's environment, logging warnings only.
 * `cpuProfileDir`: the process (and the cluster workers it forks, which inherit its flags) writes a
 * CPU profile there when it stops (BenchConfig.cpuProfileDir).
 */
export function runService(
  pkg: string,
  env: Record<string, string>,
  options: { cpuProfileDir?: string | null } = {},
): Running {
  const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const child = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', path.join(REPO_ROOT, pkg, 'src', 'main.ts')],
    {
      cwd: path.join(REPO_ROOT, pkg),
      env: { ...process.env, ...env, EVENTLENS_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return {
    process: child,
    stop: async () => {
      // Gone already: exited, or killed by a signal (the kernel's OOM killer, say), when the exit
      // code stays null and 'exit' will not fire again.
      if (child.exitCode !== null || child.signalCode !== null) return;
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

/**
 * One GET on a connection of its own (no keep-alive pool), so a cluster hands each probe to its
 * next worker: the status and the JSON body (undefined when not JSON); rejects on a network error
 * or after 5 s.
 */
function probe(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Waits until `processes` distinct processes behind `url` (a readiness route of a service run as a
 * cluster) answered it 200. A process is told by the first `pid <n>` in the answer's JSON, or its
 * `pid` field: the command side names its worker in the `process` check, bare-http.ts answers
 * `{pid}`. One process: the same as `waitReady`. Throws after `timeoutMs`.
 */
export async function waitProcessesReady(url: string, processes: number, timeoutMs = 120_000): Promise<void> {
  if (processes <= 1) return waitReady(url, timeoutMs);
  const end = Date.now() + timeoutMs;
  const ready = new Set<number>();
  while (Date.now() < end) {
    const answer = await probe(url).catch(() => undefined);
    const text = JSON.stringify(answer?.body ?? null);
    const pid = Number(/"pid":(\d+)/.exec(text)?.[1] ?? /pid (\d+)/.exec(text)?.[1] ?? NaN);
    if (answer && Number.isInteger(pid)) {
      if (answer.status === 200) ready.add(pid);
      else ready.delete(pid);
    }
    if (ready.size >= processes) return;
    if (!answer || answer.status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url}: ${ready.size} of ${processes} processes ready within ${timeoutMs / 1000}s`);
}
