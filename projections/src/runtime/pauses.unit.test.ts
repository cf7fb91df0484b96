import { silentLogger, type Logger } from '@eventlens/service-kit';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics';
import { backoffDelay } from './backoff';
import { HEADER } from './headers';
import { createPauses, dueRecords, type Timers } from './pauses';
import type { SourceRecord } from './projection';

const p0 = { topic: 'events', partition: 0 };
const p1 = { topic: 'events', partition: 1 };
const policy = { minMs: 100, maxMs: 1000 };

/** Timers the test fires by hand. */
function manualTimers() {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  const timers: Timers = {
    set: (fn, ms) => {
      pending.set(++next, { fn, ms });
      return next;
    },
    clear: (handle) => pending.delete(handle as number),
  };
  return {
    timers,
    pending,
    fireAll: () => {
      const due = [...pending.values()];
      pending.clear();
      for (const { fn } of due) fn();
    },
  };
}

function recordingLogger() {
  const lines: [string, string][] = [];
  const logger: Logger = {
    debug: (message) => lines.push(['debug', message]),
    info: (message) => lines.push(['info', message]),
    warn: (message) => lines.push(['warn', message]),
    error: (message) => lines.push(['error', message]),
    child: () => logger,
  };
  return { logger, levels: () => lines.map(([level]) => level) };
}

function setup(logger: Logger = silentLogger) {
  const calls: string[] = [];
  const metrics = createMetrics();
  const manual = manualTimers();
  const pauses = createPauses({
    pause: (tp) => calls.push(`pause ${tp.partition}`),
    resume: (tp) => calls.push(`resume ${tp.partition}`),
    backoff: policy,
    random: () => 0.5,
    metrics,
    worker: 'w',
    logger,
    timers: manual.timers,
  });
  const paused = async () => (await metrics.pausedPartitions.get()).values[0]?.value;
  const transient = async (code: string) =>
    (await metrics.transientErrors.get()).values.find((v) => v.labels.code === code)?.value ?? 0;
  return { pauses, calls, paused, transient, ...manual };
}

describe('backing off a partition on a transient failure', () => {
  it('pauses it for the backoff step of its attempt, and resumes it when that has passed', async () => {
    const { pauses, calls, pending, fireAll, paused } = setup();
    pauses.backOff(p0, { code: 'DB_57P01', message: 'terminating connection' });
    expect(calls).toEqual(['pause 0']);
    expect([...pending.values()][0]!.ms).toBe(backoffDelay(0, policy, () => 0.5));
    expect(await paused()).toBe(1);
    expect(pauses.state()).toEqual({
      backingOff: 1,
      failing: 1,
      lastError: 'DB_57P01: terminating connection',
    });
    fireAll();
    expect(calls).toEqual(['pause 0', 'resume 0']);
    expect(await paused()).toBe(0);
    expect(pauses.state()).toMatchObject({ backingOff: 0, failing: 1 });
  });

  it('waits longer on every further attempt, until a batch of the partition goes through', () => {
    const { pauses, pending, fireAll } = setup();
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      pauses.backOff(p0, { code: 'ECONNREFUSED', message: 'x' });
      delays.push([...pending.values()][0]!.ms);
      fireAll();
    }
    expect(delays).toEqual([0, 1, 2].map((attempt) => backoffDelay(attempt, policy, () => 0.5)));
    pauses.recovered(p0);
    expect(pauses.state().failing).toBe(0);
    pauses.backOff(p0, { code: 'ECONNREFUSED', message: 'x' });
    expect([...pending.values()][0]!.ms).toBe(delays[0]);
  });

  it('counts each failure under its code, per partition attempts apart', async () => {
    const { pauses, transient } = setup();
    pauses.backOff(p0, { code: 'REGISTRY_UNAVAILABLE', message: 'x' });
    pauses.backOff(p1, { code: 'REGISTRY_UNAVAILABLE', message: 'x' });
    pauses.backOff(p1, { code: 'DB_40001', message: 'x' });
    expect(await transient('REGISTRY_UNAVAILABLE')).toBe(2);
    expect(await transient('DB_40001')).toBe(1);
    expect(pauses.state()).toMatchObject({ backingOff: 2, failing: 2, lastError: 'DB_40001: x' });
  });

  it('warns on the first failure, then says so only now and again', () => {
    const { logger, levels } = recordingLogger();
    const { pauses, fireAll } = setup(logger);
    for (let i = 0; i < 21; i++) {
      pauses.backOff(p0, { code: 'UNEXPECTED', message: 'x' });
      fireAll();
    }
    expect(levels()[0]).toBe('warn');
    expect(
      levels()
        .slice(1, 20)
        .every((level) => level === 'debug'),
    ).toBe(true);
    expect(levels()[20]).toBe('error');
  });
});

describe('pausing until a time', () => {
  it('a new pause of a partition replaces the pending one', () => {
    const { pauses, pending, calls, fireAll } = setup();
    pauses.pauseFor(p0, 500, 'due');
    pauses.pauseFor(p0, 200, 'due');
    expect([...pending.values()].map((p) => p.ms)).toEqual([200]);
    fireAll();
    expect(calls).toEqual(['pause 0', 'pause 0', 'resume 0']);
  });

  it('a due time in the past resumes at once; waiting for retry records is not a backoff', () => {
    const { pauses, pending } = setup();
    pauses.pauseFor(p0, -50, 'due');
    expect([...pending.values()][0]!.ms).toBe(0);
    expect(pauses.state()).toMatchObject({ backingOff: 0, failing: 0 });
  });

  it('clear cancels every pending resume (the worker is stopping)', () => {
    const { pauses, pending, calls } = setup();
    pauses.pauseFor(p0, 100, 'due');
    pauses.backOff(p1, { code: 'UNEXPECTED', message: 'x' });
    pauses.clear();
    expect(pending.size).toBe(0);
    expect(calls).toEqual(['pause 0', 'pause 1']);
    expect(pauses.state().backingOff).toBe(0);
  });
});

describe('dueRecords: the retry topics’ due gate', () => {
  const record = (offset: number, dueAt?: number): SourceRecord => ({
    topic: 'retry.1',
    partition: 0,
    offset,
    key: null,
    value: null,
    headers: dueAt === undefined ? {} : { [HEADER.dueAt]: String(dueAt) },
    timestamp: 0,
  });

  it('keeps every record whose due time has come', () => {
    const records = [record(0, 900), record(1, 1000), record(2)];
    expect(dueRecords(records, 1000)).toEqual({ due: records, wakeAt: undefined });
  });

  it('stops at the first record not due yet, even if later ones are, and wakes at its time', () => {
    const records = [record(0, 900), record(1, 1500), record(2, 800)];
    expect(dueRecords(records, 1000)).toEqual({ due: [records[0]], wakeAt: 1500 });
  });

  it('none due: nothing to apply, only a time to wake at', () => {
    expect(dueRecords([record(0, 2000)], 1000)).toEqual({ due: [], wakeAt: 2000 });
  });
});
