/**
 * The Funnels screen's result: one POST /api/v2/funnel (modules/funnels/funnel.ts) at a time; a
 * newer run drops an older answer.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { useApi } from '@/api/inject';
import type { FunnelQuery, FunnelResult } from '@/api/types';
import { fill, loadable, reset } from '@/shared/loadable';

export const useFunnelsStore = defineStore('funnels', () => {
  const api = useApi();
  const result = loadable<FunnelResult>();
  /** The query the shown result answers. */
  const ran = ref<FunnelQuery | null>(null);
  let controller: AbortController | null = null;

  async function run(query: FunnelQuery): Promise<void> {
    controller?.abort();
    const mine = (controller = new AbortController());
    if (ran.value?.site_id !== query.site_id) reset(result);
    ran.value = query;
    await fill(result, () => api.stats.funnel(query, mine.signal), 'Running the funnel');
  }

  function clear(): void {
    controller?.abort();
    ran.value = null;
    reset(result);
  }

  return { result, ran, run, clear };
});
