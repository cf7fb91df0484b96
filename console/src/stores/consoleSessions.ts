/**
 * The console user's own sessions (logins on other browsers included): listed by the query side,
 * revoked through the command side. Revoking the current one is a logout.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { useApi } from '@/api/inject';
import type { ApiError } from '@/api/http';
import type { ConsoleSession } from '@/api/types';
import { asApiError, type LoadStatus } from '@/shared/loadable';
import { useSessionStore } from './session';

export const useConsoleSessionsStore = defineStore('consoleSessions', () => {
  const api = useApi();
  const items = shallowRef<ConsoleSession[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  /** The session being revoked, and why the last revocation failed. */
  const revoking = ref<string | null>(null);
  const revokeError = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    status.value = 'loading';
    error.value = null;
    try {
      items.value = (await api.auth.sessions()).items;
      status.value = 'ready';
    } catch (e) {
      error.value = asApiError(e, 'Loading your sessions');
      status.value = 'error';
    }
  }

  /** Revokes one session; true when it was the current one (this browser is now logged out). */
  async function revoke(sessionId: string): Promise<boolean> {
    if (revoking.value) return false;
    revoking.value = sessionId;
    revokeError.value = null;
    const current = items.value.find((s) => s.session_id === sessionId)?.current ?? false;
    try {
      await api.auth.revokeSession(sessionId);
      items.value = items.value.filter((s) => s.session_id !== sessionId);
      // The current session: also log out, so this browser drops its cookie and its session hint
      // (a cold load then asks nothing); the session is already revoked, so a failure changes nothing.
      if (current)
        await useSessionStore()
          .logout()
          .catch(() => undefined);
      return current;
    } catch (e) {
      revokeError.value = asApiError(e, 'Signing the session out');
      return false;
    } finally {
      revoking.value = null;
    }
  }

  return { items, status, error, revoking, revokeError, load, revoke };
});
