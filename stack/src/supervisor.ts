/**
 * Child processes of the stack. Each runs in its own process group (so Ctrl-C reaches the launcher,
 * which stops children in order) with its output in `.eventlens/logs/<name>.log`, and its pid in
 * `.eventlens/run/<name>.pid`, so a launcher that was killed outright can have its orphans
 * stopped by the next start or by `npm run stack:down`.
 *
 * A child spawned with a restart policy (the services) is started again after a crash, with backoff;
 * a crash loop, or a crash of a child without one (Kafka, the registry), is reported to the stack.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RestartDecision, RestartPolicy } from './restart';

export interface Child {
  name: string;
  /** The current process: replaced when a crashed child is restarted. */
  process: ChildProcess;
  logFile: string;
  /** Resolves when the current process has exited, with its code or signal. */
  exited: Promise<string>;
  /** How many times the child was restarted after a crash. */
  restarts: number;
}

export interface RestartOptions {
  policy: RestartPolicy;
  /** Told before each restart (after the backoff delay is chosen) and after each new process starts. */
  onRestarting?: (child: Child, how: string, decision: RestartDecision & { action: 'restart' }) => void;
  onRestarted?: (child: Child) => void;
}

/** Why a child's exit ends the stack: a crash of a child without restarts, or a crash loop. */
export type ExitReason = { kind: 'exit' } | { kind: 'crash-loop'; crashes: number; windowMs: number };

export interface SpawnSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** A marker put on every child's command line, so a pid is only ever killed if it is ours. */
export function markerArg(home: string): string {
  return `-Deventlens.home=${home}`;
}

export class Supervisor {
  private readonly children: Child[] = [];
  private stopping = false;

  constructor(
    private readonly logDir: string,
    private readonly runDir: string,
    private readonly onUnexpectedExit: (child: Child, how: string, reason: ExitReason) => void,
  ) {}

  private readonly pendingRestarts = new Set<NodeJS.Timeout>();
  private readonly running = new WeakMap<Child, boolean>();

  async spawn(spec: SpawnSpec, restart?: RestartOptions): Promise<Child> {
    const child: Child = {
      name: spec.name,
      logFile: path.join(this.logDir, `${spec.name}.log`),
      restarts: 0,
      ...(await this.launch(spec)),
    };
    this.children.push(child);
    this.watch(child, spec, restart);
    return child;
  }

  private async launch(spec: SpawnSpec): Promise<Pick<Child, 'process' | 'exited'>> {
    await mkdir(this.logDir, { recursive: true });
    await mkdir(this.runDir, { recursive: true });
    const log = createWriteStream(path.join(this.logDir, `${spec.name}.log`), { flags: 'a' });
    await new Promise((resolve) => log.once('open', resolve));
    const proc = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ['ignore', log, log],
    });
    const exited = new Promise<string>((resolve) => {
      proc.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
      proc.once('error', (error) => resolve(`failed to start: ${error.message}`));
    }).then(async (how) => {
      log.end();
      await rm(path.join(this.runDir, `${spec.name}.pid`), { force: true });
      return how;
    });
    if (proc.pid) await writeFile(path.join(this.runDir, `${spec.name}.pid`), String(proc.pid));
    return { process: proc, exited };
  }

  private watch(child: Child, spec: SpawnSpec, restart: RestartOptions | undefined): void {
    this.running.set(child, true);
    void child.exited.then((how) => {
      this.running.set(child, false);
      if (this.stopping) return;
      if (!restart) return this.onUnexpectedExit(child, how, { kind: 'exit' });
      const decision = restart.policy.crashed();
      if (decision.action === 'give-up') {
        return this.onUnexpectedExit(child, how, {
          kind: 'crash-loop',
          crashes: decision.crashesInWindow,
          windowMs: decision.windowMs,
        });
      }
      restart.onRestarting?.(child, how, decision);
      const timer = setTimeout(() => {
        this.pendingRestarts.delete(timer);
        if (this.stopping) return;
        void this.launch(spec).then(({ process: proc, exited }) => {
          child.process = proc;
          child.exited = exited;
          child.restarts += 1;
          if (this.stopping) {
            // stopAll ran while this process started: it was not there to be stopped.
            void stopProcessGroup(proc.pid, exited, 5_000);
            return;
          }
          this.watch(child, spec, restart);
          restart.onRestarted?.(child);
        });
      }, decision.delayMs);
      this.pendingRestarts.add(timer);
    });
  }

  /** Stops children in reverse start order: SIGTERM, then SIGKILL after the grace period. */
  async stopAll(graceMs = 20_000): Promise<void> {
    this.stopping = true;
    for (const timer of this.pendingRestarts) clearTimeout(timer);
    this.pendingRestarts.clear();
    for (const child of [...this.children].reverse()) {
      if (!this.running.get(child)) continue;
      await stopProcessGroup(child.process.pid, child.exited, graceMs);
    }
  }
}

async function stopProcessGroup(
  pid: number | undefined,
  exited: Promise<unknown>,
  graceMs: number,
): Promise<void> {
  if (!pid) return;
  if (!signalGroup(pid, 'SIGTERM')) return;
  const timer = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
  if ((await Promise.race([exited.then(() => 'exited'), timer])) !== 'exited') {
    signalGroup(pid, 'SIGKILL');
    await exited;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Kills children left behind by a launcher that died without cleaning up. Returns their names. */
/**
 * The processes a stack of `home` started and left running with no launcher to supervise them (it
 * was killed): each `<name>.pid` of `runDir` whose process is alive and carries `home`'s marker.
 */
export async function findOrphans(
  runDir: string,
  home: string,
): Promise<Array<{ name: string; pid: number }>> {
  let entries: string[];
  try {
    entries = (await readdir(runDir)).filter((f) => f.endsWith('.pid'));
  } catch {
    return [];
  }
  const found: Array<{ name: string; pid: number }> = [];
  for (const file of entries) {
    const pid = Number((await readFile(path.join(runDir, file), 'utf8')).trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && commandLine(pid).includes(markerArg(home)))
      found.push({ name: file.replace(/\.pid$/, ''), pid });
  }
  return found;
}

/** Kills `findOrphans`' processes (their process groups) and removes every pid file. Returns their names. */
export async function killOrphans(runDir: string, home: string): Promise<string[]> {
  const orphans = await findOrphans(runDir, home);
  for (const { pid } of orphans) signalGroup(pid, 'SIGKILL');
  try {
    for (const file of (await readdir(runDir)).filter((f) => f.endsWith('.pid')))
      await rm(path.join(runDir, file), { force: true });
  } catch {
    // No run directory: nothing to remove.
  }
  return orphans.map((o) => o.name);
}

export async function lastLines(file: string, count = 5): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-count).join('\n');
  } catch {
    return '';
  }
}
