/**
 * A fake HttpClient for tests: routes answered by handlers, every request recorded. The real typed
 * API functions run on top of it, so a test checks the paths, queries, headers and bodies the
 * console sends, without mocking any module.
 */
import { ApiError, type HttpClient, type HttpRequest } from '@/api/http';

export type Handler = (req: HttpRequest, params: Record<string, string>) => unknown;

interface Route {
  method: HttpRequest['method'];
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

export interface FakeHttp {
  /**
   * `path` may hold `:params`; a later route for the same path wins, except a `fallback`, which
   * only answers when no other route does.
   */
  on(
    method: HttpRequest['method'],
    path: string,
    handler: Handler | unknown,
    options?: { fallback?: boolean },
  ): FakeHttp;
  calls: HttpRequest[];
  callsTo(method: HttpRequest['method'], path: string): HttpRequest[];
  client(onUnauthorized?: (error: ApiError) => void): HttpClient;
}

export function apiError(
  status: number,
  code: string,
  message: string,
  action = 'Loading',
  fields: Array<{ field: string; message: string }> = [],
): ApiError {
  return new ApiError(status, code, message, action, fields);
}

export function createFakeHttp(): FakeHttp {
  const routes: Route[] = [];
  const calls: HttpRequest[] = [];

  const compile = (path: string) => {
    const names: string[] = [];
    const source = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return { pattern: new RegExp(`^${source}$`), names };
  };

  const fake: FakeHttp = {
    calls,
    on(method, path, handler, options) {
      const { pattern, names } = compile(path);
      const h: Handler =
        typeof handler === 'function' ? (handler as Handler) : () => structuredClone(handler);
      if (options?.fallback) routes.push({ method, pattern, names, handler: h });
      else routes.unshift({ method, pattern, names, handler: h });
      return fake;
    },
    callsTo(method, path) {
      const { pattern } = compile(path);
      return calls.filter((c) => c.method === method && pattern.test(c.path));
    },
    client(onUnauthorized) {
      return {
        async request<T>(req: HttpRequest): Promise<T> {
          calls.push(req);
          await Promise.resolve();
          for (const route of routes) {
            if (route.method !== req.method) continue;
            const m = route.pattern.exec(req.path);
            if (!m) continue;
            const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
            try {
              return (await route.handler(req, params)) as T;
            } catch (error) {
              if (error instanceof ApiError && error.status === 401 && !req.unauthorizedIsAnswer)
                onUnauthorized?.(error);
              if (error instanceof ApiError)
                throw new ApiError(error.status, error.code, error.detail, req.action, error.fields);
              throw error;
            }
          }
          throw new ApiError(404, 'NOT_FOUND', `no fake route for ${req.method} ${req.path}`, req.action);
        },
      };
    },
  };
  return fake;
}
