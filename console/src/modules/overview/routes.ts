import type { RouteRecordRaw } from 'vue-router';
import { useProjectSettingsStore } from '@/stores/projectSettings';

export const overviewRoutes: RouteRecordRaw[] = [
  {
    path: 'overview',
    name: 'overview',
    component: () => import('./OverviewView.vue'),
    meta: { title: 'Overview' },
    // Counted in the project's zone by default: its settings first (a failure: the browser's zone).
    beforeEnter: async (to) => {
      await useProjectSettingsStore().load(String(to.params.projectId));
    },
  },
];
