import type { AnyEvent } from '@eventlens/contracts';
import { describe, expect, it } from 'vitest';
import { toOpsAction } from './reactor';

const retryTopicOf = new Map([
  ['analytics', 'eventlens.analytics.retry.1'],
  ['admin', 'eventlens.admin.retry.1'],
]);
const request = (value: Partial<{ request_id: string; projection: string }> = {}): AnyEvent => ({
  type: 'DlqReplayRequested',
  value: {
    request_id: '0B7E1F0E-2F7F-4C58-9D9C-0A8D2B6F1E11',
    projection: 'analytics',
    requested_at: 1,
    requested_by: null,
    ...value,
  },
});

describe('toOpsAction', () => {
  it('turns a replay request into a replay, with the request id in lower case', () => {
    expect(toOpsAction(request(), retryTopicOf)).toEqual({
      kind: 'ok',
      value: {
        kind: 'replay',
        request: {
          request_id: '0b7e1f0e-2f7f-4c58-9d9c-0a8d2b6f1e11',
          projection: 'analytics',
          requested_at: 1,
          requested_by: null,
        },
      },
    });
  });

  it('ignores every other admin event', () => {
    const created: AnyEvent = {
      type: 'ProjectCreated',
      value: { project_id: 'p', name: 'n', created_at: 0, created_by: null },
    };
    expect(toOpsAction(created, retryTopicOf)).toEqual({ kind: 'ok', value: { kind: 'ignored' } });
  });

  it('refuses a request it cannot act on, naming why', () => {
    expect(toOpsAction(request({ projection: 'ops' }), retryTopicOf)).toMatchObject({
      kind: 'retry',
      failure: { code: 'UNKNOWN_PROJECTION', message: expect.stringContaining('"ops"') },
    });
    expect(toOpsAction(request({ request_id: 'nope' }), retryTopicOf)).toMatchObject({
      kind: 'retry',
      failure: { code: 'INVALID_EVENT' },
    });
  });
});
