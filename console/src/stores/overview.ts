/**
 * The overview's data for a project, a range and a time zone: the KPI row, the volume chart and the
 * top events and top pages from the Stats API (exact, filtered, days and buckets in the zone; the
 * KPIs with the previous period of equal length, a second query, for the deltas), and the bot
 * events left out. The Stats API's reports are asked as modules/overview/reports.ts asks them, also
 * for a public dashboard; the rest (bot counters, unfiltered minute buckets) are the read models'.
 *
 * Refresh strategy (called every 5 s by the view, never while the tab is hidden):
 * - a custom range that ended before the last complete fetch cannot change: no request at all;
 * - otherwise one cheap request first: the projections' checkpoints (/v1/pipeline). The read models
 *   change only when a checkpoint moves, so when the checkpoints and the minute are the same as at
 *   the last fetch, nothing else is asked;
 * - else the five reads run in parallel, each with its own loading and error state.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useApi } from '@/api/inject';
import type { NotCounted, Pipeline } from '@/api/types';
import { fetchKpis, fetchTop, fetchVolume, type ReportScope } from '@/modules/overview/reports';
import { chartFromVolume, TOP_LISTS, type ChartData, type TopItem } from '@/modules/overview/stats';
import { type Kpis } from '@/modules/overview/kpis';
import type { Filter } from '@/shared/filters';
import { useClock } from '@/shared/clock';
import { fill, loadable, reset, type Loadable } from '@/shared/loadable';
import {
  MINUTE,
  intervalFor,
  isInThePast,
  resolveRange,
  sameSpec,
  type Range,
  type RangeSpec,
} from '@/shared/time';

/** A fingerprint of how far every projection has got: equal fingerprints, equal read models. */
export function changeSignal(pipeline: Pipeline): string {
  return pipeline.projections
    .map((p) => `${p.projection}:${p.partitions.reduce((sum, part) => sum + part.next_offset, 0)}`)
    .join('|');
}

interface Fetched {
  projectId: string;
  spec: RangeSpec;
  breakdown: boolean;
  timeZone: string;
  filters: string;
  range: Range;
  /** When the fetch started. */
  at: number;
  signal: string | null;
  complete: boolean;
}

export const useOverviewStore = defineStore('overview', () => {
  const api = useApi();
  const now = useClock();

  const projectId = ref<string | null>(null);
  const spec = ref<RangeSpec>({ kind: 'preset', preset: '24h' });
  const breakdown = ref(false);
  const timeZone = ref('UTC');
  /** The dashboard's filters (shared/filters.ts): the KPIs and the chart honour them. */
  const filters = ref<Filter[]>([]);
  const filterKey = () => JSON.stringify(filters.value);

  /** GET /v1/stats/not-counted: the bot events and the excluded addresses' events the reports leave out. */
  const notCounted = loadable<NotCounted>();
  const kpis = loadable<Kpis>();
  const volume = loadable<ChartData>();
  const topEvents = loadable<TopItem[]>();
  const topPages = loadable<TopItem[]>();

  const lastFetched = ref<Fetched | null>(null);
  const lastCheckedAt = ref<number | null>(null);
  /** Requests made by refresh(), by kind: for tests and the curious. */
  const requests = ref({ signal: 0, data: 0, skippedPast: 0, skippedUnchanged: 0 });
  let generation = 0;

  const range = computed(() => lastFetched.value?.range ?? resolveRange(spec.value, now()));
  const interval = computed(() => intervalFor(range.value));

  /** `timeZone`: the IANA zone the Stats API counts days and buckets in (default UTC). */
  function configure(next: {
    projectId: string;
    spec: RangeSpec;
    breakdown: boolean;
    timeZone?: string;
    filters?: Filter[];
  }): void {
    filters.value = next.filters ?? [];
    const changed =
      next.projectId !== projectId.value ||
      !sameSpec(next.spec, spec.value) ||
      next.breakdown !== breakdown.value;
    projectId.value = next.projectId;
    spec.value = next.spec;
    breakdown.value = next.breakdown;
    timeZone.value = next.timeZone ?? 'UTC';
    if (changed && lastFetched.value?.projectId !== next.projectId) {
      for (const part of [notCounted, kpis, volume, topEvents, topPages] as Array<Loadable<unknown>>)
        reset(part);
    }
  }

  /** Refetches what can have changed; `force` refetches everything. */
  async function refresh(force = false): Promise<void> {
    const project = projectId.value;
    if (!project) return;
    const startedAt = now();
    const mine = ++generation;
    const last = lastFetched.value;
    const same =
      last !== null &&
      last.complete &&
      last.projectId === project &&
      last.breakdown === breakdown.value &&
      last.timeZone === timeZone.value &&
      last.filters === filterKey() &&
      sameSpec(last.spec, spec.value);

    if (!force && same && isInThePast(spec.value, last.at)) {
      requests.value.skippedPast++;
      lastCheckedAt.value = startedAt;
      return;
    }

    let signal: string | null = null;
    try {
      requests.value.signal++;
      signal = changeSignal(await api.pipeline.status());
    } catch {
      signal = null; // no signal: fetch everything
    }
    if (mine !== generation) return;
    const sameMinute = last !== null && Math.floor(last.at / MINUTE) === Math.floor(startedAt / MINUTE);
    if (
      !force &&
      same &&
      signal !== null &&
      signal === last.signal &&
      (sameMinute || spec.value.kind === 'custom')
    ) {
      requests.value.skippedUnchanged++;
      lastCheckedAt.value = startedAt;
      return;
    }

    const r = resolveRange(spec.value, startedAt);
    const withBreakdown = breakdown.value;
    const zone = timeZone.value;
    const narrowed = filters.value;
    const unit = intervalFor(r);
    const scope: ReportScope = { projectId: project, range: r, timeZone: zone, filters: narrowed };
    requests.value.data++;
    const results = await Promise.all([
      fill(notCounted, () => api.stats.notCounted(project, r), 'Loading the bot events'),
      fill(kpis, () => fetchKpis(api, scope), 'Loading the counters'),
      fill(
        volume,
        async () =>
          unit === 'minute' && narrowed.length === 0
            ? chartFromVolume(
                await api.stats.volume(project, { ...r, interval: unit, breakdown: withBreakdown }),
                zone,
              )
            : fetchVolume(api, scope, unit, withBreakdown),
        'Loading the event volume',
      ),
      fill(topEvents, () => fetchTop(api, scope, 'events'), TOP_LISTS.events.action),
      fill(topPages, () => fetchTop(api, scope, 'pages'), TOP_LISTS.pages.action),
    ]);
    if (mine !== generation) return;
    lastFetched.value = {
      projectId: project,
      spec: spec.value,
      breakdown: withBreakdown,
      timeZone: zone,
      filters: JSON.stringify(narrowed),
      range: r,
      at: startedAt,
      signal,
      complete: results.every(Boolean),
    };
    lastCheckedAt.value = startedAt;
  }

  return {
    projectId,
    spec,
    breakdown,
    timeZone,
    filters,
    notCounted,
    kpis,
    volume,
    topEvents,
    topPages,
    range,
    interval,
    lastFetched,
    lastCheckedAt,
    requests,
    configure,
    refresh,
  };
});
