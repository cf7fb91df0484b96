/**
 * The dashboard's panels under the Overview (modules/overview/panels.ts): for each panel its
 * chosen tab, how many rows are shown, and its data from the Stats API, for the Overview's
 * project, range, zone and filters.
 *
 * Refresh: the view calls `refresh()` whenever the Overview's store has fetched its data again
 * (its cheap change signal decides that), so the panels ask exactly when the KPIs do; a new tab or
 * "More" asks for that panel alone.
 */
import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import { useApi } from '@/api/inject';
import type { Filter } from '@/shared/filters';
import {
  PAGE_SIZE,
  PANELS,
  panelData,
  panelQuery,
  type PanelData,
  type PanelId,
} from '@/modules/overview/panels';
import { fill, loadable, reset, type Loadable } from '@/shared/loadable';
import type { Range } from '@/shared/time';

interface PanelState {
  tab: number;
  limit: number;
  data: Loadable<PanelData>;
}

export interface DashboardScope {
  projectId: string;
  range: Range;
  timeZone: string;
  filters: Filter[];
}

export const useDashboardStore = defineStore('dashboard', () => {
  const api = useApi();
  const scope = ref<DashboardScope | null>(null);
  const panels = reactive(
    Object.fromEntries(
      PANELS.map((p) => [p.id, { tab: 0, limit: PAGE_SIZE, data: loadable<PanelData>() }]),
    ) as Record<PanelId, PanelState>,
  );
  /** Per panel: the last request's number; an older answer is dropped. */
  const generations = Object.fromEntries(PANELS.map((p) => [p.id, 0])) as Record<PanelId, number>;

  async function load(id: PanelId): Promise<void> {
    const s = scope.value;
    if (!s) return;
    const state = panels[id];
    const def = PANELS.find((p) => p.id === id)!;
    const dimension = def.tabs[state.tab]!.dimension;
    const mine = ++generations[id];
    const action = `Loading ${def.title.toLowerCase()}`;
    await fill(
      state.data,
      async () => {
        const result = await api.stats.query(
          panelQuery(s.projectId, s.range, s.timeZone, s.filters, dimension, state.limit),
          undefined,
          action,
        );
        // A newer request (another tab, "More", a refresh) is on its way: this answer is dropped.
        if (mine !== generations[id]) throw new DOMException('superseded', 'AbortError');
        return panelData(dimension, result);
      },
      action,
    );
  }

  /** Asks every panel again for `next` (the Overview's latest fetch); a new project starts empty. */
  async function refresh(next: DashboardScope): Promise<void> {
    if (scope.value?.projectId !== next.projectId) {
      for (const p of PANELS) {
        reset(panels[p.id].data);
        panels[p.id].limit = PAGE_SIZE;
      }
    }
    scope.value = next;
    await Promise.all(PANELS.map((p) => load(p.id)));
  }

  /** Shows another tab of a panel, from its first rows. */
  async function selectTab(id: PanelId, tab: number): Promise<void> {
    if (panels[id].tab === tab) return;
    panels[id].tab = tab;
    panels[id].limit = PAGE_SIZE;
    reset(panels[id].data);
    await load(id);
  }

  /** "More": the next PAGE_SIZE rows of a panel (asked as one larger top-N, so rows never repeat). */
  async function more(id: PanelId): Promise<void> {
    panels[id].limit += PAGE_SIZE;
    await load(id);
  }

  return { scope, panels, refresh, selectTab, more, load };
});
