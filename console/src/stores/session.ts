/**
 * The console user's session. The cookie itself is httpOnly: the console only learns whether it
 * is valid by asking /v1/auth/me, once per page load, and forgets it on any 401.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useApi } from '@/api/inject';
import { ApiError } from '@/api/http';
import type { Me } from '@/api/types';

export const useSessionStore = defineStore('session', () => {
  const api = useApi();
  const user = ref<Me | null>(null);
  /** Whether /me has been asked since the page loaded (or a login/logout happened). */
  const checked = ref(false);
  /** True when the last session ended by expiring (a 401), not by logging out. */
  const expired = ref(false);
  /** Why the session could not be checked, when it was not a plain "not logged in". */
  const unavailable = ref<ApiError | null>(null);
  let checking: Promise<Me | null> | undefined;

  const isAuthenticated = computed(() => user.value !== null);

  /** The user, asking the server once; null when nobody is logged in. */
  async function ensure(): Promise<Me | null> {
    if (checked.value) return user.value;
    checking ??= api.auth
      .me()
      .then((me) => {
        user.value = me;
        unavailable.value = null;
        return me;
      })
      .catch((error: unknown) => {
        // 401, or the query side is down: either way, the login page says what happens next.
        user.value = null;
        unavailable.value = error instanceof ApiError && error.status !== 401 ? error : null;
        return null;
      })
      .finally(() => {
        checked.value = true;
        checking = undefined;
      });
    return checking;
  }

  async function login(email: string, password: string): Promise<Me> {
    const me = await api.auth.login(email, password);
    user.value = me;
    checked.value = true;
    expired.value = false;
    unavailable.value = null;
    return me;
  }

  async function logout(): Promise<void> {
    try {
      await api.auth.logout();
    } finally {
      user.value = null;
      checked.value = true;
      expired.value = false;
    }
  }

  /** The session was ended from this browser by other means than logout (revoked from the sessions list). */
  function markLoggedOut(): void {
    user.value = null;
    checked.value = true;
    expired.value = false;
  }

  /** Any API call answered 401: the session is gone. */
  function markExpired(): void {
    if (user.value !== null) expired.value = true;
    user.value = null;
    checked.value = true;
  }

  return {
    user,
    checked,
    expired,
    unavailable,
    isAuthenticated,
    ensure,
    login,
    logout,
    markLoggedOut,
    markExpired,
  };
});
