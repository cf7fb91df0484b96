import type { RouteRecordRaw } from 'vue-router';
import { useProjectSettingsStore } from '@/stores/projectSettings';

export const funnelsRoutes: RouteRecordRaw[] = [
  {
    path: 'funnels',
    name: 'funnels',
    component: () => import('./FunnelsView.vue'),
    meta: { title: 'Funnels' },
    // Counted in the project's zone by default: its settings first (a failure: the browser's zone).
    beforeEnter: async (to) => {
      await useProjectSettingsStore().load(String(to.params.projectId));
    },
  },
];
