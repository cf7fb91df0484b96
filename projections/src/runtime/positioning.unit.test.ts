import { silentLogger } from '@eventlens/service-kit';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics';
import { tpKey, type TopicPartition } from './checkpoints';
import { createPositioning } from './positioning';

const p0 = { topic: 'events', partition: 0 };
const p1 = { topic: 'events', partition: 1 };

/** Stored checkpoints, the seeks made, and a tick the test fires by hand. */
function setup(stored: Record<number, number> = {}) {
  const checkpoints = new Map(
    Object.entries(stored).map(([p, o]) => [tpKey({ topic: 'events', partition: Number(p) }), o]),
  );
  const seeks: [number, number][] = [];
  const metrics = createMetrics();
  const ticks: { ms: number; fn: () => void; cancelled: boolean }[] = [];
  let reads = 0;
  let beforeReadResolves: (() => void) | undefined;
  const positioning = createPositioning({
    read: async (partitions: readonly TopicPartition[]) => {
      reads++;
      const answer = new Map(
        partitions.flatMap((tp) =>
          checkpoints.has(tpKey(tp)) ? [[tpKey(tp), checkpoints.get(tpKey(tp))!]] : [],
        ),
      );
      await Promise.resolve();
      beforeReadResolves?.();
      return answer;
    },
    seek: (tp, offset) => seeks.push([tp.partition, offset]),
    metrics,
    worker: 'w',
    logger: silentLogger,
    every: (ms, fn) => {
      const tick = { ms, fn, cancelled: false };
      ticks.push(tick);
      return () => {
        tick.cancelled = true;
      };
    },
  });
  const repositions = async () =>
    (await metrics.repositions.get()).values.reduce((sum, v) => sum + v.value, 0);
  return {
    positioning,
    checkpoints,
    seeks,
    ticks,
    repositions,
    reads: () => reads,
    set: (partition: number, offset: number) =>
      checkpoints.set(tpKey({ topic: 'events', partition }), offset),
    duringRead: (fn: (() => void) | undefined) => (beforeReadResolves = fn),
  };
}

describe('positioning on assignment', () => {
  it('seeks every assigned partition to its stored checkpoint, and to 0 when none is stored', async () => {
    const { positioning, seeks } = setup({ 0: 42 });
    expect(positioning.isPositioned(p0)).toBe(false);
    await positioning.assign([p0, p1]);
    expect(seeks).toEqual([
      [0, 42],
      [1, 0],
    ]);
    expect(positioning.isPositioned(p0)).toBe(true);
    expect(positioning.isPositioned(p1)).toBe(true);
    expect(positioning.assigned()).toEqual([p0, p1]);
  });

  it('a new assignment forgets the positions of the previous one at once, before reading', async () => {
    const { positioning } = setup({ 0: 1 });
    await positioning.assign([p0, p1]);
    const pending = positioning.assign([p1]);
    expect(positioning.isPositioned(p0)).toBe(false);
    expect(positioning.isPositioned(p1)).toBe(false);
    await pending;
    expect(positioning.isPositioned(p1)).toBe(true);
    expect(positioning.assigned()).toEqual([p1]);
  });

  it('an empty assignment reads nothing', async () => {
    const { positioning, reads } = setup();
    await positioning.assign([]);
    expect(reads()).toBe(0);
  });

  it('a failed read leaves the partitions unpositioned (the first batch positions them)', async () => {
    const positioning = createPositioning({
      read: async () => {
        throw new Error('PostgreSQL down');
      },
      seek: () => undefined,
      metrics: createMetrics(),
      worker: 'w',
      logger: silentLogger,
    });
    await expect(positioning.assign([p0])).rejects.toThrow('PostgreSQL down');
    expect(positioning.isPositioned(p0)).toBe(false);
  });
});

describe('following the checkpoints the loop reports', () => {
  it('seeks back to the checkpoint of a batch fetched beyond it, counting a reposition', async () => {
    const { positioning, seeks, repositions } = setup({ 0: 10 });
    await positioning.assign([p0]);
    positioning.seekBack(p0, 7, 12);
    expect(seeks.at(-1)).toEqual([0, 7]);
    expect(await repositions()).toBe(1);
  });

  it('skips ahead only when the checkpoint is beyond the fetched records', async () => {
    const { positioning, seeks } = setup({ 0: 10 });
    await positioning.assign([p0]);
    positioning.skippedTo(p0, 20, 15);
    expect(seeks.at(-1)).toEqual([0, 20]);
    positioning.skippedTo(p0, 25, 25);
    expect(seeks).toHaveLength(2);
  });
});

describe('the periodic comparison with the stored checkpoints', () => {
  it('seeks to a checkpoint that went back under the worker (a rebuild swap), once', async () => {
    const { positioning, seeks, set, repositions } = setup({ 0: 10, 1: 5 });
    await positioning.assign([p0, p1]);
    positioning.committed(p0, 30);
    set(0, 12); // the swapped-in schema is behind what this worker committed
    await positioning.sync();
    expect(seeks.at(-1)).toEqual([0, 12]);
    expect(await repositions()).toBe(1);
    await positioning.sync();
    expect(seeks).toHaveLength(3);
  });

  it('leaves a checkpoint that moved forward alone (our own commit, or another worker’s)', async () => {
    const { positioning, seeks, set } = setup({ 0: 10 });
    await positioning.assign([p0]);
    set(0, 50);
    await positioning.sync();
    expect(seeks).toHaveLength(1);
  });

  it('ignores a partition whose batch committed while the checkpoints were being read', async () => {
    const { positioning, seeks, set, duringRead } = setup({ 0: 10 });
    await positioning.assign([p0]);
    positioning.committed(p0, 30);
    set(0, 12);
    duringRead(() => positioning.committed(p0, 40));
    await positioning.sync();
    expect(seeks).toHaveLength(1);
  });

  it('compares only positioned partitions', async () => {
    const { positioning, reads } = setup({ 0: 10 });
    await positioning.sync();
    expect(reads()).toBe(0);
  });

  it('runs on every tick, one comparison at a time, and stops when told', async () => {
    const { positioning, ticks, reads } = setup({ 0: 10 });
    await positioning.assign([p0]);
    positioning.startSync(300);
    expect(ticks).toHaveLength(1);
    expect(ticks[0]!.ms).toBe(300);
    ticks[0]!.fn();
    ticks[0]!.fn(); // still reading: skipped
    expect(reads()).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 0));
    ticks[0]!.fn();
    expect(reads()).toBe(3);
    positioning.stopSync();
    expect(ticks[0]!.cancelled).toBe(true);
  });

  it('a failed comparison is not fatal: the next tick tries again', async () => {
    let fail = true;
    let reads = 0;
    const ticks: (() => void)[] = [];
    const positioning = createPositioning({
      read: async () => {
        reads++;
        if (fail && reads > 1) throw new Error('PostgreSQL down');
        return new Map();
      },
      seek: () => undefined,
      metrics: createMetrics(),
      worker: 'w',
      logger: silentLogger,
      every: (_ms, fn) => {
        ticks.push(fn);
        return () => undefined;
      },
    });
    await positioning.assign([p0]);
    positioning.startSync(100);
    ticks[0]!();
    await new Promise((resolve) => setTimeout(resolve, 0));
    fail = false;
    ticks[0]!();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(reads).toBe(3);
  });
});
