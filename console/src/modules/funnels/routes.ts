import type { RouteRecordRaw } from 'vue-router';

export const funnelsRoutes: RouteRecordRaw[] = [
  {
    path: 'funnels',
    name: 'funnels',
    component: () => import('./FunnelsView.vue'),
    meta: { title: 'Funnels' },
  },
];
