/**
 * The event explorer: latest first, one cursor page at a time (the query side's keyset cursor: no
 * page numbers, no OFFSET), filters, the event open in the drawer, and a live mode that merges
 * newly arrived events in.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { useApi } from '@/api/inject';
import type { ApiError } from '@/api/http';
import type { EventFilters, EventItem } from '@/api/types';
import { statsFilters, type Filter } from '@/shared/filters';
import { asApiError, type LoadStatus } from '@/shared/loadable';

export const PAGE_SIZE = 50;

/** Latest first, event id breaking ties: the order of the query side's keyset. */
export function compareEvents(a: EventItem, b: EventItem): number {
  const ta = Date.parse(a.timestamp);
  const tb = Date.parse(b.timestamp);
  if (ta !== tb) return tb - ta;
  return a.event_id < b.event_id ? 1 : a.event_id > b.event_id ? -1 : 0;
}

/**
 * Why the reports leave an event out, as the explorer marks its row, or null for an event they
 * count: bot traffic (`context.bot`, its value the kind of bot) and the traffic of the project's
 * excluded address ranges (`context.excluded`), the keys the query side's `counted` reads.
 */
export function notCountedAs(e: Pick<EventItem, 'context'>): 'Bot' | 'Excluded' | null {
  if (e.context.bot !== undefined && e.context.bot !== null) return 'Bot';
  if (e.context.excluded !== undefined && e.context.excluded !== null) return 'Excluded';
  return null;
}

/**
 * The explorer's filters: GET /v1/events's own (event name, user, session, range, counted), and
 * report filters on any dimension (shared/filters.ts), sent as the Stats API's `filters`, which the
 * query side compiles as the reports do (a page is `event:page`, a source the event's visit's).
 */
export type ExplorerFilters = Omit<EventFilters, 'filters'> & { filters?: Filter[] };

/** GET /v1/events's (and /v1/events.csv's) parameters for these filters: report filters as JSON. */
export function eventParams(f: ExplorerFilters): EventFilters {
  const { filters, ...rest } = f;
  return filters && filters.length > 0 ? { ...rest, filters: JSON.stringify(statsFilters(filters)) } : rest;
}

export function sameFilters(a: ExplorerFilters, b: ExplorerFilters): boolean {
  const keys = ['event_name', 'user_id', 'session_id', 'from', 'to', 'counted'] as const;
  return (
    keys.every((k) => (a[k] ?? '') === (b[k] ?? '')) &&
    JSON.stringify(a.filters ?? []) === JSON.stringify(b.filters ?? [])
  );
}

export const useExplorerStore = defineStore('explorer', () => {
  const api = useApi();

  const projectId = ref<string | null>(null);
  const filters = ref<ExplorerFilters>({});
  const items = shallowRef<EventItem[]>([]);
  const nextCursor = ref<string | null>(null);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  const loadingMore = ref(false);
  const moreError = ref<ApiError | null>(null);
  /** Ids merged in by live mode, highlighted for a moment. */
  const fresh = ref<Set<string>>(new Set());
  const pages = ref(0);

  const selected = ref<EventItem | null>(null);
  const selectedStatus = ref<LoadStatus>('idle');
  const selectedError = ref<ApiError | null>(null);

  const names = ref<string[]>([]);

  const hasMore = computed(() => nextCursor.value !== null);
  /** Nothing shown and nothing more to read. */
  const isEmpty = computed(
    () => status.value === 'ready' && items.value.length === 0 && nextCursor.value === null,
  );

  /** One page for these filters, after `cursor` (the query side's keyset). */
  function fetchPage(
    project: string,
    f: ExplorerFilters,
    cursor: string | null,
    signal?: AbortSignal,
  ): Promise<{ items: EventItem[]; next_cursor: string | null }> {
    return api.events.list(project, eventParams(f), cursor, PAGE_SIZE, signal);
  }

  let generation = 0;
  let controller: AbortController | undefined;

  /** Shows the first page for these filters (and drops what was shown for others). */
  let inflight: Promise<void> | undefined;

  async function load(
    project: string,
    next: ExplorerFilters,
    options: { force?: boolean } = {},
  ): Promise<void> {
    const same = project === projectId.value && sameFilters(next, filters.value);
    if (!options.force && same && status.value === 'ready') return;
    // Already on its way (the route asked before the view did): the same request serves both.
    if (!options.force && same && status.value === 'loading' && inflight) return inflight;
    inflight = fetchFirst(project, next);
    return inflight;
  }

  async function fetchFirst(project: string, next: ExplorerFilters): Promise<void> {
    const mine = ++generation;
    controller?.abort();
    controller = new AbortController();
    projectId.value = project;
    filters.value = { ...next, ...(next.filters ? { filters: [...next.filters] } : {}) };
    status.value = 'loading';
    error.value = null;
    moreError.value = null;
    items.value = [];
    nextCursor.value = null;
    fresh.value = new Set();
    try {
      const page = await fetchPage(project, next, null, controller.signal);
      if (mine !== generation) return;
      items.value = page.items;
      nextCursor.value = page.next_cursor;
      pages.value = 1;
      status.value = 'ready';
    } catch (e) {
      if (mine !== generation || (e as Error)?.name === 'AbortError') return;
      error.value = asApiError(e, 'Loading events');
      status.value = 'error';
    }
  }

  /** Appends the next page (infinite scroll). */
  async function loadMore(): Promise<void> {
    const project = projectId.value;
    const cursor = nextCursor.value;
    if (!project || !cursor || loadingMore.value || status.value !== 'ready') return;
    const mine = generation;
    loadingMore.value = true;
    moreError.value = null;
    try {
      const page = await fetchPage(project, filters.value, cursor);
      if (mine !== generation) return;
      const known = new Set(items.value.map((e) => e.event_id));
      items.value = [...items.value, ...page.items.filter((e) => !known.has(e.event_id))];
      nextCursor.value = page.next_cursor;
      pages.value++;
    } catch (e) {
      if (mine === generation) moreError.value = asApiError(e, 'Loading more events');
    } finally {
      if (mine === generation) loadingMore.value = false;
    }
  }

  /**
   * Live mode: asks for the newest page and merges what is not shown yet, in order. The cursor of
   * the list's end is untouched, so scrolling on still continues where it was.
   */
  async function pollNew(): Promise<number> {
    const project = projectId.value;
    if (!project || status.value !== 'ready') return 0;
    const mine = generation;
    const page = await fetchPage(project, filters.value, null);
    if (mine !== generation) return 0;
    const known = new Set(items.value.map((e) => e.event_id));
    const oldest = items.value[items.value.length - 1];
    const added = page.items.filter(
      (e) =>
        !known.has(e.event_id) &&
        (oldest === undefined || nextCursor.value === null || compareEvents(e, oldest) < 0),
    );
    if (added.length === 0) return 0;
    items.value = [...added, ...items.value].sort(compareEvents);
    if (oldest === undefined) nextCursor.value = page.next_cursor;
    fresh.value = new Set(added.map((e) => e.event_id));
    return added.length;
  }

  /** The drawer's event: from the list when it is there, else from the API (a shared link). */
  async function select(eventId: string | null): Promise<void> {
    if (eventId === null) {
      selected.value = null;
      selectedStatus.value = 'idle';
      selectedError.value = null;
      return;
    }
    if (selected.value?.event_id === eventId) return;
    const inList = items.value.find((e) => e.event_id === eventId);
    if (inList) {
      selected.value = inList;
      selectedStatus.value = 'ready';
      selectedError.value = null;
      return;
    }
    const project = projectId.value;
    if (!project) return;
    selected.value = null;
    selectedStatus.value = 'loading';
    selectedError.value = null;
    try {
      const event = await api.events.get(project, eventId);
      selected.value = event;
      selectedStatus.value = 'ready';
    } catch (e) {
      selectedError.value = asApiError(e, 'Loading the event');
      selectedStatus.value = 'error';
    }
  }

  /** Known event names, most frequent first, for the name filter's suggestions. */
  async function loadNames(project: string): Promise<void> {
    try {
      names.value = (await api.stats.eventNames(project, undefined, 100)).items.map((n) => n.event_name);
    } catch {
      names.value = []; // suggestions are a convenience: the filter still takes any name
    }
  }

  return {
    projectId,
    filters,
    items,
    nextCursor,
    status,
    error,
    loadingMore,
    moreError,
    fresh,
    pages,
    selected,
    selectedStatus,
    selectedError,
    names,
    hasMore,
    isEmpty,
    load,
    loadMore,
    pollNew,
    select,
    loadNames,
  };
});
