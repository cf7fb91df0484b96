import type { RouteRecordRaw } from 'vue-router';

export const projectsRoutes: RouteRecordRaw[] = [
  {
    path: 'projects',
    name: 'projects',
    component: () => import('./ProjectsView.vue'),
    meta: { title: 'Projects' },
  },
];
