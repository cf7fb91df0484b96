/**
 * Public dashboard links on the API keys screen: listed by prefix (never a token), created with an
 * optional password (8–200 characters, checked before sending), the new link shown once with this
 * origin and a copy button, revoked after a confirmation.
 */
import { describe, expect, test } from 'vitest';
import type { HttpRequest } from '@/api/http';
import { apiError, createFakeHttp } from '@/testing/fakeHttp';
import { PROJECT_ID } from '@/testing/fixtures';
import { renderConsole, unmountAfterEach, type Rendered } from '@/testing/render';

let r: Rendered | undefined;
unmountAfterEach();

const LIST = `/api/query/v1/projects/${PROJECT_ID}/public-links`;
const CREATE = `/api/command/v1/admin/projects/${PROJECT_ID}/public-links`;
const LINK_ID = '66666666-6666-4666-8666-666666666666';
const TOKEN = 'els_newtokenvalue0123456789abcdefgh';

const listed = (overrides: Record<string, unknown> = {}) => ({
  link_id: '77777777-7777-4777-8777-777777777777',
  token_prefix: 'els_oldone',
  has_password: false,
  created_at: '2025-03-01T10:00:00.000Z',
  created_by: null,
  revoked_at: null,
  ...overrides,
});

const panel = () => r!.wrapper.find('[aria-labelledby="public-links-title"]');

describe('public dashboard links', () => {
  test('are listed by prefix, with their password and status', async () => {
    const fake = createFakeHttp()
      .on('GET', `/api/query/v1/projects/${PROJECT_ID}/keys`, { items: [] })
      .on('GET', LIST, {
        items: [
          listed(),
          listed({
            link_id: LINK_ID,
            token_prefix: 'els_gone00',
            has_password: true,
            revoked_at: '2025-03-02T00:00:00.000Z',
          }),
        ],
      });
    r = await renderConsole(`/p/${PROJECT_ID}/keys`, { fake });
    const rows = panel().findAll('tbody tr');
    expect(
      rows.map((row) =>
        row
          .findAll('td')
          .map((td) => td.text())
          .slice(0, 2),
      ),
    ).toEqual([
      ['/share/els_oldone…', 'No'],
      ['/share/els_gone00…', 'Yes'],
    ]);
    expect(rows[0]!.text()).toContain('Active');
    expect(rows[1]!.text()).toContain('Revoked');
    expect(rows[1]!.find('button').exists()).toBe(false);
  });

  test('a link is created with a password, shown once with this origin, and listed at once', async () => {
    const fake = createFakeHttp()
      .on('GET', `/api/query/v1/projects/${PROJECT_ID}/keys`, { items: [] })
      .on('GET', LIST, { items: [] })
      .on('POST', CREATE, (req: HttpRequest) => ({
        link_id: LINK_ID,
        project_id: PROJECT_ID,
        token: TOKEN,
        token_prefix: TOKEN.slice(0, 10),
        path: `/share/${TOKEN}`,
        has_password: (req.body as { password?: string }).password !== undefined,
        created_at: '2025-03-03T10:00:00.000Z',
      }));
    r = await renderConsole(`/p/${PROJECT_ID}/keys`, { fake });
    const form = panel().find('[data-testid="public-link-form"]');
    await form.find('input[type="checkbox"]').setValue(true);
    await panel().find('#public-link-password').setValue('short');
    expect(panel().find('button[type="submit"]').attributes('disabled')).toBeDefined();
    expect(panel().text()).toContain('Between 8 and 200 characters.');
    await panel().find('#public-link-password').setValue('long enough secret');
    await panel().find('[data-testid="public-link-form"]').trigger('submit');
    await r.settle();

    expect(fake.callsTo('POST', CREATE).map((c) => c.body)).toEqual([{ password: 'long enough secret' }]);
    expect(panel().find('[data-testid="new-public-link"]').text()).toBe(`${location.origin}/share/${TOKEN}`);
    expect(panel().text()).toContain('Viewers will be asked for the password you set.');
    expect(
      panel()
        .find('[data-link-id="' + LINK_ID + '"]')
        .text(),
    ).toContain('Yes');
    // Without a password the body is empty.
    await panel().find('[data-testid="public-link-form"]').trigger('submit');
    await r.settle();
    expect(fake.callsTo('POST', CREATE).map((c) => c.body)).toEqual([{ password: 'long enough secret' }, {}]);
  });

  test('a link is revoked after a confirmation; an error says what failed', async () => {
    let fail = true;
    const fake = createFakeHttp()
      .on('GET', `/api/query/v1/projects/${PROJECT_ID}/keys`, { items: [] })
      .on('GET', LIST, { items: [listed({ link_id: LINK_ID })] })
      .on('DELETE', `${CREATE}/${LINK_ID}`, () => {
        if (fail)
          throw apiError(
            503,
            'LOG_UNAVAILABLE',
            'the log is unavailable',
            'Revoking the public dashboard link',
          );
        return undefined;
      });
    r = await renderConsole(`/p/${PROJECT_ID}/keys`, { fake });
    const row = () => panel().find(`[data-link-id="${LINK_ID}"]`);
    await row().find('button').trigger('click');
    expect(fake.callsTo('DELETE', `${CREATE}/${LINK_ID}`)).toEqual([]);
    await row().find('.btn-danger').trigger('click');
    await r.settle();
    expect(panel().find('[role="alert"]').text()).toContain('Revoking the public dashboard link failed');
    expect(row().text()).toContain('Active');
    fail = false;
    await row().find('.btn-danger').trigger('click');
    await r.settle();
    expect(fake.callsTo('DELETE', `${CREATE}/${LINK_ID}`)).toHaveLength(2);
    expect(row().text()).toContain('Revoked');
  });
});
