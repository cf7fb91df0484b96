/**
 * 405 for a method a path does not take (docs/CONVENTIONS.md, HTTP errors). Which methods a path
 * takes is read from the Express 5 app itself: its router's stack is walked with each layer's own
 * matcher, the one dispatch uses, so the answer agrees with what the app would route and no list
 * of routes is kept by hand. Nested routers (`app.use(router)`, `router.use('/prefix', router)`)
 * are followed; a sub-application (`app.use(otherApp)`) is not, as none of the services mounts one.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What router 2 (Express 5) keeps of one layer, as far as matching a path goes. */
interface RouterLayer {
  /** The matched prefix (`path`), or false; may throw on a malformed %-escape in a parameter. */
  match(path: string): false | { path: string };
  /** A route (`router.get(…)`): its methods, lower case, `_all` for `router.all`. */
  route?: { methods: Record<string, boolean | undefined> };
  /** A middleware; a nested router is a function with a `stack` of its own. */
  handle?: unknown;
}

/** The layers of a router (`app.router`, or an `express.Router()`), or undefined for anything else. */
function stackOf(router: unknown): readonly RouterLayer[] | undefined {
  const stack = (router as { stack?: unknown } | null | undefined)?.stack;
  return Array.isArray(stack) ? (stack as RouterLayer[]) : undefined;
}

/** The layer's match of `path`, or false; a path the matcher cannot decode matches nothing. */
function matchOf(layer: RouterLayer, path: string): false | { path: string } {
  try {
    return layer.match(path);
  } catch {
    return false;
  }
}

/**
 * What a nested router sees of `path` once a mount matched `prefix` (the router's trimPrefix):
 * the rest, starting with `/`; undefined when the prefix does not end on a segment boundary.
 */
function restAfter(path: string, prefix: string): string | undefined {
  if (prefix.length === 0) return path;
  if (!path.startsWith(prefix)) return undefined;
  const rest = path.slice(prefix.length);
  if (rest !== '' && !rest.startsWith('/')) return undefined;
  return rest === '' ? '/' : rest;
}

/** Adds to `into` the methods of every route of `router` (and its nested routers) matching `path`. */
function collect(router: unknown, path: string, into: Set<string>): void {
  for (const layer of stackOf(router) ?? []) {
    const match = matchOf(layer, path);
    if (!match) continue;
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') into.add(method.toUpperCase());
      }
    } else if (stackOf(layer.handle)) {
      const rest = restAfter(path, match.path);
      if (rest !== undefined) collect(layer.handle, rest, into);
    }
  }
}

/**
 * The methods `router` routes `path` to, upper case and sorted, e.g. `['GET', 'HEAD']`; empty
 * when no route matches the path. HEAD is there wherever GET is (Express answers HEAD with the GET
 * handler). `router` is an Express 5 app's `app.router` or an `express.Router()`.
 */
export function allowedMethods(router: unknown, path: string): string[] {
  const methods = new Set<string>();
  collect(router, path, methods);
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/** The parts of a 405: the `Allow` header's value, and the error's one-line message. */
export interface MethodNotAllowed {
  allow: string;
  message: string;
}

/**
 * The 405 for `method` on `path`, which takes `allowed` (from `allowedMethods`), or undefined
 * when it is no 405: the path takes no method (an unknown path stays a 404), or only OPTIONS, or
 * the request is an OPTIONS itself (preflights and Express's own OPTIONS answers stay as they are).
 * The message names what to use instead, leaving out HEAD beside GET and OPTIONS:
 * "GET is not allowed on /v1/events; use POST".
 */
export function methodNotAllowed(
  method: string,
  path: string,
  allowed: readonly string[],
): MethodNotAllowed | undefined {
  if (method === 'OPTIONS') return undefined;
  const named = allowed.filter((m) => m !== 'OPTIONS' && !(m === 'HEAD' && allowed.includes('GET')));
  if (named.length === 0) return undefined;
  const use = named.length === 1 ? named[0] : `${named.slice(0, -1).join(', ')} or ${named.at(-1)}`;
  return { allow: allowed.join(', '), message: `${method} is not allowed on ${path}; use ${use}` };
}

/** The request as far as `unroutedHandler` reads it; an Express request is one. */
export interface UnroutedRequest extends IncomingMessage {
  method: string;
  /** The path as the app's router sees it (Express's `req.path`). */
  path: string;
  app: { router: unknown };
}

export interface UnroutedOptions {
  /** The error passed on when no route takes the path at all (each service's 404). */
  notFound: (req: UnroutedRequest) => unknown;
  /** The error passed on for a method the path does not take (a 405 METHOD_NOT_ALLOWED with `message`). */
  methodNotAllowed: (message: string, req: UnroutedRequest) => unknown;
}

/**
 * The middleware after every route of an app: it passes on a 405 (with `Allow` set on the response,
 * so the error handler's answer carries it) when another method would have been routed, else the
 * service's 404. Either goes to the service's error handler, which gives the shared error shape.
 */
export function unroutedHandler(options: UnroutedOptions) {
  return (req: UnroutedRequest, res: ServerResponse, next: (error: unknown) => void): void => {
    const refusal = methodNotAllowed(req.method, req.path, allowedMethods(req.app.router, req.path));
    if (!refusal) {
      next(options.notFound(req));
      return;
    }
    res.setHeader('Allow', refusal.allow);
    next(options.methodNotAllowed(refusal.message, req));
  };
}
