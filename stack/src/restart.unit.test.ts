import { describe, expect, it } from 'vitest';
import { StackError } from './errors';
import { RestartPolicy, restartPolicyFromEnv } from './restart';
import { runModeFrom, serviceCommand } from './services';

const options = { initialDelayMs: 1_000, maxDelayMs: 8_000, maxCrashes: 5, windowMs: 60_000 };

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('the restart policy', () => {
  it('backs off exponentially, capped, and gives up at the fifth crash within the window', () => {
    const c = clock();
    const policy = new RestartPolicy({ ...options, maxCrashes: 6 }, c.now);
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = policy.crashed();
      expect(d.action).toBe('restart');
      if (d.action === 'restart') delays.push(d.delayMs);
      c.advance(100);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    expect(policy.crashed()).toEqual({ action: 'give-up', crashesInWindow: 6, windowMs: 60_000 });
  });

  it('reports a crash loop: five crashes within the window', () => {
    const c = clock();
    const policy = new RestartPolicy(options, c.now);
    for (let i = 0; i < 4; i++) {
      expect(policy.crashed().action).toBe('restart');
      c.advance(10_000);
    }
    expect(policy.crashed()).toMatchObject({ action: 'give-up', crashesInWindow: 5 });
  });

  it('forgets crashes older than the window: occasional crashes restart forever, from the first delay', () => {
    const c = clock();
    const policy = new RestartPolicy(options, c.now);
    for (let i = 0; i < 50; i++) {
      expect(policy.crashed()).toEqual({ action: 'restart', delayMs: 1_000, crashesInWindow: 1 });
      c.advance(60_000);
    }
  });

  it('counts only the crashes inside a sliding window', () => {
    const c = clock();
    const policy = new RestartPolicy(options, c.now);
    policy.crashed(); // t = 0
    c.advance(30_000);
    policy.crashed(); // t = 30 s
    c.advance(31_000); // the first is now 61 s old
    expect(policy.crashed()).toEqual({ action: 'restart', delayMs: 2_000, crashesInWindow: 2 });
  });

  it('rejects a policy that could never restart', () => {
    expect(() => new RestartPolicy({ ...options, maxCrashes: 0 })).toThrow(RangeError);
    expect(() => new RestartPolicy({ ...options, maxDelayMs: 10 })).toThrow(RangeError);
  });

  it('reads overrides from the environment, with the defaults otherwise', () => {
    expect(restartPolicyFromEnv({})).toEqual({
      initialDelayMs: 1_000,
      maxDelayMs: 30_000,
      maxCrashes: 5,
      windowMs: 300_000,
    });
    expect(
      restartPolicyFromEnv({ EVENTLENS_RESTART_DELAY_MS: '200', EVENTLENS_RESTART_WINDOW_S: '10' }),
    ).toMatchObject({ initialDelayMs: 200, windowMs: 10_000 });
    expect(() => restartPolicyFromEnv({ EVENTLENS_RESTART_MAX_CRASHES: 'many' })).toThrow(StackError);
    expect(() => restartPolicyFromEnv({ EVENTLENS_RESTART_MAX_CRASHES: '0' })).toThrow(/at least 1/);
    expect(() => restartPolicyFromEnv({ EVENTLENS_RESTART_DELAY_MS: '60000' })).toThrow(
      /EVENTLENS_RESTART_MAX_DELAY_MS/,
    );
  });
});

describe('run modes', () => {
  it('runs the sources by default, the bundles with --built or EVENTLENS_RUN=built', () => {
    expect(runModeFrom([], {})).toBe('source');
    expect(runModeFrom(['--built'], {})).toBe('built');
    expect(runModeFrom([], { EVENTLENS_RUN: 'built' })).toBe('built');
    expect(() => runModeFrom([], { EVENTLENS_RUN: 'compiled' })).toThrow(/EVENTLENS_RUN/);
  });

  it('starts a service through tsx from source, with plain node when built', () => {
    const spec = { name: 'console', packageDir: '/r/console', port: 1, entry: 'server/main.ts' };
    expect(serviceCommand(spec, 'source')).toEqual(['--import', 'tsx', '/r/console/server/main.ts']);
    expect(serviceCommand({ ...spec, builtEntry: 'server-dist/main.js' }, 'built')).toEqual([
      '--enable-source-maps',
      '/r/console/server-dist/main.js',
    ]);
  });
});
