/**
 * The codes the console server answers with itself, in the service kit's shared error shape
 * (docs/CONVENTIONS.md lists them from here). What the two APIs answer passes through the proxy
 * unchanged.
 */
import { errorBody as kitErrorBody } from '@eventlens/service-kit';

export const ERROR_CODES = [
  'NOT_READY',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'UPSTREAM_UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The shared error body: `{ error: { code, message } }`, with this server's codes only. */
export function errorBody(code: ErrorCode, message: string) {
  return kitErrorBody(code, message);
}
