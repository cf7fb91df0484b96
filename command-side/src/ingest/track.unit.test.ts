import { describe, expect, it } from 'vitest';
import { TrackEvent } from '@eventlens/contracts';
import { recordKey, toEventTracked } from './track';

const projectId = '7d8e6c57-7a4e-4d0e-9d43-0b6c0f1b2a10';
const stamp = { projectId, receivedAt: Date.UTC(2025, 0, 2, 3, 4, 5), newId: () => 'generated-id' };

describe('record key', () => {
  it('keeps a session together, else an anonymous visitor, else the event alone', () => {
    const base = { session_id: null, anonymous_id: null, event_id: 'e1' };
    expect(recordKey(projectId, { ...base, session_id: 's1', anonymous_id: 'a1' })).toBe(`${projectId}:s1`);
    expect(recordKey(projectId, { ...base, anonymous_id: 'a1' })).toBe(`${projectId}:a1`);
    expect(recordKey(projectId, base)).toBe(`${projectId}:e1`);
  });
});

describe('TrackEvent → EventTracked', () => {
  it('stamps the project and arrival time, fills the id and defaults, and keeps metadata as JSON text', () => {
    const { api_key: _key, ...item } = TrackEvent.parse({
      api_key: 'el_abcdefghijklmnop1234',
      event_name: 'click',
    });
    expect(toEventTracked(item, stamp)).toEqual({
      event_id: 'generated-id',
      project_id: projectId,
      event_name: 'click',
      session_id: null,
      user_id: null,
      anonymous_id: null,
      timestamp: stamp.receivedAt,
      received_at: stamp.receivedAt,
      url: null,
      referrer: null,
      metadata_json: '{}',
      context: {},
    });
  });

  it('keeps every field the client sent, with an ISO timestamp normalised to epoch ms', () => {
    const { api_key: _key, ...item } = TrackEvent.parse({
      api_key: 'el_abcdefghijklmnop1234',
      event_name: 'page_view',
      event_id: 'a3bb189e-8bf9-4888-9912-ace4e6543002',
      session_id: 's',
      user_id: 'u',
      anonymous_id: 'a',
      timestamp: '2024-05-06T07:08:09.010+02:00',
      url: 'https://example.com/a?b=1',
      referrer: 'https://google.com/',
      metadata: { plan: 'pro', n: 3, nested: { ok: true } },
      context: { locale: 'fr-FR' },
    });
    expect(toEventTracked(item, stamp)).toMatchObject({
      event_id: 'a3bb189e-8bf9-4888-9912-ace4e6543002',
      session_id: 's',
      user_id: 'u',
      anonymous_id: 'a',
      timestamp: Date.UTC(2024, 4, 6, 5, 8, 9, 10),
      url: 'https://example.com/a?b=1',
      referrer: 'https://google.com/',
      metadata_json: '{"plan":"pro","n":3,"nested":{"ok":true}}',
      context: { locale: 'fr-FR' },
    });
  });
});
