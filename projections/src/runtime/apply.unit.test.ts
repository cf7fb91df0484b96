import { silentLogger } from '@eventlens/service-kit';
import { describe, expect, it } from 'vitest';
import type { Queryable } from '../db';
import { applyIsolated, createBatchApplier, sortOutcomes, type BatchStore } from './apply';
import { deadLetter, ok, retry, transient, type Outcome } from './outcome';
import type { ApplyResult, Projection, SourceRecord } from './projection';
import type { FailedRecord, Router } from './router';

const tp = { topic: 'events', partition: 0 };
const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

const record = (offset: number, value = `v${offset}`): SourceRecord => ({
  ...tp,
  offset,
  key: null,
  value: Buffer.from(value),
  headers: {},
  timestamp: 1000 + offset,
});

interface Row {
  id: number;
  project: string;
  /** The fake database refuses this row with a unique violation. */
  bad?: boolean;
  /** The fake handler refuses this row. */
  refused?: boolean;
  /** The fake database finds this row already there. */
  duplicate?: boolean;
}

/** A transaction: its statements, and whether it committed. */
interface FakeTx extends Queryable {
  statements: string[];
}

function fakeTx(): FakeTx {
  const statements: string[] = [];
  return {
    statements,
    query: (async (text: string) => {
      statements.push(text);
      return { rows: [], rowCount: 0, command: '', oid: 0, fields: [] };
    }) as Queryable['query'],
  };
}

/** Applies rows like a projection in bulk: one bad row fails the whole statement with 23505. */
function fakeProjection(): Projection<Row> & { applied: number[][] } {
  const applied: number[][] = [];
  return {
    name: 'analytics',
    applied,
    prepare: async () => [],
    async apply(tx, rows): Promise<ApplyResult> {
      await tx.query('insert rows');
      if (rows.some((r) => r.bad)) throw pgError('23505');
      applied.push(rows.map((r) => r.id));
      return {
        applied: rows.filter((r) => !r.refused && !r.duplicate).length,
        failed: rows.flatMap((r, index) =>
          r.refused ? [{ index, failure: { code: 'KEY_NOT_FOUND' as const, message: 'no such key' } }] : [],
        ),
      };
    },
    projectOf: (row) => row.project,
    receivedAtOf: (row) => (row.id === 1 ? 500 : null),
  };
}

function setup(
  options: {
    checkpoint?: number;
    low?: number;
    router?: Router | null;
    ops?: boolean;
    counted?: number;
  } = {},
) {
  const transactions: { tx: FakeTx; outcome: 'commit' | 'rollback' }[] = [];
  const progress: unknown[] = [];
  const activity: unknown[] = [];
  const versions: unknown[] = [];
  const marks: number[] = [];
  const routed: FailedRecord[][] = [];
  const store: BatchStore = {
    lockCheckpoint: async (tx) => {
      await tx.query('lock checkpoint');
      return { checkpoint: options.checkpoint ?? 0, counted: marks.at(-1) ?? options.counted ?? 0 };
    },
    saveProgress: async (tx, _tp, p) => {
      await tx.query('save progress');
      progress.push(p);
    },
    ops:
      options.ops === false
        ? null
        : {
            // As the real statement: the activity, and the partition's mark moved up (never down).
            recordActivity: async (_tx, { counted, ...a }) => {
              activity.push(a);
              marks.push(Math.max(marks.at(-1) ?? options.counted ?? 0, counted.next));
            },
            recordSchemaVersions: async (_tx, values) => void versions.push(values.map(String)),
          },
  };
  const router: Router = {
    async route(failed) {
      routed.push([...failed]);
      return {
        retried: failed.filter((f) => f.outcome.kind === 'retry').length,
        deadLettered: failed.filter((f) => f.outcome.kind === 'dlq').length,
      };
    },
  };
  const projection = fakeProjection();
  const applier = createBatchApplier<Row>({
    projection,
    router: options.router === undefined ? router : options.router,
    store,
    async transaction(fn) {
      const tx = fakeTx();
      try {
        const result = await fn(tx);
        transactions.push({ tx, outcome: 'commit' });
        return result;
      } catch (error) {
        transactions.push({ tx, outcome: 'rollback' });
        throw error;
      }
    },
    lowWatermark: async () => options.low ?? 0,
    logger: silentLogger,
    clock: () => 9000,
  });
  return { applier, projection, transactions, progress, activity, versions, routed, marks };
}

const origin = (fetched = 0) => ({ tp, fetched, highWatermark: 100 });
const row = (id: number, extra: Partial<Row> = {}): Row => ({ id, project: `p${id}`, ...extra });

describe('a batch in one transaction', () => {
  it('applies the rows, forwards the failures and moves the checkpoint, all in one commit', async () => {
    const { applier, projection, transactions, progress, activity, versions, routed } = setup();
    const records = [record(0), record(1), record(2), record(3)];
    const outcomes: Outcome<Row>[] = [
      ok(row(0)),
      ok(row(1)),
      retry({ code: 'INVALID_EVENT', message: 'bad uuid' }),
      deadLetter({ code: 'NOT_WIRE_FORMAT', message: 'garbage' }),
    ];
    const result = await applier.apply(origin(), records, outcomes);
    expect(result).toEqual({
      kind: 'committed',
      next: 4,
      applied: 2,
      duplicates: 0,
      skipped: 0,
      retried: 1,
      deadLettered: 1,
      dropped: 0,
      receivedAts: [1000, 500],
    });
    expect(projection.applied).toEqual([[0, 1]]);
    expect(routed[0]!.map((f) => [f.record.offset, f.outcome.kind])).toEqual([
      [2, 'retry'],
      [3, 'dlq'],
    ]);
    expect(transactions).toHaveLength(1);
    expect(transactions[0]!.outcome).toBe('commit');
    // the checkpoint row is locked first and moved last
    expect(transactions[0]!.tx.statements).toEqual(['lock checkpoint', 'insert rows', 'save progress']);
    expect(progress).toEqual([{ next: 4, highWatermark: 100, retried: 1 }]);
    expect(activity).toEqual([{ applied: 2, receivedAts: [1000, 500], now: 9000 }]);
    expect(versions).toEqual([['v0', 'v1']]);
  });

  it('counts rows that changed nothing as duplicates, and forwards rows the handler refused', async () => {
    const { applier, routed } = setup();
    const result = await applier.apply(
      origin(),
      [record(0), record(1), record(2)],
      [ok(row(0)), ok(row(1, { duplicate: true })), ok(row(2, { refused: true }))],
    );
    expect(result).toMatchObject({ applied: 1, duplicates: 1, retried: 1 });
    expect(routed[0]).toMatchObject([
      { record: { offset: 2 }, outcome: { kind: 'retry', failure: { code: 'KEY_NOT_FOUND' } } },
    ]);
  });

  it('skips records below the checkpoint', async () => {
    const { applier, projection } = setup({ checkpoint: 2 });
    const result = await applier.apply(
      origin(2),
      [record(0), record(1), record(2)],
      [ok(row(0)), ok(row(1)), ok(row(2))],
    );
    expect(result).toMatchObject({ kind: 'committed', next: 3, applied: 1, skipped: 2 });
    expect(projection.applied).toEqual([[2]]);
  });

  it('a batch wholly below the checkpoint is behind: nothing is written', async () => {
    const { applier, progress } = setup({ checkpoint: 10 });
    expect(await applier.apply(origin(0), [record(0), record(1)], [ok(row(0)), ok(row(1))])).toEqual({
      kind: 'behind',
      next: 10,
    });
    expect(progress).toEqual([]);
  });

  it('a batch fetched beyond the checkpoint is not applied: the loop must seek back', async () => {
    const { applier, projection, progress } = setup({ checkpoint: 3, low: 0 });
    expect(await applier.apply(origin(5), [record(5)], [ok(row(5))])).toEqual({
      kind: 'reposition',
      offset: 3,
      fetched: 5,
    });
    expect(projection.applied).toEqual([]);
    expect(progress).toEqual([]);
  });

  it('…unless retention deleted the records in between (the fetch starts at the log start)', async () => {
    const { applier } = setup({ checkpoint: 3, low: 5 });
    expect(await applier.apply(origin(5), [record(5)], [ok(row(5))])).toMatchObject({
      kind: 'committed',
      next: 6,
    });
  });

  it('without a router a failed record is dropped (and counted)', async () => {
    const { applier } = setup({ router: null });
    const result = await applier.apply(
      origin(),
      [record(0), record(1)],
      [ok(row(0)), retry({ code: 'INVALID_EVENT', message: 'x' })],
    );
    expect(result).toMatchObject({ retried: 0, deadLettered: 0, dropped: 1 });
  });

  it('without ops rows nothing is measured', async () => {
    const { applier, activity } = setup({ ops: false });
    const result = await applier.apply(origin(), [record(0)], [ok(row(0))]);
    expect(result).toMatchObject({ kind: 'committed', receivedAts: [] });
    expect(activity).toEqual([]);
  });

  it('an error that is not about the data rolls the transaction back and rejects', async () => {
    const { applier, transactions, routed } = setup({
      router: {
        route: async () => {
          throw pgError('57P01');
        },
      },
    });
    await expect(
      applier.apply(origin(), [record(0)], [retry({ code: 'INVALID_EVENT', message: 'x' })]),
    ).rejects.toMatchObject({ code: '57P01' });
    expect(transactions.map((t) => t.outcome)).toEqual(['rollback']);
    expect(routed).toEqual([]);
  });
});

describe('isolating the records PostgreSQL refuses', () => {
  it('redoes a batch whose bulk statement failed on its data with savepoints, and forwards only the culprit', async () => {
    const { applier, projection, transactions, routed, progress } = setup();
    const records = [0, 1, 2, 3, 4].map((o) => record(o));
    const outcomes = [0, 1, 2, 3, 4].map((id) => ok(row(id, { bad: id === 3 })));
    const result = await applier.apply(origin(), records, outcomes);
    expect(transactions.map((t) => t.outcome)).toEqual(['rollback', 'commit']);
    expect(result).toMatchObject({ kind: 'committed', next: 5, applied: 4, retried: 1, duplicates: 0 });
    expect(projection.applied.flat().sort()).toEqual([0, 1, 2, 4]);
    expect(routed[0]).toMatchObject([
      {
        record: { offset: 3 },
        outcome: { kind: 'retry', failure: { code: 'DB_23505', projectId: 'p3' } },
      },
    ]);
    expect(progress).toEqual([{ next: 5, highWatermark: 100, retried: 1 }]);
    const statements = transactions[1]!.tx.statements;
    expect(statements.filter((s) => s === 'savepoint isolate')).toHaveLength(
      statements.filter((s) => s === 'release savepoint isolate').length,
    );
    expect(statements).toContain('rollback to savepoint isolate');
  });

  it('applyIsolated halves until the failing rows are single, and maps indexes back', async () => {
    const projection = fakeProjection();
    const tx = fakeTx();
    const rows = [0, 1, 2, 3, 4, 5, 6].map((id) => row(id, { bad: id === 1 || id === 6, refused: id === 4 }));
    const result = await applyIsolated(tx, rows, projection);
    expect(result.applied).toBe(4);
    expect(result.failed.map((f) => [f.index, f.failure.code])).toEqual([
      [1, 'DB_23505'],
      [4, 'KEY_NOT_FOUND'],
      [6, 'DB_23505'],
    ]);
    expect(projection.applied.flat().sort()).toEqual([0, 2, 3, 4, 5]);
  });

  it('a non-data error inside isolation propagates (the whole transaction rolls back)', async () => {
    const projection: Pick<Projection<Row>, 'apply'> = {
      apply: async () => {
        throw pgError('40001');
      },
    };
    await expect(applyIsolated(fakeTx(), [row(0)], projection)).rejects.toMatchObject({ code: '40001' });
  });
});

describe('sortOutcomes', () => {
  it('sorts a batch into skipped records, rows and failures', () => {
    const sorted = sortOutcomes(
      [record(0), record(1), record(2), record(3)],
      [
        ok(row(0)),
        ok(row(1)),
        deadLetter({ code: 'INVALID_EVENT', message: 'x' }),
        transient({ code: 'REGISTRY_UNAVAILABLE', message: 'x' }),
      ],
      1,
    );
    expect(sorted.skipped).toBe(1);
    expect(sorted.rows.map((r) => r.id)).toEqual([1]);
    expect(sorted.rowRecords.map((r) => r.offset)).toEqual([1]);
    expect(sorted.failed.map((f) => f.record.offset)).toEqual([2]);
  });
});

describe('counted once in ops, however often applied', () => {
  it('applies again the records below the ops mark (a rebuild swapped in older checkpoints) without counting them', async () => {
    // The live worker had counted up to offset 2 when the swap put the checkpoint back at 0.
    const { applier, projection, activity, versions, marks } = setup({ counted: 2 });
    const records = [record(0), record(1), record(2), record(3)];
    const result = await applier.apply(origin(), records, [ok(row(0)), ok(row(1)), ok(row(2)), ok(row(3))]);
    // Every row reaches the new schema; the first two in a statement of their own.
    expect(projection.applied).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(result).toMatchObject({ kind: 'committed', applied: 2, duplicates: 0 });
    expect(activity).toEqual([
      { applied: 2, receivedAts: [expect.any(Number), expect.any(Number)], now: 9000 },
    ]);
    expect(versions).toEqual([['v2', 'v3']]);
    expect(marks).toEqual([4]);

    // The next batch, wholly above the mark, counts as before.
    await applier.apply(origin(), [record(4)], [ok(row(4))]);
    expect(activity).toHaveLength(2);
    expect(marks).toEqual([4, 5]);
  });

  it('counts a batch wholly below the mark nowhere, and leaves the mark where it was', async () => {
    const { applier, projection, activity, marks } = setup({ counted: 10 });
    const result = await applier.apply(origin(), [record(0), record(1)], [ok(row(0)), ok(row(1))]);
    expect(projection.applied).toEqual([[0, 1]]);
    expect(result).toMatchObject({ kind: 'committed', applied: 0, duplicates: 0 });
    expect(activity).toEqual([{ applied: 0, receivedAts: [], now: 9000 }]);
    expect(marks).toEqual([10]);
  });
});
