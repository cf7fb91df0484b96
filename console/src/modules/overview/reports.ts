/**
 * The dashboard's reports asked of the Stats API (POST /api/v2/query) over the client they are
 * given: the console's (the Overview, stores/overview.ts and stores/dashboard.ts; the Goals screen)
 * or a public dashboard's, bound to its grant (modules/share/SharedDashboard.vue). The questions and
 * the shapes of their answers are stats.ts's and panels.ts's.
 */
import { reactive, ref } from 'vue';
import type { Api } from '@/api';
import type { StatsQuery, StatsResult } from '@/api/types';
import type { Filter } from '@/shared/filters';
import { fill, latest, loadable, reset, type Loadable } from '@/shared/loadable';
import type { Range } from '@/shared/time';
import {
  PAGE_SIZE,
  PANELS,
  panelData,
  panelQuery,
  tabFilters,
  visitorsQuery,
  type PanelData,
  type PanelId,
} from './panels';
import {
  chartFromStats,
  chartQuery,
  previousRange,
  TOP_LISTS,
  topItems,
  topQuery,
  type ChartData,
  type StatsUnit,
  type TopItem,
  type TopList,
} from './stats';
import { kpiMetrics, kpiQuery, kpiValues, type Kpis } from './kpis';

/** What a report counts over: the project, the range as resolved when asked, the zone, the filters. */
export interface ReportScope {
  projectId: string;
  range: Range;
  timeZone: string;
  filters: readonly Filter[];
}

/**
 * `query` over `range` and over the previous period of equal length (stats.ts, `previousRange`),
 * asked in parallel: the answers of this period and of the one before.
 */
export function withPreviousPeriod(
  api: Api,
  range: Range,
  query: (range: Range) => StatsQuery,
  action: string,
): Promise<[StatsResult, StatsResult]> {
  return Promise.all([
    api.stats.query(query(range), undefined, action),
    api.stats.query(query(previousRange(range)), undefined, 'Loading the previous period'),
  ]);
}

/** The KPI row of `scope`, with the previous period's figures for the deltas. */
export async function fetchKpis(api: Api, scope: ReportScope): Promise<Kpis> {
  const [current, previous] = await withPreviousPeriod(
    api,
    scope.range,
    (range) => kpiQuery(scope.projectId, range, scope.timeZone, scope.filters),
    'Loading the counters',
  );
  const metrics = kpiMetrics(scope.filters);
  return { metrics, current: kpiValues(current, metrics), previous: kpiValues(previous, metrics) };
}

/** The event volume of `scope` in `unit` buckets, by event name with `breakdown`. */
export async function fetchVolume(
  api: Api,
  scope: ReportScope,
  unit: StatsUnit,
  breakdown: boolean,
): Promise<ChartData> {
  const { projectId, range, timeZone, filters } = scope;
  const result = await api.stats.query(
    chartQuery(projectId, range, timeZone, unit, breakdown, filters),
    undefined,
    'Loading the event volume',
  );
  return chartFromStats(result, unit, range, timeZone, breakdown);
}

/** A top list of `scope` (stats.ts, `TOP_LISTS`): its 10 largest rows. */
export async function fetchTop(api: Api, scope: ReportScope, list: TopList): Promise<TopItem[]> {
  const { projectId, range, timeZone, filters } = scope;
  const query = topQuery(projectId, range, timeZone, filters, list);
  return topItems(await api.stats.query(query, undefined, TOP_LISTS[list].action));
}

/** One panel: its chosen tab, how many rows it shows, and its data. */
export interface PanelState {
  tab: number;
  limit: number;
  data: Loadable<PanelData>;
}

/**
 * The dashboard's panels (panels.ts) over `api`, for the scope of the last `refresh`: a new tab or
 * "More" asks for that panel alone, and an older answer for a panel is dropped.
 */
export function usePanels(api: Api) {
  const scope = ref<ReportScope | null>(null);
  const panels = reactive(
    Object.fromEntries(
      PANELS.map((p) => [p.id, { tab: 0, limit: PAGE_SIZE, data: loadable<PanelData>() }]),
    ) as Record<PanelId, PanelState>,
  );
  const latestOf = Object.fromEntries(PANELS.map((p) => [p.id, latest()]));

  // The range's visitors, which every panel's percentage divides by: given by the caller that has
  // them (the KPI row counts them for the same scope), else asked once per scope (a tab or "More"
  // reuses it), and again after it failed.
  let allVisitors: { scope: ReportScope; answer: Promise<number> } | null = null;
  const ask = (s: ReportScope): Promise<number> =>
    api.stats
      .query(visitorsQuery(s.projectId, s.range, s.timeZone, s.filters), undefined, 'Loading the visitors')
      .then((r) => r.results[0]?.metrics[0] ?? 0);
  function remember(s: ReportScope, answer: Promise<number>): Promise<number> {
    answer.catch(() => {
      if (allVisitors?.answer === answer) allVisitors = null;
    });
    allVisitors = { scope: s, answer };
    return answer;
  }
  function visitorsOf(s: ReportScope): Promise<number> {
    return allVisitors?.scope === s ? allVisitors.answer : remember(s, ask(s));
  }

  async function load(id: PanelId): Promise<void> {
    const s = scope.value;
    if (!s) return;
    const state = panels[id];
    const def = PANELS.find((p) => p.id === id)!;
    const dimension = def.tabs[state.tab]!.dimension;
    const action = `Loading ${def.title.toLowerCase()}`;
    const filters = tabFilters(def, dimension, s.filters);
    const query = panelQuery(s.projectId, s.range, s.timeZone, filters, dimension, state.limit);
    await fill(
      state.data,
      () =>
        latestOf[id]!(async () => {
          const [result, all] = await Promise.all([api.stats.query(query, undefined, action), visitorsOf(s)]);
          return panelData(dimension, result, all);
        }),
      action,
    );
  }

  /**
   * Asks every panel again for `next`; a new project starts empty. `visitors`: the scope's visitors
   * when the caller counts them already (the KPI row's `visitors`: the same question), so the
   * percentages cost no query of their own; if that promise fails, the panels ask for them.
   */
  async function refresh(next: ReportScope, visitors?: Promise<number>): Promise<void> {
    if (scope.value?.projectId !== next.projectId) {
      for (const p of PANELS) {
        reset(panels[p.id].data);
        panels[p.id].limit = PAGE_SIZE;
      }
    }
    scope.value = next;
    // scope.value, not next: the ref holds a reactive proxy of it, which load() compares by identity.
    const s = scope.value!;
    if (visitors)
      remember(
        s,
        visitors.catch(() => ask(s)),
      );
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
}
