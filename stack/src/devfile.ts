/** `.eventlens/dev.json`: what a user or a script needs next. Fields appear as the stack grows. */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { redact } from './postgres';

export const DevFile = z.object({
  ingestUrl: z.string().optional(),
  queryUrl: z.string().optional(),
  consoleUrl: z.string().optional(),
  kafkaBrokers: z.string(),
  registryUrl: z.string(),
  databaseUrl: z.string(),
  /** Read-only role of the query side. */
  readerDatabaseUrl: z.string(),
  projectId: z.string().optional(),
  apiKey: z.string().optional(),
  readKey: z.string().optional(),
  adminEmail: z.string().optional(),
  adminPassword: z.string().optional(),
  /** Bearer token for admin commands from scripts (`POST /v1/admin/…`). */
  adminToken: z.string().optional(),
});
export type DevFile = z.infer<typeof DevFile>;

export async function writeDevFile(file: string, content: DevFile): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

export async function readDevFile(file: string): Promise<DevFile | undefined> {
  try {
    return DevFile.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return undefined;
  }
}

/** Fields that grant access on their own: `stack status` shows them only with `--show-secrets`. */
const SECRET_FIELDS: ReadonlySet<keyof DevFile> = new Set(['readKey', 'adminPassword', 'adminToken']);
/** Connection strings: their password part is a secret, the rest is what an operator needs to see. */
const URL_FIELDS: ReadonlySet<keyof DevFile> = new Set(['databaseUrl', 'readerDatabaseUrl']);

/**
 * The lines `stack status` prints, one `name value` pair each. Secrets (read key, admin password,
 * admin token, database passwords) are masked unless `showSecrets`; the write key is public by
 * design (it sits in web pages) and is always shown.
 */
export function describeDevFile(dev: DevFile, options: { showSecrets: boolean }): string[] {
  return Object.entries(dev).map(([key, value]) => {
    const field = key as keyof DevFile;
    let shown = String(value);
    if (!options.showSecrets && SECRET_FIELDS.has(field))
      shown = '*** (in dev.json; status --show-secrets prints it)';
    else if (!options.showSecrets && URL_FIELDS.has(field)) shown = redact(shown);
    return `  ${key.padEnd(18)} ${shown}`;
  });
}
