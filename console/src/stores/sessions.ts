/** Sessions: the list (most recently active first, cursor pages) and one session's timeline. */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { useApi } from '@/api/inject';
import type { ApiError } from '@/api/http';
import type { EventItem, SessionItem } from '@/api/types';
import { asApiError, type LoadStatus } from '@/shared/loadable';

export const useSessionsStore = defineStore('sessions', () => {
  const api = useApi();

  const projectId = ref<string | null>(null);
  const userFilter = ref('');
  const items = shallowRef<SessionItem[]>([]);
  const nextCursor = ref<string | null>(null);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  const loadingMore = ref(false);
  const moreError = ref<ApiError | null>(null);

  const session = ref<SessionItem | null>(null);
  const timeline = shallowRef<EventItem[]>([]);
  const timelineCursor = ref<string | null>(null);
  const detailStatus = ref<LoadStatus>('idle');
  const detailError = ref<ApiError | null>(null);
  const timelineLoadingMore = ref(false);
  const timelineMoreError = ref<ApiError | null>(null);

  const hasMore = computed(() => nextCursor.value !== null);
  let generation = 0;
  let detailGeneration = 0;

  async function load(project: string, userId = ''): Promise<void> {
    const mine = ++generation;
    projectId.value = project;
    userFilter.value = userId;
    status.value = 'loading';
    error.value = null;
    moreError.value = null;
    try {
      const page = await api.sessions.list(project, { user_id: userId || undefined });
      if (mine !== generation) return;
      items.value = page.items;
      nextCursor.value = page.next_cursor;
      status.value = 'ready';
    } catch (e) {
      if (mine !== generation) return;
      error.value = asApiError(e, 'Loading sessions');
      status.value = 'error';
    }
  }

  async function loadMore(): Promise<void> {
    const project = projectId.value;
    if (!project || !nextCursor.value || loadingMore.value) return;
    const mine = generation;
    loadingMore.value = true;
    moreError.value = null;
    try {
      const page = await api.sessions.list(project, {
        user_id: userFilter.value || undefined,
        cursor: nextCursor.value,
      });
      if (mine !== generation) return;
      const known = new Set(items.value.map((s) => s.session_id));
      items.value = [...items.value, ...page.items.filter((s) => !known.has(s.session_id))];
      nextCursor.value = page.next_cursor;
    } catch (e) {
      if (mine === generation) moreError.value = asApiError(e, 'Loading more sessions');
    } finally {
      if (mine === generation) loadingMore.value = false;
    }
  }

  async function open(project: string, sessionId: string): Promise<void> {
    const mine = ++detailGeneration;
    detailStatus.value = 'loading';
    detailError.value = null;
    session.value = null;
    timeline.value = [];
    timelineCursor.value = null;
    timelineMoreError.value = null;
    try {
      const detail = await api.sessions.get(project, sessionId);
      if (mine !== detailGeneration) return;
      session.value = detail.session;
      timeline.value = detail.timeline.items;
      timelineCursor.value = detail.timeline.next_cursor;
      detailStatus.value = 'ready';
    } catch (e) {
      if (mine !== detailGeneration) return;
      detailError.value = asApiError(e, 'Loading the session');
      detailStatus.value = 'error';
    }
  }

  async function loadMoreTimeline(project: string): Promise<void> {
    if (!session.value || !timelineCursor.value || timelineLoadingMore.value) return;
    const mine = detailGeneration;
    timelineLoadingMore.value = true;
    timelineMoreError.value = null;
    try {
      const detail = await api.sessions.get(project, session.value.session_id, timelineCursor.value);
      if (mine !== detailGeneration) return;
      timeline.value = [...timeline.value, ...detail.timeline.items];
      timelineCursor.value = detail.timeline.next_cursor;
    } catch (e) {
      // The timeline shown stays; the failure shows under it, with "Try again".
      if (mine === detailGeneration) timelineMoreError.value = asApiError(e, 'Loading more of the timeline');
    } finally {
      timelineLoadingMore.value = false;
    }
  }

  return {
    projectId,
    userFilter,
    items,
    nextCursor,
    status,
    error,
    loadingMore,
    moreError,
    hasMore,
    session,
    timeline,
    timelineCursor,
    detailStatus,
    detailError,
    timelineLoadingMore,
    timelineMoreError,
    load,
    loadMore,
    open,
    loadMoreTimeline,
  };
});
