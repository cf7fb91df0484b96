/** Login, logout, and the way back after a session expired. */
import { describe, expect, test, vi } from 'vitest';
import type { HttpRequest } from '@/api/http';
import { apiError, createFakeHttp } from '@/testing/fakeHttp';
import { events, PROJECT_ID } from '@/testing/fixtures';
import { renderConsole, unmountAfterEach, type Rendered } from '@/testing/render';
import { waitFor } from '@/testing/waitFor';

let r: Rendered | undefined;
unmountAfterEach();

const anonymous = () =>
  createFakeHttp().on('GET', '/api/query/v1/auth/me', () => {
    throw apiError(401, 'UNAUTHORIZED', 'send "Authorization: Bearer <read key>" or log in to the console');
  });

describe('auth', () => {
  test('a page without a session lands on the login page, and logging in returns to it', async () => {
    const fake = anonymous()
      .on('POST', '/api/command/v1/auth/login', (req: HttpRequest) => {
        expect(req.body).toEqual({ email: 'dev@example.com', password: 'pw' });
        fake.on('GET', '/api/query/v1/auth/me', { user_id: 'u1', email: 'dev@example.com' });
        return { user_id: 'u1', email: 'dev@example.com' };
      })
      .on('GET', '/api/query/v1/events', { items: events(1), next_cursor: null });
    r = await renderConsole(`/p/${PROJECT_ID}/events?event_name=signup`, { fake, loggedIn: false });
    expect(r.console.router.currentRoute.value.name).toBe('login');
    expect(r.console.router.currentRoute.value.query.redirect).toBe(
      `/p/${PROJECT_ID}/events?event_name=signup`,
    );
    expect(fake.callsTo('GET', '/api/query/v1/events')).toHaveLength(0);

    await r.wrapper.find('#login-email').setValue('dev@example.com');
    await r.wrapper.find('#login-password').setValue('pw');
    await r.wrapper.find('form').trigger('submit');
    await waitFor(() =>
      expect(r!.console.router.currentRoute.value.fullPath).toBe(`/p/${PROJECT_ID}/events?event_name=signup`),
    );
    await r.settle();
    expect(r.wrapper.text()).toContain('dev@example.com');
  });

  test('wrong credentials are said plainly; the login call itself never counts as an expired session', async () => {
    const fake = anonymous().on('POST', '/api/command/v1/auth/login', () => {
      throw apiError(401, 'UNAUTHORIZED', 'wrong email or password');
    });
    r = await renderConsole('/login', { fake, loggedIn: false });
    const logged = vi.spyOn(console, 'error');
    await r.wrapper.find('#login-email').setValue('dev@example.com');
    await r.wrapper.find('#login-password').setValue('nope');
    await r.wrapper.find('form').trigger('submit');
    await r.settle();
    expect(r.wrapper.find('[role="alert"]').text()).toBe('Wrong email or password.');
    expect(r.console.router.currentRoute.value.query.expired).toBeUndefined();
    // An answer, not an error: the console's code logs nothing (Chromium still logs the 401 request).
    expect(logged).not.toHaveBeenCalled();
  });

  test('a 401 from any call while working returns to the login page, then back where it was', async () => {
    const fake = createFakeHttp().on('GET', '/api/query/v1/events', () => {
      throw apiError(401, 'UNAUTHORIZED', 'session expired or invalid: log in again');
    });
    fake.on('GET', '/api/query/v1/event-names', { items: [] });
    r = await renderConsole(`/p/${PROJECT_ID}/events?user_id=u1`, { fake });
    await waitFor(() => expect(r!.console.router.currentRoute.value.name).toBe('login'));
    await waitFor(() => expect(r!.wrapper.text()).toContain('Your session expired'));
    const route = r.console.router.currentRoute.value;
    expect(route.name).toBe('login');
    expect(route.query).toEqual({ redirect: `/p/${PROJECT_ID}/events?user_id=u1`, expired: '1' });
    expect(r.wrapper.text()).toContain('Your session expired');
  });

  test('a query side that does not answer is said on the login page, not a blank screen', async () => {
    const fake = createFakeHttp().on('GET', '/api/query/v1/auth/me', () => {
      throw apiError(502, 'UPSTREAM_UNAVAILABLE', 'the query API did not answer (ECONNREFUSED)');
    });
    r = await renderConsole('/projects', { fake, loggedIn: false });
    expect(r.console.router.currentRoute.value.name).toBe('login');
    await waitFor(() => expect(r!.wrapper.find('[role="alert"]').exists()).toBe(true));
    expect(r.wrapper.find('[role="alert"]').text()).toBe(
      'Checking the session failed: the query API did not answer (ECONNREFUSED) (UPSTREAM_UNAVAILABLE, HTTP 502)',
    );
  });

  test('an open redirect is refused: only paths of this app', async () => {
    const { safeRedirect } = await import('@/router');
    expect(safeRedirect('//evil.example/x')).toBeUndefined();
    expect(safeRedirect('https://evil.example')).toBeUndefined();
    expect(safeRedirect('/\\evil.example')).toBeUndefined();
    expect(safeRedirect('/p/1/events?x=1')).toBe('/p/1/events?x=1');
  });

  test('log out clears the session (with the CSRF header) and shows the login page', async () => {
    const fake = createFakeHttp().on('POST', '/api/command/v1/auth/logout', undefined);
    fake.on('GET', '/api/query/v1/stats/not-counted', {});
    r = await renderConsole('/projects', { fake });
    const button = r.button('Log out');
    await button.trigger('click');
    await r.settle();
    expect(fake.callsTo('POST', '/api/command/v1/auth/logout')).toHaveLength(1);
    expect(r.console.router.currentRoute.value.name).toBe('login');
  });

  test('"/" opens the first project’s overview; with no project, the projects page', async () => {
    const fake = createFakeHttp().on('GET', '/api/query/v1/pipeline', { projections: [] });
    r = await renderConsole('/', { fake });
    await waitFor(() =>
      expect(r!.console.router.currentRoute.value.fullPath).toBe(`/p/${PROJECT_ID}/overview`),
    );
    r.wrapper.unmount();
    const empty = createFakeHttp();
    r = await renderConsole('/', { fake: empty, projects: [] });
    await waitFor(() => expect(r!.console.router.currentRoute.value.name).toBe('projects'));
    expect(r.wrapper.text()).toContain('No projects yet');
  });
});
