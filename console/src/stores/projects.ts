/**
 * Projects: the list (query side) and creation (command side). A new project reaches the read
 * models a moment after the command is acknowledged, so `create` waits until the list shows it.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useApi } from '@/api/inject';
import type { ApiError } from '@/api/http';
import type { Project } from '@/api/types';

const LAST = 'eventlens.project';

export interface ProjectsStoreOptions {
  /** How long `create` waits for the project to appear in the read models. */
  appearTimeoutMs?: number;
  pollMs?: number;
}

export const useProjectsStore = defineStore('projects', () => {
  const api = useApi();
  const items = ref<Project[]>([]);
  const status = ref<'idle' | 'loading' | 'ready' | 'error'>('idle');
  const error = ref<ApiError | null>(null);
  const currentId = ref<string | null>(null);
  const options: Required<ProjectsStoreOptions> = { appearTimeoutMs: 15_000, pollMs: 500 };

  const current = computed(() => items.value.find((p) => p.project_id === currentId.value) ?? null);

  async function load(): Promise<void> {
    if (status.value !== 'ready') status.value = 'loading';
    try {
      items.value = (await api.projects.list()).items;
      status.value = 'ready';
      error.value = null;
    } catch (e) {
      error.value = e as ApiError;
      status.value = 'error';
    }
  }

  async function ensureLoaded(): Promise<void> {
    if (status.value !== 'ready') await load();
  }

  function select(projectId: string): void {
    currentId.value = projectId;
    try {
      localStorage.setItem(LAST, projectId);
    } catch {
      // Not remembered: the URL still carries the project.
    }
  }

  /** The project to open when the URL names none: the last one used, else the oldest. */
  function defaultProjectId(): string | null {
    let last: string | null = null;
    try {
      last = localStorage.getItem(LAST);
    } catch {
      last = null;
    }
    if (last && items.value.some((p) => p.project_id === last)) return last;
    return items.value[0]?.project_id ?? null;
  }

  /** Creates the project and resolves once the query side knows it. */
  async function create(name: string): Promise<Project> {
    const created = await api.projects.create(name);
    const deadline = Date.now() + options.appearTimeoutMs;
    for (;;) {
      await load();
      const found = items.value.find((p) => p.project_id === created.project_id);
      if (found) return found;
      if (Date.now() > deadline) {
        // Accepted by the command side but not projected yet: show it anyway, it will catch up.
        const pending: Project = {
          project_id: created.project_id,
          name: created.name,
          created_at: created.created_at ?? new Date().toISOString(),
          created_by: null,
        };
        items.value = [...items.value, pending];
        return pending;
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs));
    }
  }

  function configure(next: ProjectsStoreOptions): void {
    Object.assign(options, next);
  }

  return {
    items,
    status,
    error,
    currentId,
    current,
    load,
    ensureLoaded,
    select,
    defaultProjectId,
    create,
    configure,
  };
});
