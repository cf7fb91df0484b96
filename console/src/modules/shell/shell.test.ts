/** The frame around every screen: its tabs, an unknown project, and a cold load without a session. */
import { afterEach, describe, expect, test } from 'vitest';
import { SESSION_HINT_KEY } from '@/api/sessionHint';
import { apiError, createFakeHttp } from '@/testing/fakeHttp';
import { notCounted, pipeline, PROJECT_ID } from '@/testing/fixtures';
import { renderConsole, unmountAfterEach, type Rendered } from '@/testing/render';
import { waitFor } from '@/testing/waitFor';

let r: Rendered | undefined;
unmountAfterEach();
afterEach(() => {
  localStorage.clear();
});

const UNKNOWN = '99999999-9999-4999-8999-999999999999';
const notFound = () => {
  throw apiError(404, 'NOT_FOUND', 'no such project');
};

describe('shell', () => {
  test('every project tab is a link in the tab bar', async () => {
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/pipeline', pipeline())
      .on('GET', '/api/query/v1/stats/not-counted', notCounted());
    r = await renderConsole(`/p/${PROJECT_ID}/keys`, { fake });
    const links = r.wrapper.findAll('nav.nav a');
    expect(links.map((a) => a.text())).toEqual([
      'Overview',
      'Events',
      'Goals',
      'Funnels',
      'Sessions',
      'Setup',
      'API keys',
      'Pipeline',
      'Settings',
    ]);
    expect(links.find((a) => a.text() === 'API keys')!.attributes('aria-current')).toBe('page');
    // The account link: the email, drawn as its initial on phones.
    const account = r.wrapper.find('a.user-email');
    expect(account.text()).toBe('dev@example.com');
    expect(account.attributes('data-initial')).toBe('D');
  });

  test('an unknown project says so once, instead of one error per part of the screen', async () => {
    const fake = createFakeHttp()
      .on('GET', '/api/query/v1/pipeline', pipeline())
      .on('GET', '/api/query/v1/stats/not-counted', notFound)
      .on('GET', '/api/query/v1/stats/volume', notFound);
    r = await renderConsole(`/p/${UNKNOWN}/overview`, { fake });
    await r.settle();
    const alerts = r.wrapper.findAll('[role="alert"]');
    expect(alerts).toHaveLength(1);
    expect(r.wrapper.find('h1').text()).toBe('Project not found');
    expect(alerts[0]!.text()).toContain(UNKNOWN);
    expect(r.wrapper.find('nav.nav').exists()).toBe(false);
    expect(r.wrapper.find('[data-testid="unknown-project"] a').attributes('href')).toBe('/projects');
    // The list was asked again once, in case the project had just been created.
    expect(fake.callsTo('GET', '/api/query/v1/projects')).toHaveLength(2);
  });

  test('a cold load in a browser that never logged in does not ask /auth/me (no 401 to report)', async () => {
    const fake = createFakeHttp();
    // Whichever side takes the login and logout commands: the hint follows the route's name.
    for (const side of ['query', 'command']) {
      fake.on('POST', `/api/${side}/v1/auth/login`, { user_id: 'u1', email: 'dev@example.com' });
      fake.on('POST', `/api/${side}/v1/auth/logout`, undefined);
    }
    fake.on('GET', '/api/query/v1/auth/me', () => {
      throw apiError(401, 'UNAUTHORIZED', 'log in');
    });
    fake.on('GET', '/api/query/v1/stats/not-counted', notCounted());
    fake.on('GET', '/api/query/v1/pipeline', pipeline());
    r = await renderConsole(`/p/${PROJECT_ID}/sessions`, { fake, sessionHint: false });
    expect(r.console.router.currentRoute.value.name).toBe('login');
    expect(fake.callsTo('GET', '/api/query/v1/auth/me')).toHaveLength(0);
    expect(r.wrapper.find('[role="alert"]').exists()).toBe(false);

    // Logging in remembers that this browser has a session; logging out forgets it.
    fake.on('GET', '/api/query/v1/sessions', { items: [], next_cursor: null });
    await r.wrapper.find('#login-email').setValue('dev@example.com');
    await r.wrapper.find('#login-password').setValue('pw');
    await r.wrapper.find('form').trigger('submit');
    await waitFor(() => expect(r!.console.router.currentRoute.value.name).toBe('sessions'));
    expect(localStorage.getItem(SESSION_HINT_KEY)).toBe('1');
    await r.settle();
    await r.button('Log out').trigger('click');
    await r.settle();
    expect(localStorage.getItem(SESSION_HINT_KEY)).toBeNull();
  });

  test('with a hint, /auth/me is asked; its 401 (the session expired) clears the hint', async () => {
    const fake = createFakeHttp().on('GET', '/api/query/v1/auth/me', () => {
      throw apiError(401, 'UNAUTHORIZED', 'session expired or invalid: log in again');
    });
    r = await renderConsole('/projects', { fake, loggedIn: false, sessionHint: true });
    expect(fake.callsTo('GET', '/api/query/v1/auth/me')).toHaveLength(1);
    expect(r.console.router.currentRoute.value.name).toBe('login');
    expect(localStorage.getItem(SESSION_HINT_KEY)).toBeNull();
  });
});
