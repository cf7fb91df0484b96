import type { RouteRecordRaw } from 'vue-router';

export const sessionsRoutes: RouteRecordRaw[] = [
  {
    path: 'sessions',
    name: 'sessions',
    component: () => import('./SessionsView.vue'),
    meta: { title: 'Sessions' },
  },
  {
    path: 'sessions/:sessionId',
    name: 'session',
    component: () => import('./SessionView.vue'),
    meta: { title: 'Session' },
  },
];
