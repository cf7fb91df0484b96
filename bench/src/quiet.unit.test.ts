import { describe, expect, it } from 'vitest';
import { busyShare, parseProcStat, waitForQuiet, type CpuSample } from './quiet';

describe('parseProcStat', () => {
  it('counts user, nice, system, irq, softirq and steal as busy, idle and iowait as not', () => {
    // cpu user nice system idle iowait irq softirq steal guest guest_nice
    const text = 'cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 50 2 25 400 20 1 1 0 0 0\n';
    expect(parseProcStat(text)).toEqual({ busy: 160, total: 1000 });
  });
});

describe('busyShare', () => {
  it('is the busy ticks over all ticks between two samples, 0 when no time passed', () => {
    expect(busyShare({ busy: 100, total: 1000 }, { busy: 150, total: 1200 })).toBe(0.25);
    expect(busyShare({ busy: 100, total: 1000 }, { busy: 100, total: 1000 })).toBe(0);
  });
});

/** A machine whose successive one-second windows are this busy (shares 0–1), 100 ticks each. */
function machine(shares: number[]) {
  let at: CpuSample = { busy: 0, total: 0 };
  let i = 0;
  return async (): Promise<CpuSample> => {
    const current = at;
    const share = shares[Math.min(i, shares.length - 1)]!;
    at = { busy: at.busy + share * 100, total: at.total + 100 };
    i++;
    return current;
  };
}
const noWait = async () => undefined;

describe('waitForQuiet', () => {
  it('returns once three windows in a row are at or under the limit', async () => {
    const quiet = await waitForQuiet({
      sample: machine([0.9, 0.2, 0.8, 0.1, 0.2, 0.25, 0.9]),
      sleep: noWait,
    });
    // Windows: 0.9, 0.2, 0.8, 0.1, 0.2, 0.25 → the 0.8 breaks the first run; the last three make it.
    expect(quiet).toEqual({ quiet: true, waitedS: 6, busy: 0.25 });
  });

  it('gives up after the most windows, still busy, and says how busy', async () => {
    const quiet = await waitForQuiet({ sample: machine([0.7]), sleep: noWait, maxWindows: 5 });
    expect(quiet).toEqual({ quiet: false, waitedS: 5, busy: 0.7 });
  });

  it('waits a second between samples', async () => {
    const waits: number[] = [];
    await waitForQuiet({
      sample: machine([0]),
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(waits).toEqual([1000, 1000, 1000]);
  });
});
