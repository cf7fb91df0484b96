/**
 * What a public dashboard's grant may do, and how a request carries one (share.ts has the rest):
 * no imports but the contracts', so the callers and the route layer can both use it.
 */
import { SHARE_AUTH_SCHEME } from '@eventlens/contracts';

/**
 * The only routes a grant may call (`METHOD path` as declared): the public dashboard's reports and
 * the project's default zone. Not the settings: their excluded address ranges, goals and domains
 * are the owner's, and anyone with the link could read them. Every other route answers a grant
 * with 403 (http/route.ts).
 */
export const SHARE_ROUTES: ReadonlySet<string> = new Set([
  'POST /api/v2/query',
  'POST /api/v2/funnel',
  'GET /v1/projects/{project_id}/time-zone',
]);

/** Whether a grant may call the route declared as `method path`. */
export function shareMayCall(method: string, path: string): boolean {
  return SHARE_ROUTES.has(`${method.toUpperCase()} ${path}`);
}

/** `Authorization: Share <grant>` → the grant; undefined for another scheme. */
export function shareGrantOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = new RegExp(`^${SHARE_AUTH_SCHEME} +(\\S{1,2048})\\s*$`, 'i').exec(header);
  return match?.[1];
}
