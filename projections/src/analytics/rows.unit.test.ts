import type { EventTracked } from '@eventlens/contracts';
import { describe, expect, it } from 'vitest';
import { toEventRow, toRow } from './rows';

const valid: EventTracked = {
  event_id: '6F1C7E0E-3B7A-4C55-9D2B-1B8E9C0D4A11',
  project_id: '0b7e5d3c-9a4f-4e2b-8c1d-2f3a4b5c6d7e',
  event_name: 'page_view',
  session_id: 's1',
  user_id: null,
  anonymous_id: 'anon',
  timestamp: Date.UTC(2026, 0, 1),
  received_at: Date.UTC(2026, 0, 1),
  url: 'https://a.dev/',
  referrer: null,
  metadata_json: '{"plan":"pro"}',
  context: { library: 'eventlens-js' },
};

describe('toEventRow', () => {
  it('maps a valid event, normalising ids to lower case and keeping the metadata’s JSON text', () => {
    const outcome = toEventRow(valid);
    expect(outcome).toEqual({
      kind: 'ok',
      value: expect.objectContaining({
        event_id: '6f1c7e0e-3b7a-4c55-9d2b-1b8e9c0d4a11',
        metadata_json: '{"plan":"pro"}',
        ts: valid.timestamp,
        page: '/',
      }),
    });
  });

  it('works out the page once, by pagePath, and none without a URL', () => {
    const page = (url: string | null) => {
      const outcome = toEventRow({ ...valid, url });
      return outcome.kind === 'ok' ? outcome.value.page : undefined;
    };
    expect(page('https://a.dev/docs/?q=1#intro')).toBe('/docs/');
    expect(page('https://a.dev/app#/settings?tab=2')).toBe('/app#/settings');
    expect(page(null)).toBeNull();
  });

  it('carries the v2 fields, null for a record written as v1', () => {
    const v1 = toEventRow(valid);
    expect(v1.kind === 'ok' && v1.value.v2).toMatchObject({
      page_title: null,
      country: null,
      screen_width: null,
    });
    const v2 = toEventRow({
      ...valid,
      page_title: 'Home',
      country: 'FR',
      screen_width: 390,
      client_sent_at: 5,
    });
    expect(v2.kind === 'ok' && v2.value.v2).toMatchObject({
      page_title: 'Home',
      country: 'FR',
      screen_width: 390,
      client_sent_at: 5,
      browser: null,
    });
  });

  it.each<[string, Partial<EventTracked>]>([
    ['a project id that is not a uuid', { project_id: 'acme' }],
    ['an event id that is not a uuid', { event_id: '42' }],
    ['an empty name', { event_name: '' }],
    ['a NUL in a text field', { url: 'https://a.dev/\u0000' }],
    ['a NUL in the context', { context: { k: 'v\u0000' } }],
    ['a NUL in a v2 text field', { page_title: 'Home\u0000' }],
    ['metadata that is not JSON', { metadata_json: '{nope' }],
    ['metadata that is not an object', { metadata_json: '[1,2]' }],
    ['an escaped NUL in the metadata', { metadata_json: '{"a":"x\\u0000"}' }],
    ['a timestamp beyond year 9999', { timestamp: Date.UTC(10000, 0, 1) }],
    ['a name longer than the ingestion limit', { event_name: 'x'.repeat(201) }],
    ['a session id longer than the ingestion limit', { session_id: 'x'.repeat(201) }],
    ['a url longer than the ingestion limit', { url: `https://a.dev/${'x'.repeat(2048)}` }],
  ])('sends %s to the retry topics with INVALID_EVENT', (_, change) => {
    const outcome = toEventRow({ ...valid, ...change });
    expect(outcome).toMatchObject({ kind: 'retry', failure: { code: 'INVALID_EVENT' } });
  });

  it('attributes an invalid event to its project when the project id is readable', () => {
    expect(toEventRow({ ...valid, event_id: 'x' })).toMatchObject({
      failure: { projectId: valid.project_id },
    });
  });

  it('accepts an escaped backslash that only looks like \\u0000', () => {
    expect(toEventRow({ ...valid, metadata_json: '{"path":"C:\\\\u0000"}' }).kind).toBe('ok');
  });
});

describe('toRow', () => {
  it('refuses admin events on the events topic', () => {
    const outcome = toRow({
      type: 'ProjectCreated',
      value: { project_id: valid.project_id, name: 'x', created_at: 0, created_by: null },
    });
    expect(outcome).toMatchObject({ kind: 'retry', failure: { code: 'UNEXPECTED_EVENT_TYPE' } });
  });
});

describe('toEventRow: a page leave’s measures (read-model’s pageLeaveMeasures, its cases there)', () => {
  const measures = (event_name: string, metadata_json: string) => {
    const outcome = toEventRow({ ...valid, event_name, metadata_json });
    return outcome.kind === 'ok'
      ? [outcome.value.leave_duration_ms, outcome.value.leave_scroll_depth]
      : outcome;
  };

  it('are the leave’s usable duration and scroll depth, the metadata kept as sent', () => {
    expect(measures('page_leave', '{"duration_ms":12500,"scroll_depth":64}')).toEqual([12500, 64]);
    expect(measures('page_leave', '{"duration_ms":-1,"scroll_depth":"64"}')).toEqual([null, null]);
  });

  it('are none on any other event', () => {
    expect(measures('page_view', '{"duration_ms":12500,"scroll_depth":64}')).toEqual([null, null]);
  });
});
