/**
 * The Contracts section of the Pipeline screen: per record its subject and level, per version its
 * schema id and the records each projection took; ids the catalog does not list; left out against
 * a query side without the route (404), and an error otherwise says what failed.
 */
import { describe, expect, test } from 'vitest';
import type { Contracts } from '@/api/types';
import { apiError, createFakeHttp } from '@/testing/fakeHttp';
import { pipeline, PROJECT_ID } from '@/testing/fixtures';
import { renderConsole, unmountAfterEach, type Rendered } from '@/testing/render';

let r: Rendered | undefined;
unmountAfterEach();

const contracts: Contracts = {
  refreshed_at: '2025-03-01T12:00:00.000Z',
  subjects: [
    {
      record: 'ApiKeyIssued',
      subject: 'dev.eventlens.ApiKeyIssued',
      compatibility: 'FULL_TRANSITIVE',
      versions: [{ version: 1, schema_id: 12, seen: [{ projection: 'admin', records: 3 }] }],
    },
    {
      record: 'EventTracked',
      subject: 'dev.eventlens.EventTracked',
      compatibility: 'FULL_TRANSITIVE',
      versions: [
        {
          version: 1,
          schema_id: 11,
          seen: [
            { projection: 'analytics', records: 1200 },
            { projection: 'analytics:rebuild', records: 40 },
          ],
        },
        { version: 2, schema_id: 31, seen: [] },
      ],
    },
    { record: 'UserRegistered', subject: 'dev.eventlens.UserRegistered', compatibility: null, versions: [] },
  ],
  unlisted: [{ schema_id: 99, seen: [{ projection: 'analytics', records: 2 }] }],
};

const base = () =>
  createFakeHttp()
    .on('GET', '/api/query/v1/pipeline', pipeline({ analytics: 1 }))
    .on('GET', '/api/query/v1/dlq', { items: [], next_cursor: null });

describe('contracts on the Pipeline screen', () => {
  test('one row per version: subject, level, schema id and the records each projection took', async () => {
    const fake = base().on('GET', '/api/query/v1/contracts', contracts);
    r = await renderConsole(`/p/${PROJECT_ID}/pipeline`, { fake });
    const section = r.wrapper.find('[data-testid="contracts"]');
    expect(section.find('h2').text()).toBe('Contracts');
    const row = (key: string) => section.find(`tr[data-contract="${key}"]`);
    // Each cell carries its column's label: on a phone it shows above the value (DataTable's cards).
    const cell = (key: string, label: string) => row(key).find(`td[data-label="${label}"]`).text();
    expect(row('dev.eventlens.EventTracked/1').find('th').text()).toBe('EventTracked');
    expect(cell('dev.eventlens.EventTracked/1', 'Subject')).toBe('dev.eventlens.EventTracked');
    expect(cell('dev.eventlens.EventTracked/1', 'Compatibility')).toBe('FULL_TRANSITIVE');
    expect(cell('dev.eventlens.EventTracked/1', 'Version')).toBe('v1');
    expect(cell('dev.eventlens.EventTracked/1', 'Schema id')).toBe('11');
    expect(cell('dev.eventlens.EventTracked/1', 'Records seen')).toBe(
      'analytics 1,200 · analytics:rebuild 40',
    );
    expect(cell('dev.eventlens.EventTracked/2', 'Version')).toBe('v2');
    expect(cell('dev.eventlens.EventTracked/2', 'Records seen')).toBe('—');
    expect(cell('dev.eventlens.ApiKeyIssued/1', 'Records seen')).toBe('admin 3');
    // A subject not registered yet: no version, no level.
    expect(cell('dev.eventlens.UserRegistered', 'Version')).toBe('—');
    expect(cell('dev.eventlens.UserRegistered', 'Compatibility')).toBe('none');
    expect(section.findAll('tbody tr')).toHaveLength(4);
    expect(section.find('[data-testid="contracts-unlisted"]').text()).toContain('id 99 (analytics 2)');
    expect(section.text()).toContain('2025-03-01');
    // Read-only: nothing to press but the table.
    expect(section.findAll('button')).toHaveLength(0);
    expect(fake.callsTo('GET', '/api/query/v1/contracts')).toHaveLength(1);
  });

  test('left out against a query side without the route, and not asked again', async () => {
    const fake = base(); // no /v1/contracts: the fake answers 404 NOT_FOUND like an older query side
    r = await renderConsole(`/p/${PROJECT_ID}/pipeline`, { fake });
    expect(fake.callsTo('GET', '/api/query/v1/contracts')).toHaveLength(1);
    expect(r.wrapper.find('[data-testid="contracts"]').exists()).toBe(false);
    expect(r.wrapper.find('[role="alert"]').exists()).toBe(false);
    // The rest of the screen works.
    expect(r.wrapper.find('tr[data-projection="analytics"]').exists()).toBe(true);
  });

  test('another failure says what failed', async () => {
    const fake = base().on('GET', '/api/query/v1/contracts', () => {
      throw apiError(503, 'READ_MODEL_UNAVAILABLE', 'the read models cannot be queried right now');
    });
    r = await renderConsole(`/p/${PROJECT_ID}/pipeline`, { fake });
    const section = r.wrapper.find('[data-testid="contracts"]');
    expect(section.find('[role="alert"]').text()).toContain('Loading the contracts failed');
  });

  test('before the projections read the registry: says so', async () => {
    const fake = base().on('GET', '/api/query/v1/contracts', {
      refreshed_at: null,
      subjects: [],
      unlisted: [],
    });
    r = await renderConsole(`/p/${PROJECT_ID}/pipeline`, { fake });
    expect(r.wrapper.find('[data-testid="contracts"]').text()).toContain(
      'The projections have not read the registry yet',
    );
  });
});
