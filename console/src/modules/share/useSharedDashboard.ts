/**
 * The data of a public dashboard: the Overview's KPI row (with its deltas against the previous
 * period), its event volume and its panels, for one project, range, zone and filters — asked of the
 * Stats API only, the one report route a grant may call besides the settings (modules/share). The
 * questions and the shapes of their answers are the Overview's own (modules/overview/stats.ts and
 * panels.ts); the panels' state has the dashboard store's shape, so the Overview's ReportPanel shows
 * it as it is. Not a Pinia store: it lives with the page, over the API it is given (the grant's).
 */
import { reactive, ref } from 'vue';
import type { Api } from '@/api';
import type { ApiError } from '@/api/http';
import {
  PAGE_SIZE,
  PANELS,
  panelData,
  panelQuery,
  type PanelData,
  type PanelId,
} from '@/modules/overview/panels';
import {
  chartFromStats,
  chartQuery,
  kpiQuery,
  kpiValues,
  previousRange,
  type ChartData,
  type Kpis,
} from '@/modules/overview/stats';
import type { Filter } from '@/shared/filters';
import { fill, loadable, reset, type Loadable } from '@/shared/loadable';
import { intervalFor, type Range } from '@/shared/time';

export interface SharedScope {
  projectId: string;
  range: Range;
  timeZone: string;
  filters: Filter[];
}

interface PanelState {
  tab: number;
  limit: number;
  data: Loadable<PanelData>;
}

export function useSharedDashboard(api: Api) {
  const kpis = loadable<Kpis>();
  const volume = loadable<ChartData>();
  const panels = reactive(
    Object.fromEntries(
      PANELS.map((p) => [p.id, { tab: 0, limit: PAGE_SIZE, data: loadable<PanelData>() }]),
    ) as Record<PanelId, PanelState>,
  );
  const scope = ref<SharedScope | null>(null);
  const interval = ref(intervalFor({ from: 0, to: 24 * 3600_000 }));
  /** Per report: the last request's number; an older answer is dropped. */
  const generations: Record<string, number> = {};
  const superseded = () => new DOMException('superseded', 'AbortError');

  async function latest<T>(key: string, fetch: () => Promise<T>): Promise<T> {
    const mine = (generations[key] = (generations[key] ?? 0) + 1);
    const answer = await fetch();
    if (mine !== generations[key]) throw superseded();
    return answer;
  }

  async function loadPanel(id: PanelId): Promise<void> {
    const s = scope.value;
    if (!s) return;
    const state = panels[id];
    const def = PANELS.find((p) => p.id === id)!;
    const dimension = def.tabs[state.tab]!.dimension;
    const action = `Loading ${def.title.toLowerCase()}`;
    await fill(
      state.data,
      () =>
        latest(`panel:${id}`, async () =>
          panelData(
            dimension,
            await api.stats.query(
              panelQuery(s.projectId, s.range, s.timeZone, s.filters, dimension, state.limit),
              undefined,
              action,
            ),
          ),
        ),
      action,
    );
  }

  /** Asks every report again for `next`. */
  async function refresh(next: SharedScope): Promise<void> {
    scope.value = next;
    const { projectId, range, timeZone, filters } = next;
    const unit = intervalFor(range);
    interval.value = unit;
    await Promise.all([
      fill(
        kpis,
        () =>
          latest('kpis', async () => {
            const [current, previous] = await Promise.all([
              api.stats.query(
                kpiQuery(projectId, range, timeZone, filters),
                undefined,
                'Loading the counters',
              ),
              api.stats.query(
                kpiQuery(projectId, previousRange(range), timeZone, filters),
                undefined,
                'Loading the previous period',
              ),
            ]);
            return { current: kpiValues(current), previous: kpiValues(previous) };
          }),
        'Loading the counters',
      ),
      fill(
        volume,
        () =>
          latest('volume', async () =>
            chartFromStats(
              await api.stats.query(
                chartQuery(projectId, range, timeZone, unit, false, filters),
                undefined,
                'Loading the event volume',
              ),
              unit,
              range,
              timeZone,
              false,
            ),
          ),
        'Loading the event volume',
      ),
      ...PANELS.map((p) => loadPanel(p.id)),
    ]);
  }

  async function selectTab(id: PanelId, tab: number): Promise<void> {
    if (panels[id].tab === tab) return;
    panels[id].tab = tab;
    panels[id].limit = PAGE_SIZE;
    reset(panels[id].data);
    await loadPanel(id);
  }

  async function more(id: PanelId): Promise<void> {
    panels[id].limit += PAGE_SIZE;
    await loadPanel(id);
  }

  /** The first error of the reports shown, if any: a 401 means the grant no longer holds. */
  function firstError(): ApiError | null {
    return kpis.error ?? volume.error ?? PANELS.map((p) => panels[p.id].data.error).find(Boolean) ?? null;
  }

  return { kpis, volume, panels, scope, interval, refresh, selectTab, more, loadPanel, firstError };
}

export type SharedDashboard = ReturnType<typeof useSharedDashboard>;
