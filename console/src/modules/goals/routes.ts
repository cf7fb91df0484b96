import type { RouteRecordRaw } from 'vue-router';
import { useProjectSettingsStore } from '@/stores/projectSettings';

export const goalsRoutes: RouteRecordRaw[] = [
  {
    path: 'goals',
    name: 'goals',
    component: () => import('./GoalsView.vue'),
    meta: { title: 'Goals' },
    // The goals are the project's settings (and its zone the default one): read first; a failure
    // is shown by the screen, with "Try again".
    beforeEnter: async (to) => {
      await useProjectSettingsStore().load(String(to.params.projectId));
    },
  },
];
