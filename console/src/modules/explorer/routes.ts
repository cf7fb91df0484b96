import type { RouteRecordRaw } from 'vue-router';
import { useExplorerStore } from '@/stores/explorer';
import { stateFromQuery } from './explorerQuery';

export const explorerRoutes: RouteRecordRaw[] = [
  {
    path: 'events',
    name: 'explorer',
    component: () => import('./ExplorerView.vue'),
    meta: { title: 'Events' },
    // Runs before the view's chunk is fetched: the first page is requested in parallel with it.
    beforeEnter: (to) => {
      void useExplorerStore().load(String(to.params.projectId), stateFromQuery(to.query).filters);
    },
  },
];
