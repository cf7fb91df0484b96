/** The cluster's pure rules: the processes setting and the restart delay after a worker died. */
import { ConfigError } from '@eventlens/service-kit';
import { describe, expect, it } from 'vitest';
import { ingestProcessesFrom, restartDelayMs } from './cluster';

describe('EVENTLENS_INGEST_PROCESSES', () => {
  it('is 1 (no cluster) when unset, else the whole number given, 1 to 64', () => {
    expect(ingestProcessesFrom({})).toBe(1);
    expect(ingestProcessesFrom({ EVENTLENS_INGEST_PROCESSES: '4' })).toBe(4);
    expect(ingestProcessesFrom({ EVENTLENS_INGEST_PROCESSES: '64' })).toBe(64);
  });

  it('refuses anything else, naming the variable', () => {
    for (const bad of ['0', '65', '1.5', 'two']) {
      expect(() => ingestProcessesFrom({ EVENTLENS_INGEST_PROCESSES: bad })).toThrow(ConfigError);
      expect(() => ingestProcessesFrom({ EVENTLENS_INGEST_PROCESSES: bad })).toThrow(
        /^EVENTLENS_INGEST_PROCESSES: /,
      );
    }
  });
});

describe('restarting a dead worker', () => {
  it('forks at once after a long life', () => {
    expect(restartDelayMs(10_000, 0)).toBe(0);
    expect(restartDelayMs(3_600_000, 30_000)).toBe(0);
  });

  it('waits 1 s after a quick death, doubling with each quick death in a row, up to 30 s', () => {
    const delays: number[] = [];
    let previous = 0;
    for (let i = 0; i < 8; i++) delays.push((previous = restartDelayMs(500, previous)));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });
});
