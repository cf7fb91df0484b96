/**
 * The Setup view's state: which write key to put in the snippets, and whether the project has
 * received its first event yet.
 *
 * The write key: the query side lists keys by prefix only. The console shows a full key when it
 * knows one that is active for this project: the install's demo key (from the console server's
 * /config.json, matched by prefix) or a write key issued in this tab. Otherwise the view offers to
 * issue one, and shows it then (once).
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useApi } from '@/api/inject';
import type { ApiError } from '@/api/http';
import type { ConsoleConfig, EventItem } from '@/api/types';
import { asApiError } from '@/shared/loadable';
import { useKeysStore } from './keys';

export const useSetupStore = defineStore('setup', () => {
  const api = useApi();
  const keys = useKeysStore();

  const config = ref<ConsoleConfig | null>(null);
  const projectId = ref<string | null>(null);
  const latest = ref<EventItem | null>(null);
  const checkStatus = ref<'idle' | 'waiting' | 'receiving' | 'error'>('idle');
  const checkError = ref<ApiError | null>(null);

  async function loadConfig(): Promise<void> {
    if (config.value) return;
    try {
      config.value = await api.config();
    } catch {
      config.value = { demoWriteKey: null, ingestPath: '/api/command' };
    }
  }

  /** The full write key to show, with where it came from; null when the console knows none. */
  const writeKey = computed<{ key: string; source: 'demo' | 'issued'; keyId: string } | null>(() => {
    if (keys.projectId !== projectId.value) return null;
    const active = keys.active.filter((k) => k.kind === 'write');
    for (const k of active) {
      const issued = keys.writeKeys[k.key_id];
      if (issued) return { key: issued, source: 'issued', keyId: k.key_id };
    }
    const demo = config.value?.demoWriteKey;
    if (demo) {
      const match = active.find((k) => demo.startsWith(k.key_prefix));
      if (match) return { key: demo, source: 'demo', keyId: match.key_id };
    }
    return null;
  });

  /** Whether any event has arrived yet; polled by the view until one has. */
  async function check(project: string): Promise<void> {
    if (project !== projectId.value) {
      projectId.value = project;
      latest.value = null;
      checkStatus.value = 'idle';
    }
    try {
      const page = await api.events.list(project, {}, null, 1);
      if (projectId.value !== project) return;
      latest.value = page.items[0] ?? null;
      checkStatus.value = latest.value ? 'receiving' : 'waiting';
      checkError.value = null;
    } catch (e) {
      checkError.value = asApiError(e, 'Checking for events');
      checkStatus.value = 'error';
    }
  }

  return { config, projectId, latest, checkStatus, checkError, writeKey, loadConfig, check };
});
