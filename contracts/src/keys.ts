import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyKind } from './commands';

/** Hex SHA-256 of an API key: what the log and the read models store instead of the key. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Write keys (`el_…`) are public; read keys (`elr_…`) are secrets. 32 random bytes either way. */
export function generateApiKey(kind: ApiKeyKind): string {
  return `${kind === 'write' ? 'el_' : 'elr_'}${randomBytes(24).toString('base64url')}`;
}

export const KEY_PREFIX_LENGTH = 10;
