/**
 * The command side's OpenAPI document: every route it mounts (each declared once, http/openapi.ts),
 * served at GET /v1/openapi.json and read by the console's type generator
 * (console/scripts/api-types.ts). `api-document.unit.test.ts` checks it lists exactly the routes
 * the app serves.
 */
import { z } from 'zod';
import { ADMIN_ROUTES } from './admin/routes';
import { SESSION_ROUTES } from './admin/sessions';
import { HEALTH_ROUTES } from './http/health';
import { defineRoute, openApiDocument, type RouteDoc } from './http/openapi';
import { INGEST_ROUTES } from './ingest/routes';

export const OPENAPI_ROUTE = defineRoute({
  method: 'get',
  path: '/v1/openapi.json',
  tag: 'operations',
  summary: 'This document',
  security: [],
  responses: { 200: { description: 'OpenAPI 3.0 document.', schema: z.object({}).loose() } },
  errors: {},
});

/** Every route, in the document's order. */
export const ROUTES: readonly RouteDoc[] = [
  ...Object.values(HEALTH_ROUTES),
  OPENAPI_ROUTE,
  ...Object.values(INGEST_ROUTES),
  ...Object.values(SESSION_ROUTES),
  ...Object.values(ADMIN_ROUTES),
];

let document: ReturnType<typeof openApiDocument> | undefined;

/** The document (built once: the routes are fixed at import). */
export function commandSideDocument(): ReturnType<typeof openApiDocument> {
  return (document ??= openApiDocument(ROUTES, {
    title: 'EventLens command API',
    version: '1',
    description:
      'Ingestion (events from browsers and servers, appended to Kafka) and admin commands (projects, keys, console users and sessions, DLQ replays), each answered once Kafka has acknowledged it. Errors: `{ error: { code, message, fields? } }`. A method a path does not take is a 405 `METHOD_NOT_ALLOWED` whose `Allow` header lists the methods it takes.',
  }));
}
