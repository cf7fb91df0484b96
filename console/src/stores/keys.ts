/**
 * API keys: the list (prefixes only, from the query side), issuing (the command side answers with
 * the key itself, the only time it is ever shown) and revoking.
 *
 * A write key issued in this tab is remembered in memory (never stored) so that the Setup view can
 * fill its snippet; write keys are public by design (they sit in every tracked page). Read keys are
 * shown once and forgotten.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useApi } from '@/api/inject';
import type { ApiError } from '@/api/http';
import type { ApiKey, IssuedKey, KeyKind } from '@/api/types';
import { asApiError, type LoadStatus } from '@/shared/loadable';

export const useKeysStore = defineStore('keys', () => {
  const api = useApi();
  const projectId = ref<string | null>(null);
  const items = ref<ApiKey[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  /** key_id → write key issued in this tab. */
  const writeKeys = ref<Record<string, string>>({});

  const active = computed(() => items.value.filter((k) => k.revoked_at === null));

  async function load(project: string): Promise<void> {
    if (project !== projectId.value) {
      items.value = [];
      status.value = 'loading';
    } else if (status.value !== 'ready') {
      status.value = 'loading';
    }
    projectId.value = project;
    try {
      const answer = await api.keys.list(project);
      if (projectId.value !== project) return;
      items.value = answer.items;
      status.value = 'ready';
      error.value = null;
    } catch (e) {
      error.value = asApiError(e, 'Loading API keys');
      status.value = 'error';
    }
  }

  /** Issues a key; the answer holds the key itself, to show once. */
  async function issue(project: string, kind: KeyKind, name?: string): Promise<IssuedKey> {
    const issued = await api.keys.issue(project, kind, name);
    if (kind === 'write') writeKeys.value = { ...writeKeys.value, [issued.key_id]: issued.key };
    const optimistic: ApiKey = {
      key_id: issued.key_id,
      kind: issued.kind,
      name: issued.name,
      key_prefix: issued.key_prefix,
      issued_at: issued.issued_at ?? new Date().toISOString(),
      revoked_at: null,
    };
    // The read model catches up a moment later; show the key at once.
    if (projectId.value === project && !items.value.some((k) => k.key_id === issued.key_id)) {
      items.value = [optimistic, ...items.value];
    }
    return issued;
  }

  async function revoke(project: string, keyId: string): Promise<void> {
    try {
      await api.keys.revoke(project, keyId);
    } catch (e) {
      throw asApiError(e, 'Revoking the key');
    }
    const now = new Date().toISOString();
    items.value = items.value.map((k) =>
      k.key_id === keyId ? { ...k, revoked_at: k.revoked_at ?? now } : k,
    );
    const { [keyId]: _gone, ...rest } = writeKeys.value;
    writeKeys.value = rest;
  }

  return { projectId, items, status, error, writeKeys, active, load, issue, revoke };
});
