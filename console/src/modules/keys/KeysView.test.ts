/** API keys: the list of prefixes, a new key shown once, revoking after a confirmation. */
import { describe, expect, test } from 'vitest';
import type { HttpRequest } from '@/api/http';
import { apiError, createFakeHttp } from '@/testing/fakeHttp';
import { apiKey, PROJECT_ID } from '@/testing/fixtures';
import { renderConsole, unmountAfterEach, type Rendered } from '@/testing/render';

let r: Rendered | undefined;
unmountAfterEach();

const KEYS = `/api/query/v1/projects/${PROJECT_ID}/keys`;
const ISSUE = `/api/command/v1/admin/projects/${PROJECT_ID}/keys`;

describe('API keys', () => {
  test('lists keys by prefix only, with their status', async () => {
    const fake = createFakeHttp().on('GET', KEYS, {
      items: [
        apiKey(),
        apiKey({
          key_id: '44444444-4444-4444-8444-444444444444',
          kind: 'read',
          key_prefix: 'elr_zzzzzz',
          revoked_at: '2025-03-02T00:00:00.000Z',
        }),
      ],
    });
    r = await renderConsole(`/p/${PROJECT_ID}/keys`, { fake });
    const rows = r.wrapper.findAll('tbody tr');
    expect(
      rows.map((row) =>
        row
          .findAll('td')
          .map((td) => td.text())
          .slice(0, 3),
      ),
    ).toEqual([
      ['default', 'write', 'el_abcdefg…'],
      ['default', 'read', 'elr_zzzzzz…'],
    ]);
    expect(rows[0]!.text()).toContain('Active');
    expect(rows[1]!.text()).toContain('Revoked');
    expect(rows[1]!.text()).not.toContain('Revoke ');
  });

  test('a created key is shown once, with a copy button; the list shows it at once', async () => {
    const fake = createFakeHttp()
      .on('GET', KEYS, { items: [] })
      .on('POST', ISSUE, (req: HttpRequest) => ({
        key_id: '55555555-5555-4555-8555-555555555555',
        kind: (req.body as { kind: string }).kind,
        name: (req.body as { name: string }).name,
        key: 'elr_secret_value_123',
        key_prefix: 'elr_secret',
      }));
    r = await renderConsole(`/p/${PROJECT_ID}/keys`, { fake });
    await r.wrapper.find('#key-kind').setValue('read');
    await r.wrapper.find('#key-name').setValue('ci');
    await r.wrapper.find('form').trigger('submit');
    await r.settle();
    expect(fake.callsTo('POST', ISSUE)[0]?.body).toEqual({ kind: 'read', name: 'ci' });
    expect(r.wrapper.find('[data-testid="new-key"]').text()).toBe('elr_secret_value_123');
    expect(document.activeElement).toBe(r.wrapper.find('.secret').element);
    expect(r.wrapper.find('tbody').text()).toContain('elr_secret…');
    await r.button('I have copied it').trigger('click');
    expect(r.wrapper.text()).not.toContain('elr_secret_value_123');
  });

  test('revoking asks first, then sends DELETE and marks the key revoked', async () => {
    const fake = createFakeHttp()
      .on('GET', KEYS, { items: [apiKey()] })
      .on('DELETE', `${ISSUE}/:keyId`, undefined);
    r = await renderConsole(`/p/${PROJECT_ID}/keys`, { fake });
    await r.wrapper.find('button[aria-label^="Revoke write key"]').trigger('click');
    expect(fake.callsTo('DELETE', `${ISSUE}/:keyId`)).toHaveLength(0);
    await r.wrapper
      .findAll('button')
      .find((b) => b.text().startsWith('Yes, revoke'))!
      .trigger('click');
    await r.settle();
    const [call] = fake.callsTo('DELETE', `${ISSUE}/:keyId`);
    expect(call?.path).toBe(`${ISSUE}/${apiKey().key_id}`);
    expect(r.wrapper.find('tbody').text()).toContain('Revoked');
  });

  test('a failed revoke says why', async () => {
    const fake = createFakeHttp()
      .on('GET', KEYS, { items: [apiKey()] })
      .on('DELETE', `${ISSUE}/:keyId`, () => {
        throw apiError(503, 'LOG_UNAVAILABLE', 'the event log is unavailable; retry later');
      });
    r = await renderConsole(`/p/${PROJECT_ID}/keys`, { fake });
    await r.wrapper.find('button[aria-label^="Revoke write key"]').trigger('click');
    await r.wrapper
      .findAll('button')
      .find((b) => b.text().startsWith('Yes, revoke'))!
      .trigger('click');
    await r.settle();
    expect(r.wrapper.find('[role="alert"]').text()).toBe(
      'Revoking the key failed: the event log is unavailable; retry later (LOG_UNAVAILABLE, HTTP 503)',
    );
  });

  test('the Revoke button is in its own actions cell (the foot of the phone card), after labelled cells', async () => {
    const fake = createFakeHttp().on('GET', KEYS, { items: [apiKey()] });
    r = await renderConsole(`/p/${PROJECT_ID}/keys`, { fake });
    const row = r.wrapper.find(`tr[data-key-id="${apiKey().key_id}"]`);
    const cells = row.findAll('td');
    expect(cells.map((c) => c.attributes('data-label')?.replace(/ \(.+\)$/, '') ?? null)).toEqual([
      null,
      'Kind',
      'Key',
      'Issued',
      'Status',
      null,
    ]);
    expect(cells[0]!.classes()).toContain('cell-title');
    expect(cells[5]!.classes()).toContain('cell-actions');
    expect(cells[5]!.find('button').text()).toBe('Revoke');
  });

  test('active keys come first; a revoked key has an empty actions cell, not a dash', async () => {
    const revoked = apiKey({
      key_id: '66666666-6666-4666-8666-666666666666',
      name: 'old',
      issued_at: '2025-04-01T10:00:00.000Z',
      revoked_at: '2025-04-02T10:00:00.000Z',
    });
    const fake = createFakeHttp().on('GET', KEYS, { items: [revoked, apiKey()] });
    r = await renderConsole(`/p/${PROJECT_ID}/keys`, { fake });
    const rows = r.wrapper.findAll('tbody tr');
    expect(rows.map((row) => row.find('td').text())).toEqual(['default', 'old']);
    expect(rows[1]!.find('td.cell-actions').text()).toBe('');
  });
});
