/**
 * CPU time from /proc (Linux), the figure that moves least with other work on a shared machine:
 * where throughput says how fast, CPU per unit of work says which process spends the cores.
 */
import { readdir, readFile } from 'node:fs/promises';

/** USER_HZ on Linux: /proc/<pid>/stat counts CPU time in ticks of 1/100 s. */
const TICKS_PER_SECOND = 100;

/** The command name and CPU milliseconds (user + system: fields 14 and 15) of one /proc/<pid>/stat. */
export function parseStat(stat: string): { comm: string; cpuMs: number } {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return {
    comm: stat.slice(open + 1, close),
    cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND,
  };
}

/** CPU milliseconds process `pid` has used. Rejects when it is gone. */
export async function cpuMs(pid: number): Promise<number> {
  return parseStat(await readFile(`/proc/${pid}/stat`, 'utf8')).cpuMs;
}

/**
 * CPU milliseconds used by every live process called `comm` (`postgres`: the server and its
 * backends). A process that exits between two readings takes its time with it, so the difference
 * of two readings counts only processes alive at both: the projection's pooled connections are.
 */
export async function cpuMsOf(comm: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => null);
    if (stat === null) continue;
    const parsed = parseStat(stat);
    if (parsed.comm === comm) total += parsed.cpuMs;
  }
  return total;
}
