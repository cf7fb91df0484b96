/**
 * The event contracts (read-only): each record's registry subject, compatibility level and
 * versions, with the records each projection took of each version. A query side without
 * `GET /v1/contracts` answers 404: `available` turns false and the screen leaves the section out.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError } from '@/api/http';
import { useApi } from '@/api/inject';
import type { Contracts } from '@/api/types';
import { fill, loadable } from '@/shared/loadable';

export const useContractsStore = defineStore('contracts', () => {
  const api = useApi();
  const contracts = loadable<Contracts>();
  /** False once the query side said it has no such route (an older query side). */
  const available = ref(true);

  async function load(): Promise<void> {
    if (!available.value) return;
    await fill(contracts, () => api.pipeline.contracts(), 'Loading the contracts');
    if (contracts.error instanceof ApiError && contracts.error.status === 404) available.value = false;
  }

  return { contracts, available, load };
});
