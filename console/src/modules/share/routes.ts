import type { RouteRecordRaw } from 'vue-router';

/** The public dashboard: outside the console's shell and its login guard (`meta.public`). */
export const shareRoutes: RouteRecordRaw[] = [
  {
    path: '/share/:token',
    name: 'share',
    component: () => import('./ShareView.vue'),
    meta: { public: true, title: 'Shared dashboard' },
  },
];
