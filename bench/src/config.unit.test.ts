/** The BENCH_* settings: defaults, coercion, empty as unset, and one line naming a bad variable. */
import path from 'node:path';
import { ConfigError } from '@eventlens/service-kit';
import { describe, expect, test } from 'vitest';
import { loadBenchConfig, loadTracingConfig } from './config';

describe('loadBenchConfig', () => {
  test('defaults: 200,000 events, 10 s, 1,000 events/s end to end, 1,000,000 explorer events, reports at 10,000,000 over 183 days, everything', () => {
    expect(loadBenchConfig({})).toEqual({
      events: 200_000,
      durationS: 10,
      e2eRate: 1000,
      explorerEvents: 1_000_000,
      reportsEvents: 10_000_000,
      reportsDays: 183,
      reportsRuns: 40,
      reportsBudgetS: 15,
      reportsDatabase: null,
      ingestProcesses: 2,
      only: null,
      cpuProfileDir: null,
    });
  });

  test('every variable, as the shell gives them (strings)', () => {
    expect(
      loadBenchConfig({
        BENCH_EVENTS: '5000',
        BENCH_DURATION_S: '2.5',
        BENCH_E2E_RATE: '300',
        BENCH_EXPLORER_EVENTS: '20000',
        BENCH_REPORTS_EVENTS: '100000',
        BENCH_REPORTS_DAYS: '30',
        BENCH_REPORTS_RUNS: '10',
        BENCH_REPORTS_BUDGET_S: '2.5',
        BENCH_REPORTS_DATABASE: 'reports_10m',
        BENCH_INGEST_PROCESSES: '4',
        BENCH_ONLY: 'e2e',
        BENCH_CPU_PROFILE_DIR: '/tmp/profiles',
      }),
    ).toEqual({
      events: 5000,
      durationS: 2.5,
      e2eRate: 300,
      explorerEvents: 20_000,
      reportsEvents: 100_000,
      reportsDays: 30,
      reportsRuns: 10,
      reportsBudgetS: 2.5,
      reportsDatabase: 'reports_10m',
      ingestProcesses: 4,
      only: 'e2e',
      cpuProfileDir: '/tmp/profiles',
    });
  });

  test.each(['e2e', 'ingestion', 'projection', 'explorer', 'reports', 'sizes'] as const)(
    'BENCH_ONLY=%s runs that benchmark alone',
    (only) => {
      expect(loadBenchConfig({ BENCH_ONLY: only }).only).toBe(only);
    },
  );

  test('BENCH_ONLY names a benchmark that exists', () => {
    expect(() => loadBenchConfig({ BENCH_ONLY: 'everything' })).toThrow(/^BENCH_ONLY: /);
  });

  test('an empty variable is unset (`BENCH_EVENTS= npm run bench` keeps the default)', () => {
    expect(loadBenchConfig({ BENCH_EVENTS: '', BENCH_ONLY: '' })).toMatchObject({
      events: 200_000,
      only: null,
    });
  });

  test('BENCH_CPU_PROFILE_DIR is resolved against the working directory, as the services will be started elsewhere', () => {
    expect(loadBenchConfig({ BENCH_CPU_PROFILE_DIR: 'profiles' }).cpuProfileDir).toBe(
      path.resolve('profiles'),
    );
  });

  test('other variables are ignored', () => {
    expect(loadBenchConfig({ PATH: '/usr/bin', BENCH_ROUNDS: '9' }).events).toBe(200_000);
  });

  test.each([
    ['BENCH_EVENTS', 'many'],
    ['BENCH_EVENTS', '0'],
    ['BENCH_EVENTS', '-5'],
    ['BENCH_EVENTS', '1.5'],
    ['BENCH_DURATION_S', '0'],
    ['BENCH_DURATION_S', 'ten'],
    ['BENCH_E2E_RATE', '0'],
    ['BENCH_EXPLORER_EVENTS', '1e3.5'],
    ['BENCH_ONLY', 'everything'],
    ['BENCH_REPORTS_EVENTS', '0'],
    ['BENCH_REPORTS_DAYS', '1.5'],
    ['BENCH_REPORTS_RUNS', 'all'],
    ['BENCH_REPORTS_BUDGET_S', '-1'],
    ['BENCH_REPORTS_DATABASE', 'x; drop database eventlens'],
  ])('%s=%s is refused with one line naming it', (variable, value) => {
    let thrown: unknown;
    try {
      loadBenchConfig({ [variable]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).variable).toBe(variable);
    expect((thrown as ConfigError).message).toMatch(new RegExp(`^${variable}: \\S`));
    expect((thrown as ConfigError).message).not.toContain('\n');
  });

  test('the first bad variable is the one named', () => {
    expect(() => loadBenchConfig({ BENCH_E2E_RATE: 'fast' })).toThrow(/^BENCH_E2E_RATE: /);
  });
});

describe('loadTracingConfig', () => {
  test('defaults: 10 s, 3 rounds, 300 requests/s', () => {
    expect(loadTracingConfig({})).toEqual({ durationS: 10, rounds: 3, rate: 300 });
  });

  test('its own variables, and BENCH_DURATION_S shared with the main bench', () => {
    expect(
      loadTracingConfig({
        BENCH_DURATION_S: '4',
        BENCH_ROUNDS: '1',
        BENCH_TRACING_RATE: '150',
        BENCH_EVENTS: 'x',
      }),
    ).toEqual({ durationS: 4, rounds: 1, rate: 150 });
  });

  test('a bad value names its variable', () => {
    expect(() => loadTracingConfig({ BENCH_ROUNDS: '0' })).toThrow(ConfigError);
    expect(() => loadTracingConfig({ BENCH_TRACING_RATE: 'lots' })).toThrow(/^BENCH_TRACING_RATE: /);
  });
});
