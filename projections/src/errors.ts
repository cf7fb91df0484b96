/**
 * The codes of the projections' health server (`/readyz`, unknown paths), in the shared error shape
 * of the service kit (docs/CONVENTIONS.md lists them from here). Failure codes of records (retry,
 * DLQ) are another vocabulary: `runtime/outcome.ts`.
 */
export const ERROR_CODES = ['NOT_READY', 'NOT_FOUND'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
