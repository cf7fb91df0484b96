import type { RouteRecordRaw } from 'vue-router';

export const keysRoutes: RouteRecordRaw[] = [
  { path: 'keys', name: 'keys', component: () => import('./KeysView.vue'), meta: { title: 'API keys' } },
];
