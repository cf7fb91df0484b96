import type { RouteRecordRaw } from 'vue-router';

export const pipelineRoutes: RouteRecordRaw[] = [
  {
    path: 'pipeline',
    name: 'pipeline',
    component: () => import('./PipelineView.vue'),
    meta: { title: 'Pipeline' },
  },
];
