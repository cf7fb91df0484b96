/**
 * The codes the console server answers with itself, in the shared error shape (docs/CONVENTIONS.md
 * lists them from here). What the two APIs answer passes through the proxy unchanged.
 */
export const ERROR_CODES = [
  'NOT_READY',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'UPSTREAM_UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The shared error body: `{ error: { code, message } }`. */
export function errorBody(code: ErrorCode, message: string) {
  return { error: { code, message } };
}
