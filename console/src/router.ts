/**
 * Routes: every screen is lazy-loaded from its module. The guard sends anyone without a session to
 * the login page with a `redirect` back; the project being looked at is part of every URL under
 * /p/:projectId, so a copied link opens the same project. A public dashboard (/share/:token) is
 * outside the shell and the guard: it needs no session and shows nothing else of the console.
 */
import type { Pinia } from 'pinia';
import {
  createRouter,
  type RouteLocationRaw,
  type RouteRecordRaw,
  type Router,
  type RouterHistory,
} from 'vue-router';
import { accountRoutes } from '@/modules/account/routes';
import { authRoutes } from '@/modules/auth/routes';
import { explorerRoutes } from '@/modules/explorer/routes';
import { funnelsRoutes } from '@/modules/funnels/routes';
import { goalsRoutes } from '@/modules/goals/routes';
import { keysRoutes } from '@/modules/keys/routes';
import { overviewRoutes } from '@/modules/overview/routes';
import { pipelineRoutes } from '@/modules/pipeline/routes';
import { projectsRoutes } from '@/modules/projects/routes';
import { sessionsRoutes } from '@/modules/sessions/routes';
import { settingsRoutes } from '@/modules/settings/routes';
import { shareRoutes } from '@/modules/share/routes';
import { setupRoutes } from '@/modules/setup/routes';
import { useProjectSettingsStore } from '@/stores/projectSettings';
import { useProjectsStore } from '@/stores/projects';
import { useSessionStore } from '@/stores/session';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean;
    /** The document title. */
    title?: string;
  }
}

/** Only paths of this app: never an absolute URL or a protocol-relative one (open redirects). */
export function safeRedirect(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return undefined;
  if (value.startsWith('/login')) return undefined;
  return value;
}

export function consoleRoutes(): RouteRecordRaw[] {
  return [
    ...authRoutes,
    ...shareRoutes,
    {
      path: '/',
      component: () => import('@/modules/shell/AppShell.vue'),
      children: [
        {
          path: '',
          name: 'home',
          component: () => import('@/modules/shell/HomeRedirect.vue'),
          meta: { title: 'EventLens' },
        },
        ...projectsRoutes,
        ...accountRoutes,
        {
          path: 'p/:projectId',
          children: [
            { path: '', redirect: (to) => ({ name: 'overview', params: to.params }) },
            ...overviewRoutes,
            ...explorerRoutes,
            ...goalsRoutes,
            ...funnelsRoutes,
            ...sessionsRoutes,
            ...setupRoutes,
            ...keysRoutes,
            ...pipelineRoutes,
            ...settingsRoutes,
          ],
        },
        {
          path: ':pathMatch(.*)*',
          name: 'not-found',
          component: () => import('@/modules/shell/NotFoundView.vue'),
          meta: { title: 'Not found' },
        },
      ],
    },
  ];
}

export function createConsoleRouter(options: { history: RouterHistory; pinia: Pinia }): Router {
  const router = createRouter({
    history: options.history,
    routes: consoleRoutes(),
    scrollBehavior: (_to, _from, saved) => saved ?? undefined,
  });

  router.beforeEach(async (to): Promise<RouteLocationRaw | boolean> => {
    const session = useSessionStore(options.pinia);
    if (to.meta.public) {
      if (to.name === 'login' && (await session.ensure()))
        return safeRedirect(to.query.redirect) ?? { name: 'home' };
      return true;
    }
    if (!(await session.ensure())) {
      return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
    }
    const projectId = to.params.projectId;
    if (typeof projectId === 'string') {
      useProjectsStore(options.pinia).select(projectId);
      // Its default time zone; screens that count in it (the Overview, Funnels) wait for it.
      void useProjectSettingsStore(options.pinia).load(projectId);
    }
    return true;
  });

  router.afterEach((to) => {
    if (typeof document !== 'undefined')
      document.title = to.meta.title ? `${to.meta.title} · EventLens` : 'EventLens';
  });

  return router;
}
