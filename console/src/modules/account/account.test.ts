/** The account screen: the user's active sessions, and signing them out (the current one is a logout). */
import { describe, expect, test } from 'vitest';
import type { ConsoleSession } from '@/api/types';
import { apiError, createFakeHttp } from '@/testing/fakeHttp';
import { renderConsole, unmountAfterEach, type Rendered } from '@/testing/render';
import { waitFor } from '@/testing/waitFor';

let r: Rendered | undefined;
unmountAfterEach();

const CURRENT = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const LAPTOP = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

function sessions(): ConsoleSession[] {
  return [
    {
      session_id: CURRENT,
      started_at: '2025-03-02T10:00:00.000Z',
      expires_at: '2025-03-02T22:00:00.000Z',
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
      current: true,
    },
    {
      session_id: LAPTOP,
      started_at: '2025-03-02T08:00:00.000Z',
      expires_at: '2025-03-02T20:00:00.000Z',
      user_agent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15',
      current: false,
    },
  ];
}

const rowOf = (id: string) => r!.wrapper.find(`[data-session-id="${id}"]`);
const button = (id: string, text: string) =>
  rowOf(id)
    .findAll('button')
    .find((b) => b.text() === text)!;

describe('your sessions', () => {
  test('the user menu opens the list of active sessions, this browser marked', async () => {
    const fake = createFakeHttp().on('GET', '/api/query/v1/auth/sessions', { items: sessions() });
    r = await renderConsole('/projects', { fake });
    await r.wrapper.find('a.user-email').trigger('click');
    await waitFor(() => expect(r!.console.router.currentRoute.value.name).toBe('account'));
    await r.settle();
    expect(fake.callsTo('GET', '/api/query/v1/auth/sessions')).toHaveLength(1);
    expect(rowOf(CURRENT).text()).toContain('Firefox on Linux');
    expect(rowOf(CURRENT).text()).toContain('This browser');
    expect(rowOf(LAPTOP).text()).toContain('Safari on macOS');
    expect(rowOf(LAPTOP).text()).not.toContain('This browser');
  });

  test('signing out another session asks first, then revokes it through the command side', async () => {
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/auth/sessions', { items: sessions() })
      .on('POST', '/api/command/v1/auth/sessions/:id/revoke', undefined);
    r = await renderConsole('/account', { fake });
    await button(LAPTOP, 'Sign out').trigger('click');
    expect(fake.callsTo('POST', '/api/command/v1/auth/sessions/:id/revoke')).toHaveLength(0);
    await button(LAPTOP, 'Confirm sign out').trigger('click');
    await r.settle();
    const calls = fake.callsTo('POST', '/api/command/v1/auth/sessions/:id/revoke');
    expect(calls.map((c) => c.path)).toEqual([`/api/command/v1/auth/sessions/${LAPTOP}/revoke`]);
    expect(rowOf(LAPTOP).exists()).toBe(false);
    expect(rowOf(CURRENT).exists()).toBe(true);
    expect(r.console.router.currentRoute.value.name).toBe('account');
  });

  test('signing out this browser is a logout: back to the login page', async () => {
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/auth/sessions', { items: sessions() })
      .on('POST', '/api/command/v1/auth/sessions/:id/revoke', undefined)
      .on('POST', '/api/command/v1/auth/logout', undefined);
    r = await renderConsole('/account', { fake });
    await button(CURRENT, 'Sign out this browser').trigger('click');
    await button(CURRENT, 'Confirm sign out').trigger('click');
    await waitFor(() => expect(r!.console.router.currentRoute.value.name).toBe('login'));
    expect(fake.callsTo('POST', `/api/command/v1/auth/sessions/${CURRENT}/revoke`)).toHaveLength(1);
    // A logout too: the browser drops its cookie and its session hint, so a cold load asks nothing.
    expect(fake.callsTo('POST', '/api/command/v1/auth/logout')).toHaveLength(1);
  });

  test('a failed revocation is said plainly and the session stays listed', async () => {
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/auth/sessions', { items: sessions() })
      .on('POST', '/api/command/v1/auth/sessions/:id/revoke', () => {
        throw apiError(503, 'LOG_UNAVAILABLE', 'the log is unavailable; retry shortly');
      });
    r = await renderConsole('/account', { fake });
    await button(LAPTOP, 'Sign out').trigger('click');
    await button(LAPTOP, 'Confirm sign out').trigger('click');
    await r.settle();
    expect(r.wrapper.find('[role="alert"]').text()).toContain('Signing the session out failed');
    expect(rowOf(LAPTOP).exists()).toBe(true);
  });
});
