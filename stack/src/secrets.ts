/**
 * Secrets the stack makes on its first start and keeps with its data (`.eventlens/data/secrets.json`,
 * mode 600): a fresh one is made for any that is missing, so older files gain new fields.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface StackSecrets {
  /** Password of the query side's read-only PostgreSQL role. */
  readerPassword: string;
  /** Password of the private PostgreSQL, when one is used. */
  privatePassword: string;
  /** HMAC secret of console session cookies, shared by the command and query sides. */
  sessionSecret: string;
  /** Bearer token for admin commands from scripts. */
  adminToken: string;
}

const make: Record<keyof StackSecrets, () => string> = {
  readerPassword: () => randomBytes(18).toString('base64url'),
  privatePassword: () => randomBytes(18).toString('base64url'),
  sessionSecret: () => randomBytes(32).toString('base64url'),
  adminToken: () => `ela_${randomBytes(24).toString('base64url')}`,
};

export async function loadSecrets(dataDir: string): Promise<StackSecrets> {
  const file = path.join(dataDir, 'secrets.json');
  let stored: Partial<StackSecrets> = {};
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as Partial<StackSecrets>;
  } catch {
    // first start: every secret is made below
  }
  const secrets = { ...stored } as StackSecrets;
  let changed = false;
  for (const key of Object.keys(make) as Array<keyof StackSecrets>) {
    if (!secrets[key]) {
      secrets[key] = make[key]();
      changed = true;
    }
  }
  if (changed) {
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}
