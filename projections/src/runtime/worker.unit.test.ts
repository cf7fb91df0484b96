import { silentLogger } from '@eventlens/service-kit';
import { describe, expect, it } from 'vitest';
import type { BatchResult } from './apply';
import type { TopicPartition } from './checkpoints';
import { HEADER } from './headers';
import { ok, retry, transient, type Failure, type Outcome } from './outcome';
import type { SourceRecord } from './projection';
import { createBatchHandler, type BatchHandlerDeps, type BatchPayload } from './worker';

const committed = (next: number): BatchResult => ({
  kind: 'committed',
  next,
  applied: 1,
  duplicates: 0,
  skipped: 0,
  retried: 0,
  deadLettered: 0,
  dropped: 0,
  receivedAts: [],
});

/** Every collaborator of the loop as a fake that writes down what it was asked. */
function setup(
  options: {
    positioned?: boolean;
    positionFails?: unknown;
    outcomes?: (records: readonly SourceRecord[]) => Outcome<string>[];
    result?: BatchResult | (() => Promise<BatchResult>);
    dueGate?: boolean;
    now?: number;
  } = {},
) {
  const calls: string[] = [];
  const failures: Failure[] = [];
  const applied: number[][] = [];
  let positioned = options.positioned ?? true;
  const deps: BatchHandlerDeps<string> = {
    projection: {
      prepare: async (records) => {
        calls.push(`prepare ${records.map((r) => r.offset).join(',')}`);
        return options.outcomes ? options.outcomes(records) : records.map((r) => ok(`row ${r.offset}`));
      },
    },
    applier: {
      apply: async (origin, records) => {
        calls.push(`apply from ${origin.fetched} hw ${origin.highWatermark}`);
        applied.push(records.map((r) => r.offset));
        const result = options.result ?? committed(records.at(-1)!.offset + 1);
        return typeof result === 'function' ? result() : result;
      },
    },
    positioning: {
      isPositioned: () => positioned,
      position: async (partitions: readonly TopicPartition[]) => {
        calls.push(`position ${partitions.map((p) => p.partition).join(',')}`);
        if (options.positionFails) throw options.positionFails;
        positioned = true;
      },
      committed: (_tp, next) => calls.push(`committed ${next}`),
      skippedTo: (_tp, next, fetchedUpTo) => calls.push(`skippedTo ${next} after ${fetchedUpTo}`),
      seekBack: (_tp, checkpoint, fetched) => calls.push(`seekBack ${checkpoint} from ${fetched}`),
    },
    pauses: {
      pauseFor: (_tp, ms, reason) => calls.push(`pause ${ms} ${reason}`),
      backOff: (_tp, failure) => {
        calls.push(`backOff ${failure.code}`);
        failures.push(failure);
      },
      recovered: () => calls.push('recovered'),
    },
    telemetry: {
      now: () => 0,
      behind: (records) => calls.push(`behind ${records}`),
      committed: (_tp, result, batch) => calls.push(`metrics ${result.kind} ${batch.records}`),
    },
    dueGate: options.dueGate ?? false,
    clock: () => options.now ?? 1000,
    logger: silentLogger,
  };
  return { handle: createBatchHandler(deps), calls, failures, applied };
}

function payload(
  offsets: number[],
  options: {
    headers?: (offset: number) => Record<string, string>;
    running?: boolean;
    stale?: boolean;
    commitFails?: boolean;
  } = {},
) {
  const resolved: string[] = [];
  const commits: unknown[] = [];
  const p: BatchPayload = {
    batch: Object.assign(
      {
        topic: 'events',
        partition: 0,
        highWatermark: '50',
        messages: offsets.map((offset) => ({
          offset: String(offset),
          key: null,
          value: Buffer.from('x'),
          timestamp: '1',
          attributes: 0,
          headers: options.headers?.(offset) ?? {},
        })),
      },
      { fetchedOffset: String(offsets[0] ?? 0) },
    ),
    isRunning: () => options.running ?? true,
    isStale: () => options.stale ?? false,
    resolveOffset: (offset) => void resolved.push(offset),
    commitOffsetsIfNecessary: async (offsets) => {
      if (options.commitFails) throw new Error('coordinator moved');
      commits.push(offsets);
    },
  };
  return { p, resolved, commits };
}

describe('one step of the loop', () => {
  it('applies a batch, resolves its last offset, and hints the committed checkpoint to Kafka', async () => {
    const { handle, calls } = setup();
    const { p, resolved, commits } = payload([5, 6, 7]);
    await handle(p);
    expect(calls).toEqual([
      'prepare 5,6,7',
      'apply from 5 hw 50',
      'recovered',
      'committed 8',
      'metrics committed 3',
    ]);
    expect(resolved).toEqual(['7']);
    expect(commits).toEqual([{ topics: [{ topic: 'events', partitions: [{ partition: 0, offset: '8' }] }] }]);
  });

  it('a failed offset hint changes nothing (the checkpoint in PostgreSQL is what counts)', async () => {
    const { handle } = setup();
    const { p, resolved } = payload([5], { commitFails: true });
    await expect(handle(p)).resolves.toBeUndefined();
    expect(resolved).toEqual(['5']);
  });

  it('does nothing for a consumer that stopped or a batch that went stale in a rebalance', async () => {
    for (const options of [{ running: false }, { stale: true }]) {
      const { handle, calls } = setup();
      await handle(payload([1], options).p);
      expect(calls).toEqual([]);
    }
  });

  it('drops a batch fetched before its partition was positioned, and positions it', async () => {
    const { handle, calls } = setup({ positioned: false });
    const { p, resolved } = payload([0, 1]);
    await handle(p);
    expect(calls).toEqual(['position 0']);
    expect(resolved).toEqual([]);
  });

  it('backs off when positioning fails, with the error classified', async () => {
    const { handle, failures } = setup({
      positioned: false,
      positionFails: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    await handle(payload([0]).p);
    expect(failures.map((f) => f.code)).toEqual(['ECONNREFUSED']);
  });

  it('backs off on a transient outcome without applying anything', async () => {
    const { handle, calls } = setup({
      outcomes: (records) =>
        records.map((r, i) =>
          i === 1 ? transient({ code: 'REGISTRY_UNAVAILABLE', message: 'down' }) : ok(`row ${r.offset}`),
        ),
    });
    const { p, resolved } = payload([0, 1, 2]);
    await handle(p);
    expect(calls).toEqual(['prepare 0,1,2', 'backOff REGISTRY_UNAVAILABLE']);
    expect(resolved).toEqual([]);
  });

  it('a bad record is no reason to back off: it goes to the applier with the rest', async () => {
    const { handle, calls } = setup({
      outcomes: (records) => records.map(() => retry({ code: 'INVALID_EVENT', message: 'x' })),
    });
    await handle(payload([0]).p);
    expect(calls).toContain('apply from 0 hw 50');
  });

  it('backs off when the transaction fails, classified by the error’s SQLSTATE', async () => {
    const { handle, calls, failures } = setup({
      result: async () => {
        throw Object.assign(new Error('terminating connection due to administrator command'), {
          code: '57P01',
        });
      },
    });
    const { p, resolved } = payload([0]);
    await handle(p);
    expect(failures).toMatchObject([{ code: 'DB_57P01' }]);
    expect(calls).not.toContain('recovered');
    expect(resolved).toEqual([]);
  });

  it('seeks back when the batch was fetched beyond the checkpoint, resolving nothing', async () => {
    const { handle, calls } = setup({ result: { kind: 'reposition', offset: 3, fetched: 9 } });
    const { p, resolved, commits } = payload([9, 10]);
    await handle(p);
    expect(calls.slice(-2)).toEqual(['recovered', 'seekBack 3 from 9']);
    expect(resolved).toEqual([]);
    expect(commits).toEqual([]);
  });

  it('skips a batch that lay below the checkpoint', async () => {
    const { handle, calls } = setup({ result: { kind: 'behind', next: 20 } });
    const { p, resolved, commits } = payload([3, 4]);
    await handle(p);
    expect(calls.slice(-3)).toEqual(['recovered', 'behind 2', 'skippedTo 20 after 5']);
    expect(resolved).toEqual(['4']);
    expect(commits).toEqual([]);
  });
});

describe('the due gate of a retry consumer', () => {
  const dueAt =
    (times: Record<number, number>) =>
    (offset: number): Record<string, string> =>
      times[offset] === undefined ? {} : { [HEADER.dueAt]: String(times[offset]) };

  it('applies the records that are due, then pauses the partition until the next one is', async () => {
    const { handle, calls, applied } = setup({ dueGate: true, now: 1000 });
    const { p, resolved } = payload([0, 1, 2], { headers: dueAt({ 0: 900, 1: 1400, 2: 950 }) });
    await handle(p);
    expect(applied).toEqual([[0]]);
    expect(resolved).toEqual(['0']);
    expect(calls.at(-1)).toBe('pause 400 due');
  });

  it('none due: only the pause', async () => {
    const { handle, calls } = setup({ dueGate: true, now: 1000 });
    await handle(payload([0], { headers: dueAt({ 0: 3000 }) }).p);
    expect(calls).toEqual(['pause 2000 due']);
  });

  it('a source consumer ignores due times', async () => {
    const { handle, applied } = setup({ dueGate: false, now: 1000 });
    await handle(payload([0, 1], { headers: dueAt({ 0: 3000 }) }).p);
    expect(applied).toEqual([[0, 1]]);
  });
});
