/**
 * The console as a Vue plugin, built from its collaborators: the HTTP client (made by a factory
 * that receives the "session expired" hook), the router history, the clock. main.ts passes the
 * real ones; tests pass a fake client and a memory history, and mount the same App.
 */
import { createPinia, type Pinia } from 'pinia';
import type { App } from 'vue';
import type { RouteLocationNormalized, Router, RouterHistory } from 'vue-router';
import { createApi, type Api } from './api';
import type { ApiError, HttpClient } from './api/http';
import { API } from './api/inject';
import { storedSessionHint, withSessionHint, type SessionHint } from './api/sessionHint';
import { createConsoleRouter, safeRedirect } from './router';
import { CLOCK, type Clock } from './shared/clock';
import { useSessionStore } from './stores/session';

export interface ConsoleOptions {
  /** Makes the HTTP client; it must call `onUnauthorized` on any 401. */
  http: (hooks: { onUnauthorized: (error: ApiError) => void }) => HttpClient;
  history: RouterHistory;
  clock?: Clock;
  /** Whether this browser may have a session (default: localStorage; see api/sessionHint.ts). */
  sessionHint?: SessionHint;
}

export interface Console {
  install(app: App): void;
  router: Router;
  api: Api;
  pinia: Pinia;
}

export function createConsole(options: ConsoleOptions): Console {
  const pinia = createPinia();
  const router = createConsoleRouter({ history: options.history, pinia });

  // Where the user is going: a 401 can answer a request made before the navigation finished
  // (the explorer asks for its first page as the route resolves).
  let target: RouteLocationNormalized | undefined;
  router.beforeEach((to) => {
    target = to;
  });
  router.afterEach(() => {
    target = undefined;
  });

  const api = createApi(
    withSessionHint(
      options.http({
        // An expired session, from any call: back to the login page, and from there back here.
        onUnauthorized: () => {
          useSessionStore(pinia).markExpired();
          const where = target ?? router.currentRoute.value;
          if (where.meta.public) return;
          const redirect = safeRedirect(where.fullPath);
          void router.push({ name: 'login', query: { ...(redirect ? { redirect } : {}), expired: '1' } });
        },
      }),
      options.sessionHint ?? storedSessionHint(),
    ),
  );

  return {
    router,
    api,
    pinia,
    install(app: App) {
      app.provide(API, api);
      if (options.clock) app.provide(CLOCK, options.clock);
      app.use(pinia);
      app.use(router);
    },
  };
}
