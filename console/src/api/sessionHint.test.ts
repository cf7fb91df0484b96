/** The "this browser may have a session" hint around the HTTP client. */
import { describe, expect, test } from 'vitest';
import { createFakeHttp, apiError } from '@/testing/fakeHttp';
import { ApiError } from './http';
import { storedSessionHint, withSessionHint, type SessionHint } from './sessionHint';

function memoryHint(initial: boolean): SessionHint & { value: boolean } {
  const hint = {
    value: initial,
    present: () => hint.value,
    set: () => void (hint.value = true),
    clear: () => void (hint.value = false),
  };
  return hint;
}

const me = { method: 'GET', path: '/api/query/v1/auth/me', action: 'Checking the session' } as const;

describe('session hint', () => {
  test('without it, /auth/me answers "not logged in" without a request', async () => {
    const fake = createFakeHttp().on('GET', '/api/query/v1/auth/me', { user_id: 'u', email: 'e' });
    const http = withSessionHint(fake.client(), memoryHint(false));
    const error = await http.request(me).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect(fake.calls).toHaveLength(0);
  });

  test('login sets it, logout and any 401 clear it; other calls pass through', async () => {
    const hint = memoryHint(false);
    const fake = createFakeHttp()
      .on('POST', '/api/command/v1/auth/login', { user_id: 'u', email: 'e' })
      .on('POST', '/api/command/v1/auth/logout', undefined)
      .on('GET', '/api/query/v1/events', () => {
        throw apiError(401, 'UNAUTHORIZED', 'expired');
      });
    const http = withSessionHint(fake.client(), hint);
    await http.request({ method: 'POST', path: '/api/command/v1/auth/login', action: 'Logging in' });
    expect(hint.value).toBe(true);
    expect(await http.request(me).catch(() => 'asked')).toBe('asked');
    expect(fake.callsTo('GET', '/api/query/v1/auth/me')).toHaveLength(1);
    await http
      .request({ method: 'GET', path: '/api/query/v1/events', action: 'Loading events' })
      .catch(() => 0);
    expect(hint.value).toBe(false);
    hint.set();
    await http.request({ method: 'POST', path: '/api/command/v1/auth/logout', action: 'Logging out' });
    expect(hint.value).toBe(false);
  });

  test('in localStorage; blocked storage means "maybe" (ask), never a lock-out', () => {
    const hint = storedSessionHint();
    hint.clear();
    expect(hint.present()).toBe(false);
    hint.set();
    expect(hint.present()).toBe(true);
    hint.clear();
    const blocked = storedSessionHint(() => {
      throw new Error('SecurityError');
    });
    expect(blocked.present()).toBe(true);
    blocked.set();
    blocked.clear();
  });
});
