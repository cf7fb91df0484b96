/**
 * Pipeline health: per-projection status (lag, freshness, throughput), dead-lettered records with
 * their error, empty and error states.
 */
import { describe, expect, test } from 'vitest';
import type { HttpRequest } from '@/api/http';
import type { DlqRecord, Pipeline } from '@/api/types';
import { apiError, createFakeHttp } from '@/testing/fakeHttp';
import { pipeline, PROJECT_ID } from '@/testing/fixtures';
import { renderConsole, unmountAfterEach, type Rendered } from '@/testing/render';

let r: Rendered | undefined;
unmountAfterEach();

const record: DlqRecord = {
  projection: 'analytics',
  dlq_partition: 0,
  dlq_offset: 3,
  project_id: null,
  original_topic: 'eventlens.events',
  original_partition: 2,
  original_offset: 41,
  error_code: 'DECODE_FAILED',
  error_message: 'not a Confluent wire-format record: <script>alert(1)</script>',
  attempts: 4,
  failed_at: '2025-03-01T12:00:00.000Z',
  key: 'garbage-key',
  value_base64: btoa('not avro at all'),
  replayed_at: null,
};

describe('pipeline', () => {
  test('shows each projection’s lag, last processed time, retries and dead letters', async () => {
    const status = pipeline({ analytics: 120, admin: 9 });
    status.projections[0]!.lag = 17;
    status.projections[0]!.dlq_count = 2;
    status.projections[0]!.retry_count = 5;
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/pipeline', status)
      .on('GET', '/api/query/v1/dlq', { items: [record], next_cursor: null });
    r = await renderConsole(`/p/${PROJECT_ID}/pipeline`, { fake });
    const row = r.wrapper.find('tr[data-projection="analytics"]');
    const cell = (label: string) => row.find(`td[data-label^="${label}"]`).text();
    expect(cell('Lag')).toBe('17');
    expect(cell('Last processed')).toContain('2025-03-01');
    expect(cell('Retries')).toBe('5');
    expect(cell('Dead letters')).toBe('2');
    // Nothing measured in the window: no percentile, no rate.
    expect(cell('Freshness p50')).toBe('—');
    expect(cell('Freshness p99')).toBe('—');
    expect(cell('Throughput')).toBe('0/s');
    const dlq = r.wrapper.find('[data-testid="dlq-record"]');
    expect(dlq.text()).toContain('DECODE_FAILED');
    expect(dlq.text()).toContain('not a Confluent wire-format record: <script>alert(1)</script>');
    expect(document.querySelectorAll('script')).toHaveLength(0);
    expect(dlq.text()).toContain('eventlens.events [2] @ 41');
    expect(r.wrapper.text()).toContain('npm run projections -- dlq:replay analytics');
  });

  test('a status no projections process has written for over 30 s says the lag is unknown, not 0', async () => {
    const status = pipeline({ analytics: 120, admin: 9 });
    // The window ends 12:00:30; analytics last reported at 11:59:00 (its process is down), admin at 12:00:00.
    status.projections[0]!.updated_at = '2025-03-01T11:59:00.000Z';
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/pipeline', status)
      .on('GET', '/api/query/v1/dlq', { items: [], next_cursor: null });
    r = await renderConsole(`/p/${PROJECT_ID}/pipeline`, { fake });
    const lag = (name: string) =>
      r!.wrapper.find(`tr[data-projection="${name}"] td[data-label^="Lag"]`).text();
    expect(lag('analytics')).toBe('unknown');
    expect(lag('admin')).toBe('0');
    const notes = r.wrapper.findAll('[data-testid="stale-status"]');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.text()).toContain('analytics has not reported for 1 min 30 s');
    expect(notes[0]!.text()).toContain('its lag is unknown (0 when it last reported)');
  });

  test('shows each projection’s freshness p50/p99 and throughput beside its lag, with a sparkline per minute', async () => {
    const status = pipeline({ analytics: 120, admin: 9 });
    const analytics = status.projections[0]!;
    analytics.lag = 3;
    analytics.freshness = { count: 480, p50_ms: 87.6, p99_ms: 4210.3 };
    analytics.throughput!.applied = 480;
    analytics.throughput!.per_second = 0.5333;
    analytics.throughput!.per_minute[12]!.applied = 100;
    analytics.throughput!.per_minute[14]!.applied = 380;
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/pipeline', status)
      .on('GET', '/api/query/v1/dlq', { items: [], next_cursor: null });
    r = await renderConsole(`/p/${PROJECT_ID}/pipeline`, { fake });
    // The default window is the query side's: not sent (an older query side refuses the parameter).
    expect(fake.callsTo('GET', '/api/query/v1/pipeline')[0]?.query?.minutes).toBeUndefined();
    const row = r.wrapper.find('tr[data-projection="analytics"]');
    const cell = (label: string) => row.find(`td[data-label^="${label}"]`);
    expect(cell('Lag').text()).toBe('3');
    expect(cell('Freshness p50').text()).toBe('88 ms');
    expect(cell('Freshness p99').text()).toBe('4.2 s');
    expect(cell('Throughput').text()).toBe('0.533/s');
    expect(cell('Throughput').find('[data-testid="throughput-rate"]').attributes('title')).toBe('480 rows');
    // The sparkline plots the 15 minutes, oldest first, and says its peak to screen readers.
    const spark = cell('Throughput').find('[data-testid="throughput-sparkline"]');
    expect(spark.attributes('data-points')).toBe('0,0,0,0,0,0,0,0,0,0,0,0,100,0,380');
    expect(spark.attributes('aria-label')).toContain('at most 380 in a minute');
    const drawn = r.charts.options.map(
      (o) => (o as { series: Array<{ type: string; data: number[] }> }).series[0]!,
    );
    expect(drawn).toContainEqual(
      expect.objectContaining({ type: 'line', data: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 380] }),
    );
    expect(r.wrapper.text()).toContain('over the last 15 min');
  });

  test('another window asks the query side for it at once', async () => {
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/pipeline', (req: HttpRequest) => {
        const status = pipeline({ analytics: 1 });
        status.window!.minutes = Number(req.query?.minutes ?? 15);
        return status;
      })
      .on('GET', '/api/query/v1/dlq', { items: [], next_cursor: null });
    r = await renderConsole(`/p/${PROJECT_ID}/pipeline`, { fake });
    await r.wrapper.find('#pipeline-window').setValue('60');
    await r.settle();
    expect(fake.callsTo('GET', '/api/query/v1/pipeline').at(-1)?.query).toMatchObject({ minutes: 60 });
    expect(r.wrapper.text()).toContain('over the last 1 h');
  });

  test('a query side without these figures yet still shows lag and DLQ, with "—" for the rest', async () => {
    const status = pipeline({ analytics: 1 });
    delete status.window;
    delete status.projections[0]!.throughput;
    delete status.projections[0]!.freshness;
    status.projections[0]!.lag = 4;
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/pipeline', status)
      .on('GET', '/api/query/v1/dlq', { items: [], next_cursor: null });
    r = await renderConsole(`/p/${PROJECT_ID}/pipeline`, { fake });
    const row = r.wrapper.find('tr[data-projection="analytics"]');
    const cell = (label: string) => row.find(`td[data-label^="${label}"]`).text();
    expect(cell('Lag')).toBe('4');
    expect([cell('Freshness p50'), cell('Freshness p99'), cell('Throughput')]).toEqual(['—', '—', '—']);
  });

  test('filters the DLQ by projection', async () => {
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/pipeline', pipeline({ analytics: 1, admin: 1 }))
      .on('GET', '/api/query/v1/dlq', { items: [], next_cursor: null });
    r = await renderConsole(`/p/${PROJECT_ID}/pipeline`, { fake });
    expect(r.wrapper.text()).toContain('No dead-lettered records of this project');
    await r.wrapper.find('#dlq-projection').setValue('admin');
    await r.settle();
    expect(fake.callsTo('GET', '/api/query/v1/dlq').at(-1)?.query).toMatchObject({ projection: 'admin' });
  });

  test('Replay asks first, then POSTs to the command side, shows the request id and refreshes', async () => {
    const status = pipeline({ analytics: 120, admin: 9, ops: 3 });
    status.projections[0]!.dlq_count = 2;
    status.projections[2]!.dlq_count = 1;
    let statusCalls = 0;
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/pipeline', (): Pipeline => {
        statusCalls++;
        return structuredClone(status);
      })
      .on('GET', '/api/query/v1/dlq', { items: [record], next_cursor: null })
      .on(
        'POST',
        '/api/command/v1/admin/projections/:projection/dlq/replay',
        (_req: HttpRequest, params: Record<string, string>) => ({
          request_id: '7d1c5a4e-1f2b-4c3d-8e9f-0a1b2c3d4e5f',
          projection: params.projection,
          requested_at: '2025-03-01T12:01:00.000Z',
        }),
      );
    r = await renderConsole(`/p/${PROJECT_ID}/pipeline`, { fake });
    const replay = r.wrapper.find('[data-testid="replay"]');
    // Only a projection with a DLQ of its own and dead letters in it offers the button.
    expect(replay.find('button[aria-label="Replay the analytics DLQ"]').exists()).toBe(true);
    expect(replay.find('[data-replay="admin"]').isVisible()).toBe(false);
    expect(replay.find('[data-replay="ops"]').exists()).toBe(false);
    // The CLI stays as a hint.
    expect(replay.text()).toContain('npm run projections -- dlq:replay analytics');

    await replay.find('button[aria-label="Replay the analytics DLQ"]').trigger('click');
    expect(fake.callsTo('POST', '/api/command/v1/admin/projections/:projection/dlq/replay')).toHaveLength(0);
    const before = { status: statusCalls, dlq: fake.callsTo('GET', '/api/query/v1/dlq').length };
    await replay
      .findAll('button')
      .find((b) => b.text() === 'Yes, replay the analytics DLQ')!
      .trigger('click');
    await r.settle();
    const [call] = fake.callsTo('POST', '/api/command/v1/admin/projections/:projection/dlq/replay');
    expect(call).toMatchObject({
      path: '/api/command/v1/admin/projections/analytics/dlq/replay',
      method: 'POST',
    });
    expect(call?.body).toBeUndefined();
    expect(replay.find('[role="status"]').text()).toContain(
      'Replay requested (request 7d1c5a4e-1f2b-4c3d-8e9f-0a1b2c3d4e5f)',
    );
    expect(statusCalls).toBeGreaterThan(before.status);
    expect(fake.callsTo('GET', '/api/query/v1/dlq').length).toBeGreaterThan(before.dlq);
    expect(replay.find('button[aria-label="Replay the analytics DLQ"]').exists()).toBe(true);
  });

  test('a refused replay says what failed', async () => {
    const status = pipeline({ analytics: 1 });
    status.projections[0]!.dlq_count = 1;
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/pipeline', status)
      .on('GET', '/api/query/v1/dlq', { items: [record], next_cursor: null })
      .on('POST', '/api/command/v1/admin/projections/:projection/dlq/replay', () => {
        throw apiError(503, 'LOG_UNAVAILABLE', 'the event log is unavailable');
      });
    r = await renderConsole(`/p/${PROJECT_ID}/pipeline`, { fake });
    await r.wrapper.find('button[aria-label="Replay the analytics DLQ"]').trigger('click');
    await r.button('Yes, replay the analytics DLQ').trigger('click');
    await r.settle();
    expect(r.wrapper.find('[data-replay="analytics"] [role="alert"]').text()).toContain(
      'Requesting a replay of the analytics DLQ failed',
    );
  });

  test('errors say what failed', async () => {
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/pipeline', () => {
        throw apiError(503, 'READ_MODEL_UNAVAILABLE', 'the read models cannot be queried right now');
      })
      .on('GET', '/api/query/v1/dlq', { items: [], next_cursor: null });
    r = await renderConsole(`/p/${PROJECT_ID}/pipeline`, { fake });
    expect(r.wrapper.find('[role="alert"]').text()).toContain('Loading the pipeline status failed');
  });
});
