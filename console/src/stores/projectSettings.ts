/**
 * Project settings (GET /v1/projects/{id}/settings on the query side; replaced with PUT
 * /v1/admin/projects/{id}/settings on the command side), per project, asked once and kept: the
 * settings screen edits them, and the project's time zone is the dashboard's default
 * (stores/preferences.ts). A project whose settings cannot be read has none here: its screens
 * follow the browser's zone, and the settings screen shows the error.
 */
import { defineStore } from 'pinia';
import { reactive } from 'vue';
import { useApi } from '@/api/inject';
import type { ReadSettings } from '@/api/types';
import { fill, loadable, type Loadable } from '@/shared/loadable';

export const useProjectSettingsStore = defineStore('projectSettings', () => {
  const api = useApi();
  const byProject = reactive<Record<string, Loadable<ReadSettings>>>({});
  const inflight = new Map<string, Promise<boolean>>();

  function of(projectId: string): Loadable<ReadSettings> {
    let entry = byProject[projectId];
    if (!entry) {
      byProject[projectId] = loadable<ReadSettings>();
      entry = byProject[projectId]!;
    }
    return entry;
  }

  /** Asks for the settings (again with `force`); one request at a time per project. */
  function load(projectId: string, force = false): Promise<boolean> {
    const entry = of(projectId);
    if (!force && entry.status === 'ready') return Promise.resolve(true);
    const running = inflight.get(projectId);
    if (running) return running;
    const request = fill(entry, () => api.settings.get(projectId), 'Loading the project settings').finally(
      () => inflight.delete(projectId),
    );
    inflight.set(projectId, request);
    return request;
  }

  /** The project's own zone, or null when it never set one (the defaults say `UTC`, `updated_at: null`). */
  function zoneOf(projectId: string | null): string | null {
    if (projectId === null) return null;
    const data = byProject[projectId]?.data;
    return data && data.updated_at !== null ? data.time_zone : null;
  }

  /**
   * Replaces the settings (the whole body, every field the screen read included) and keeps what the
   * command side answered over what was read.
   */
  async function save(projectId: string, body: Record<string, unknown>): Promise<ReadSettings> {
    const saved = await api.settings.save(projectId, body);
    const entry = of(projectId);
    entry.data = { ...(entry.data ?? {}), ...body, ...saved } as ReadSettings;
    entry.status = 'ready';
    entry.error = null;
    return entry.data;
  }

  return { byProject, of, load, zoneOf, save };
});
