/** Pipeline health: per-projection status, dead-lettered records with their error, empty and error states. */
import { afterEach, describe, expect, test } from 'vitest';
import type { DlqRecord } from '@/api/types';
import { apiError, createFakeHttp } from '@/testing/fakeHttp';
import { pipeline, PROJECT_ID } from '@/testing/fixtures';
import { renderConsole, type Rendered } from '@/testing/render';

let r: Rendered | undefined;
afterEach(() => {
  r?.wrapper.unmount();
  r = undefined;
  document.body.replaceChildren();
});

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
    const cells = row.findAll('td').map((c) => c.text());
    expect(cells[0]).toBe('17');
    expect(cells[1]).toContain('2025-03-01');
    expect(cells[2]).toBe('5');
    expect(cells[3]).toBe('2');
    const dlq = r.wrapper.find('[data-testid="dlq-record"]');
    expect(dlq.text()).toContain('DECODE_FAILED');
    expect(dlq.text()).toContain('not a Confluent wire-format record: <script>alert(1)</script>');
    expect(document.querySelectorAll('script')).toHaveLength(0);
    expect(dlq.text()).toContain('eventlens.events [2] @ 41');
    expect(r.wrapper.text()).toContain('npm run projections -- dlq:replay analytics');
  });

  test('filters the DLQ by projection', async () => {
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/pipeline', pipeline({ analytics: 1, admin: 1 }))
      .on('GET', '/api/query/v1/dlq', { items: [], next_cursor: null });
    r = await renderConsole(`/p/${PROJECT_ID}/pipeline`, { fake });
    expect(r.wrapper.text()).toContain('No dead-lettered records.');
    await r.wrapper.find('#dlq-projection').setValue('admin');
    await r.settle();
    expect(fake.callsTo('GET', '/api/query/v1/dlq').at(-1)?.query).toMatchObject({ projection: 'admin' });
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
