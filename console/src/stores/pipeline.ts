/**
 * Pipeline health: each projection's lag, progress and failures, its throughput and freshness over
 * the chosen window (`minutes`), and the dead-lettered records.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { useApi } from '@/api/inject';
import type { ApiError } from '@/api/http';
import type { DlqRecord, Pipeline, ReplayRequested } from '@/api/types';
import { asApiError, fill, loadable, type LoadStatus } from '@/shared/loadable';

/** The query side's default window of GET /v1/pipeline, in minutes. */
export const DEFAULT_WINDOW_MINUTES = 15;

export const usePipelineStore = defineStore('pipeline', () => {
  const api = useApi();
  const status = loadable<Pipeline>();
  /** The throughput and freshness window, in minutes (the query side allows 1-1440). */
  const minutes = ref(DEFAULT_WINDOW_MINUTES);

  const projectId = ref<string | null>(null);
  const projection = ref<string>('');
  const dlq = shallowRef<DlqRecord[]>([]);
  const dlqCursor = ref<string | null>(null);
  const dlqStatus = ref<LoadStatus>('idle');
  const dlqError = ref<ApiError | null>(null);
  const dlqLoadingMore = ref(false);
  const dlqMoreError = ref<ApiError | null>(null);
  let generation = 0;
  /** Per projection: the last replay requested from this tab, or why requesting it failed. */
  const replays = ref<
    Record<string, { pending: boolean; requested: ReplayRequested | null; error: ApiError | null }>
  >({});

  async function requestReplay(name: string): Promise<void> {
    replays.value[name] = { pending: true, requested: null, error: null };
    try {
      const requested = await api.pipeline.replayDlq(name);
      replays.value[name] = { pending: false, requested, error: null };
    } catch (e) {
      replays.value[name] = {
        pending: false,
        requested: null,
        error: asApiError(e, `Requesting a replay of the ${name} DLQ`),
      };
      return;
    }
    // The ops worker re-injects the records asynchronously: show what is known now, polling does the rest.
    await Promise.all([
      loadStatus(),
      projectId.value ? loadDlq(projectId.value, projection.value, { quiet: true }) : undefined,
    ]);
  }

  async function loadStatus(): Promise<void> {
    // The default window is the query side's default: not sent, so a query side that predates
    // the parameter (it refuses unknown ones) still answers lag and DLQ.
    const asked = minutes.value === DEFAULT_WINDOW_MINUTES ? {} : { minutes: minutes.value };
    await fill(status, () => api.pipeline.status(asked), 'Loading the pipeline status');
  }

  /** Another window: reloads the status at once (polling keeps it after). */
  async function setMinutes(value: number): Promise<void> {
    minutes.value = value;
    await loadStatus();
  }

  async function loadDlq(
    project: string,
    onlyProjection = '',
    options: { quiet?: boolean } = {},
  ): Promise<void> {
    const mine = ++generation;
    projectId.value = project;
    projection.value = onlyProjection;
    if (!options.quiet || dlqStatus.value !== 'ready') dlqStatus.value = 'loading';
    try {
      const page = await api.pipeline.dlq(project, { projection: onlyProjection || undefined });
      if (mine !== generation) return;
      // A quiet refresh keeps the pages already scrolled through.
      if (options.quiet && dlqStatus.value === 'ready' && dlq.value.length > page.items.length) {
        const known = new Set(page.items.map(key));
        dlq.value = [...page.items, ...dlq.value.filter((r) => !known.has(key(r)))];
      } else {
        dlq.value = page.items;
        dlqCursor.value = page.next_cursor;
        dlqMoreError.value = null;
      }
      dlqStatus.value = 'ready';
      dlqError.value = null;
    } catch (e) {
      if (mine !== generation) return;
      dlqError.value = asApiError(e, 'Loading dead-lettered records');
      dlqStatus.value = 'error';
    }
  }

  async function loadMoreDlq(): Promise<void> {
    if (!projectId.value || !dlqCursor.value || dlqLoadingMore.value) return;
    const mine = generation;
    dlqLoadingMore.value = true;
    dlqMoreError.value = null;
    try {
      const page = await api.pipeline.dlq(projectId.value, {
        projection: projection.value || undefined,
        cursor: dlqCursor.value,
      });
      if (mine !== generation) return;
      dlq.value = [...dlq.value, ...page.items];
      dlqCursor.value = page.next_cursor;
    } catch (e) {
      // The records shown stay; the failure shows under them, with "Try again".
      if (mine === generation) dlqMoreError.value = asApiError(e, 'Loading more dead-lettered records');
    } finally {
      dlqLoadingMore.value = false;
    }
  }

  return {
    status,
    minutes,
    setMinutes,
    projectId,
    projection,
    dlq,
    dlqCursor,
    dlqStatus,
    dlqError,
    dlqLoadingMore,
    dlqMoreError,
    loadStatus,
    loadDlq,
    loadMoreDlq,
    replays,
    requestReplay,
  };
});

export const key = (r: DlqRecord) => `${r.projection}/${r.dlq_partition}/${r.dlq_offset}`;
